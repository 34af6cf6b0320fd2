package notifyq

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/notify"
	"github.com/wenyun/wenyun/internal/sqlstore"
	"github.com/wenyun/wenyun/internal/webhook"
	"github.com/wenyun/wenyun/internal/webhook/webhooktest"
)

// newWebhookQueue returns a stopped, fast-retrying queue that delivers
// webhooks to 127.0.0.1 in at most attempts attempts, set as the store's
// webhook hook; started, it is stopped at cleanup.
func newWebhookQueue(t *testing.T, s *sqlstore.Store, dsn string, attempts int) *Queue {
	t.Helper()
	q, err := newQueue(t.Context(), s, s, notify.Channels{}, Options{
		DSN: dsn, PollInterval: 20 * time.Millisecond, RetryDelay: func(int) time.Duration { return 10 * time.Millisecond },
		Webhooks: webhook.NewSender(webhook.NewGuard(true), 2*time.Second), WebhookAttempts: attempts,
	})
	if err != nil {
		t.Fatal(err)
	}
	s.SetWebhookHook(q.WebhookHook())
	return q
}

func startWebhookQueue(t *testing.T, q *Queue) {
	t.Helper()
	if err := q.Start(context.WithoutCancel(t.Context())); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			t.Error(err)
		}
	})
}

// hookWorld is a hub with a branch, an activity open for booking there,
// a resident, and a webhook at the hub pointing at a receiver that knows
// its secret.
type hookWorld struct {
	s        *sqlstore.Store
	activity *culture.Activity
	resident int64
	hook     *culture.Webhook
	rx       *webhooktest.Receiver
}

func newHookWorld(t *testing.T, s *sqlstore.Store) *hookWorld {
	t.Helper()
	ctx := t.Context()
	c := newCommunity(t, s)
	start := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
	a := &culture.Activity{UnitID: c.unit, Title: "少儿书法体验课", Category: "书法美术", StartsAt: start,
		EndsAt: start.Add(time.Hour), Capacity: 20, Mode: culture.ModeFirstCome, OpensAt: time.Now().Add(-time.Hour),
		ClosesAt: start, MaxPerBooking: 2}
	if _, err := s.CreateActivity(ctx, a, 1); err != nil {
		t.Fatal(err)
	}
	r, err := s.FindOrCreateResident(ctx, "13800000001")
	if err != nil {
		t.Fatal(err)
	}
	rx := webhooktest.NewReceiver(t)
	var hub int64
	if err := s.DB().QueryRowContext(ctx, `SELECT parent_id FROM units WHERE kind = 'branch'`).Scan(&hub); err != nil {
		t.Fatal(err)
	}
	w := &culture.Webhook{UnitID: hub, URL: rx.URL}
	if err := s.CreateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	rx.SetSecret(w.Secret)
	return &hookWorld{s: s, activity: a, resident: r.ID, hook: w, rx: rx}
}

// book books the activity and returns the booking's delivery.
func (w *hookWorld) book(t *testing.T) (*culture.Booking, *culture.WebhookDelivery) {
	t.Helper()
	b, err := w.s.CreateBooking(t.Context(), &culture.BookingRequest{ActivityID: w.activity.ID, AccountID: w.resident, Self: true})
	if err != nil {
		t.Fatal(err)
	}
	ds, _, err := w.s.FindWebhookDeliveries(t.Context(), culture.WebhookDeliveryFilter{WebhookID: w.hook.ID})
	if err != nil || len(ds) != 1 {
		t.Fatalf("deliveries = %v, %v; want one", ds, err)
	}
	return b, ds[0]
}

// waitDelivery waits until the delivery is no longer pending and returns
// it with its log.
func waitDelivery(t *testing.T, s *sqlstore.Store, id int64) *culture.WebhookDelivery {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		d, err := s.FindWebhookDeliveryByID(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != culture.WebhookPending {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery %d still pending after 20s: %d attempts, last %q", id, d.Attempts, d.LastError)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// attemptLog shows a delivery's attempts as "resend:status".
func attemptLog(d *culture.WebhookDelivery) []string {
	out := []string{}
	for _, a := range d.Log {
		out = append(out, fmt.Sprintf("%d:%d", a.Resend, a.StatusCode))
	}
	return out
}

// TestWebhookRetries: the receiver verifies every request with the
// webhook's secret and fails the first two with 500; the third is
// accepted. The log shows the three attempts and the delivery ends
// delivered, each request carrying the same delivery id and payload.
func TestWebhookRetries(t *testing.T) {
	forEachEngine(t, func(t *testing.T, dsn string) {
		s := openStore(t, dsn)
		w := newHookWorld(t, s)
		startWebhookQueue(t, newWebhookQueue(t, s, dsn, 5))
		w.rx.FailNext(2)
		b, d := w.book(t)
		d = waitDelivery(t, s, d.ID)
		if d.Status != culture.WebhookDelivered || d.Attempts != 3 || d.LastStatusCode != http.StatusNoContent || d.DeliveredAt == nil {
			t.Errorf("delivery = %+v, want delivered after 3 attempts", d)
		}
		if diff := cmp.Diff([]string{"0:500", "0:500", "0:204"}, attemptLog(d)); diff != "" {
			t.Errorf("attempts (-want +got):\n%s", diff)
		}
		if d.Log[0].Error != "接收方返回 HTTP 500" || d.Log[2].Error != "" {
			t.Errorf("attempt errors %q, %q", d.Log[0].Error, d.Log[2].Error)
		}
		reqs := w.rx.Requests()
		if len(reqs) != 3 {
			t.Fatalf("receiver got %d requests, want 3", len(reqs))
		}
		for i, r := range reqs {
			if r.VerifyErr != nil || r.Delivery != strconv.FormatInt(d.ID, 10) || r.Event != culture.EventBookingConfirmed ||
				string(r.Body) != d.Payload || r.ContentType != "application/json" {
				t.Errorf("request %d = %+v", i, r)
			}
		}
		env, err := reqs[2].Envelope()
		if err != nil || env.ID != fmt.Sprintf("booking:%d:confirmed", b.ID) || env.Type != culture.EventBookingConfirmed {
			t.Errorf("envelope = %+v, %v", env, err)
		}
	})
}

// TestWebhookGivesUpThenResend: past its attempts the delivery fails;
// a manual resend makes a new round, logged as resend 1, that delivers.
func TestWebhookGivesUpThenResend(t *testing.T) {
	forEachEngine(t, func(t *testing.T, dsn string) {
		s := openStore(t, dsn)
		w := newHookWorld(t, s)
		startWebhookQueue(t, newWebhookQueue(t, s, dsn, 2))
		w.rx.FailNext(100)
		_, d := w.book(t)
		d = waitDelivery(t, s, d.ID)
		if d.Status != culture.WebhookFailed || d.Attempts != 2 || d.LastStatusCode != 500 {
			t.Fatalf("delivery = %+v, want failed after 2 attempts", d)
		}
		settle()
		if n := len(w.rx.Requests()); n != 2 {
			t.Errorf("receiver got %d requests after the delivery failed, want 2", n)
		}
		w.rx.FailNext(0)
		if _, err := s.ResendWebhookDelivery(t.Context(), d.ID); err != nil {
			t.Fatal(err)
		}
		d = waitDelivery(t, s, d.ID)
		if d.Status != culture.WebhookDelivered || d.Resends != 1 {
			t.Errorf("after the resend: %+v", d)
		}
		if diff := cmp.Diff([]string{"0:500", "0:500", "1:204"}, attemptLog(d)); diff != "" {
			t.Errorf("attempts (-want +got):\n%s", diff)
		}
	})
}

// TestWebhookDisabled: a delivery whose webhook was disabled before it
// went out fails at once, logged, with no request.
func TestWebhookDisabled(t *testing.T) {
	forEachEngine(t, func(t *testing.T, dsn string) {
		s := openStore(t, dsn)
		w := newHookWorld(t, s)
		q := newWebhookQueue(t, s, dsn, 5)
		_, d := w.book(t)
		off := false
		if _, err := s.UpdateWebhook(t.Context(), w.hook.ID, culture.WebhookUpdate{Active: &off}); err != nil {
			t.Fatal(err)
		}
		startWebhookQueue(t, q)
		d = waitDelivery(t, s, d.ID)
		if d.Status != culture.WebhookFailed || len(d.Log) != 1 || !strings.Contains(d.Log[0].Error, "已停用") {
			t.Errorf("delivery = %+v, log %+v", d, d.Log)
		}
		if n := len(w.rx.Requests()); n != 0 {
			t.Errorf("a disabled webhook got %d requests", n)
		}
	})
}
