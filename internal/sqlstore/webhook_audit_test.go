package sqlstore_test

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// whAudit is an audit_log row.
type whAudit struct {
	By                     int64
	Action, Target, Reason string
}

func whAuditLog(t *testing.T, s *sqlstore.Store) []whAudit {
	t.Helper()
	rows, err := s.DB().Query(`SELECT account_id, action, target, reason FROM audit_log ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := []whAudit{}
	for rows.Next() {
		var a whAudit
		var by sql.NullInt64
		if err := rows.Scan(&by, &a.Action, &a.Target, &a.Reason); err != nil {
			t.Fatal(err)
		}
		a.By = by.Int64
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestWebhookAudit: creating, changing, showing the secret of, rotating
// and deleting a webhook each write an audit_log row naming the account,
// the webhook and (for the URL) only its scheme and host, never its
// token; refused changes write none.
func TestWebhookAudit(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := mfxFixtures(t, s)
		ctx := t.Context()
		by := fx.reviewer.ID
		w := &culture.Webhook{UnitID: fx.branch.ID, URL: "https://gateway.example.com/h?access_token=SECRET1", CreatedBy: by}
		if err := s.CreateWebhook(ctx, w); err != nil {
			t.Fatal(err)
		}
		bad := "ftp://x"
		if _, err := s.UpdateWebhook(ctx, w.ID, culture.WebhookUpdate{URL: &bad}, by); err == nil {
			t.Fatal("a bad URL was accepted")
		}
		if err := s.CreateWebhook(ctx, &culture.Webhook{UnitID: fx.point.ID, URL: whURL, CreatedBy: by}); err == nil {
			t.Fatal("a webhook at a point was accepted")
		}
		moved := "https://new.example.com:8443/x?token=SECRET2"
		off := false
		if _, err := s.UpdateWebhook(ctx, w.ID, culture.WebhookUpdate{URL: &moved, Active: &off}, by); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateWebhook(ctx, w.ID, culture.WebhookUpdate{Events: &[]string{culture.EventBookingConfirmed}}, by); err != nil {
			t.Fatal(err)
		}
		shown, err := s.RevealWebhookSecret(ctx, w.ID, by)
		if err != nil || shown.Secret != w.Secret {
			t.Fatalf("revealed %+v, %v", shown, err)
		}
		if _, err := s.RotateWebhookSecret(ctx, w.ID, by); err != nil {
			t.Fatal(err)
		}
		for _, err := range []error{s.DeleteWebhook(ctx, 99999, by), func() error { _, err := s.RevealWebhookSecret(ctx, 99999, by); return err }()} {
			checkRefusal(t, err, culture.ENOTFOUND, "Webhook 不存在。")
		}
		if err := s.DeleteWebhook(ctx, w.ID, 0); err != nil {
			t.Fatal(err)
		}
		target := fmt.Sprintf("webhook:%d", w.ID)
		want := []whAudit{
			{by, "webhook.create", target, "解放分馆，https://gateway.example.com"},
			{by, "webhook.update", target, "接收地址 https://gateway.example.com → https://new.example.com:8443；停用"},
			{by, "webhook.update", target, "事件：预约成功"},
			{by, "webhook.reveal_secret", target, ""},
			{by, "webhook.rotate_secret", target, ""},
			{0, "webhook.delete", target, "解放分馆，https://new.example.com:8443"},
		}
		got := whAuditLog(t, s)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("audit log (-want +got):\n%s", diff)
		}
		for _, a := range got {
			if strings.Contains(a.Reason, "SECRET") {
				t.Errorf("the audit log shows a URL's token: %+v", a)
			}
		}
	})
}
