package sqlstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

const whURL = "https://gateway.example.com/hooks/wenyun"

// whCreate stores a webhook at unit for events (none: all); it must
// succeed.
func whCreate(t *testing.T, s *sqlstore.Store, unit int64, events ...string) *culture.Webhook {
	t.Helper()
	w := &culture.Webhook{UnitID: unit, URL: whURL, Events: events}
	if err := s.CreateWebhook(t.Context(), w); err != nil {
		t.Fatalf("CreateWebhook(unit %d): %v", unit, err)
	}
	return w
}

// whKeys lists a webhook's deliveries as "type id", oldest first.
func whKeys(t *testing.T, s *sqlstore.Store, webhookID int64) []string {
	t.Helper()
	out := []string{}
	for _, d := range whDeliveries(t, s, webhookID) {
		out = append(out, d.EventType+" "+d.EventID)
	}
	return out
}

// whDeliveries returns a webhook's deliveries, oldest first.
func whDeliveries(t *testing.T, s *sqlstore.Store, webhookID int64) []*culture.WebhookDelivery {
	t.Helper()
	ds, _, err := s.FindWebhookDeliveries(t.Context(), culture.WebhookDeliveryFilter{WebhookID: webhookID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(ds)
	return ds
}

// whPayload decodes a delivery's payload.
type whPayload struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	CreatedAt string `json:"created_at"`
	Data      struct {
		Booking *struct {
			ID          int64      `json:"id"`
			AccountID   int64      `json:"account_id"`
			ActivityID  int64      `json:"activity_id"`
			Status      string     `json:"status"`
			Seats       int        `json:"seats"`
			CheckedInAt *time.Time `json:"checked_in_at"`
		} `json:"booking"`
		Activity *struct {
			ID       int64  `json:"id"`
			Title    string `json:"title"`
			UnitID   int64  `json:"unit_id"`
			UnitName string `json:"unit_name"`
		} `json:"activity"`
		Delivery *struct {
			ID         int64  `json:"id"`
			Status     string `json:"status"`
			ItemTitle  string `json:"item_title"`
			ActivityID *int64 `json:"activity_id"`
		} `json:"delivery"`
	} `json:"data"`
}

func whDecode(t *testing.T, d *culture.WebhookDelivery) whPayload {
	t.Helper()
	var p whPayload
	if err := json.Unmarshal([]byte(d.Payload), &p); err != nil {
		t.Fatalf("payload %s: %v", d.Payload, err)
	}
	return p
}

// whRecorder is a webhook hook that records the jobs queued, and how
// many calls queued them.
type whRecorder struct {
	mu    sync.Mutex
	jobs  []sqlstore.WebhookJob
	calls int
	// fail, when set, refuses the jobs it names.
	fail func(ctx context.Context, tx *sql.Tx, j sqlstore.WebhookJob) error
}

func whRecord(s *sqlstore.Store) *whRecorder {
	r := &whRecorder{}
	s.SetWebhookHook(sqlstore.WebhookHookFunc(func(ctx context.Context, tx *sql.Tx, jobs []sqlstore.WebhookJob) error {
		for _, j := range jobs {
			if r.fail != nil {
				if err := r.fail(ctx, tx, j); err != nil {
					return err
				}
			}
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		r.jobs = append(r.jobs, jobs...)
		r.calls++
		return nil
	}))
	return r
}

// reset forgets the jobs and calls recorded so far.
func (r *whRecorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.jobs, r.calls = nil, 0
}

// callCount is how many calls queued jobs.
func (r *whRecorder) callCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}

func (r *whRecorder) queued() []sqlstore.WebhookJob {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sqlstore.WebhookJob(nil), r.jobs...)
}

func TestCreateWebhook(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := mfxFixtures(t, s)
		ctx := t.Context()
		for _, tc := range []struct {
			name, msg string
			edit      func(w *culture.Webhook)
		}{
			{"ErrFTP", "接收地址必须以 http:// 或 https:// 开头。", func(w *culture.Webhook) { w.URL = "ftp://gateway.example.com/x" }},
			{"ErrUserinfo", "接收地址不能包含用户名或密码。", func(w *culture.Webhook) { w.URL = "http://user:pw@gateway.example.com/x" }},
			{"ErrNoHost", "接收地址缺少主机名。", func(w *culture.Webhook) { w.URL = "https:///x" }},
			{"ErrFragment", "接收地址不能包含“#”片段。", func(w *culture.Webhook) { w.URL = whURL + "#top" }},
			{"ErrEmpty", "请填写接收地址（URL）。", func(w *culture.Webhook) { w.URL = "" }},
			{"ErrLong", "接收地址不能超过 2000 个字符。", func(w *culture.Webhook) { w.URL = whURL + "/" + strings.Repeat("a", 2000) }},
			{"ErrLongChinese", "接收地址不能超过 2000 个字符。", func(w *culture.Webhook) { w.URL = whURL + "/" + strings.Repeat("文", 1990) }},
			{"ErrDecimalIP", "接收地址中的 IP 地址写法不规范，请写成 203.0.113.5 这样的四段十进制形式。", func(w *culture.Webhook) { w.URL = "http://2130706433/x" }},
			{"ErrShortIP", "接收地址中的 IP 地址写法不规范，请写成 203.0.113.5 这样的四段十进制形式。", func(w *culture.Webhook) { w.URL = "http://127.1/x" }},
			{"ErrZeroWidth", "接收地址不能包含零宽字符等不可见字符，请重新输入。", func(w *culture.Webhook) { w.URL = "https://gate\u200bway.example.com/x" }},
			{"ErrPunycode", "接收地址的域名无效：含有不允许的字符、空段或错误的国际化域名编码。", func(w *culture.Webhook) { w.URL = "https://xn--abc-.example.com/x" }},
			{"ErrLongLabel", "接收地址的域名过长：整个域名不能超过 253 个字符，每一段不能超过 63 个字符。", func(w *culture.Webhook) {
				w.URL = "https://" + strings.Repeat("a", 300) + ".example.com/x"
			}},
			{"ErrEvent", "事件类型无效，请重新选择。", func(w *culture.Webhook) { w.Events = []string{"booking.confirmed", "booking.deleted"} }},
			{"ErrNoUnit", "所选单位不存在。", func(w *culture.Webhook) { w.UnitID = 99999 }},
			{"ErrPoint", "Webhook 只能设在总馆或分馆，不能设在基层文化点。", func(w *culture.Webhook) { w.UnitID = fx.point.ID }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				w := &culture.Webhook{UnitID: fx.branch.ID, URL: whURL, CreatedBy: fx.reviewer.ID}
				tc.edit(w)
				checkRefusal(t, s.CreateWebhook(ctx, w), culture.EINVALID, tc.msg)
				if n := mfxCount(t, s, "webhooks"); n != 0 {
					t.Errorf("%d webhooks after a refusal", n)
				}
			})
		}
		t.Run("OK", func(t *testing.T) {
			w := &culture.Webhook{UnitID: fx.branch.ID, URL: whURL, CreatedBy: fx.reviewer.ID,
				Events: []string{culture.EventDeliveryUpdated, culture.EventBookingConfirmed, culture.EventDeliveryUpdated}}
			if err := s.CreateWebhook(ctx, w); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(w.Secret, "whsec_") || len(w.Secret) < 40 {
				t.Errorf("secret = %q", w.Secret)
			}
			got, err := s.FindWebhookByID(ctx, w.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := &culture.Webhook{ID: w.ID, UnitID: fx.branch.ID, URL: whURL, Secret: w.Secret,
				Events: []string{culture.EventBookingConfirmed, culture.EventDeliveryUpdated}, Active: true,
				CreatedBy: fx.reviewer.ID, CreatedAt: mfxNow.UTC(), UpdatedAt: mfxNow.UTC(), UnitName: "解放分馆",
				CreatedByName: "工作人员"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("stored (-want +got):\n%s", diff)
			}
			other := whCreate(t, s, fx.hub.ID)
			if other.Secret == w.Secret || len(other.Events) != 0 || other.EventLabels() != "全部事件" {
				t.Errorf("second webhook = %+v", other)
			}
		})
		t.Run("ErrFull", func(t *testing.T) {
			for range culture.MaxWebhooksPerUnit {
				whCreate(t, s, fx.branch2.ID)
			}
			n := mfxCount(t, s, "webhooks")
			checkRefusal(t, s.CreateWebhook(ctx, &culture.Webhook{UnitID: fx.branch2.ID, URL: whURL}), culture.EINVALID,
				"每个单位最多设置 20 个 Webhook，请先删除不用的。")
			if mfxCount(t, s, "webhooks") != n {
				t.Error("the 21st webhook was stored")
			}
		})
	})
}

func TestFindWebhooks(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := mfxFixtures(t, s)
		hub, branch, branch2, other := whCreate(t, s, fx.hub.ID), whCreate(t, s, fx.branch.ID),
			whCreate(t, s, fx.branch2.ID), whCreate(t, s, fx.otherHub.ID)
		ids := func(f culture.WebhookFilter) ([]int64, int) {
			t.Helper()
			ws, total, err := s.FindWebhooks(t.Context(), f)
			if err != nil {
				t.Fatal(err)
			}
			out := []int64{}
			for _, w := range ws {
				out = append(out, w.ID)
			}
			return out, total
		}
		for _, tc := range []struct {
			name  string
			f     culture.WebhookFilter
			want  []int64
			total int
		}{
			{"All", culture.WebhookFilter{}, []int64{other.ID, branch2.ID, branch.ID, hub.ID}, 4},
			{"Hub", culture.WebhookFilter{Within: []int64{fx.hub.ID}}, []int64{branch2.ID, branch.ID, hub.ID}, 3},
			{"Branch", culture.WebhookFilter{Within: []int64{fx.branch.ID}}, []int64{branch.ID}, 1},
			{"Point", culture.WebhookFilter{Within: []int64{fx.point.ID}}, []int64{}, 0},
			{"TwoRoots", culture.WebhookFilter{Within: []int64{fx.branch.ID, fx.otherHub.ID, fx.branch.ID}}, []int64{other.ID, branch.ID}, 2},
			{"Page", culture.WebhookFilter{Within: []int64{fx.hub.ID}, Limit: 1, Offset: 1}, []int64{branch.ID}, 3},
			{"PastEnd", culture.WebhookFilter{Within: []int64{fx.hub.ID}, Limit: 1, Offset: 5}, []int64{}, 3},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, total := ids(tc.f)
				if !cmp.Equal(got, tc.want) || total != tc.total {
					t.Errorf("got %v of %d, want %v of %d", got, total, tc.want, tc.total)
				}
			})
		}
	})
}

func TestUpdateWebhook(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := mfxFixtures(t, s)
		ctx := t.Context()
		w := whCreate(t, s, fx.branch.ID, culture.EventBookingConfirmed)
		ptr := func(v string) *string { return &v }
		for _, tc := range []struct {
			name, msg string
			upd       culture.WebhookUpdate
		}{
			{"ErrURL", "接收地址必须以 http:// 或 https:// 开头。", culture.WebhookUpdate{URL: ptr("gopher://x"), Active: mfxPtr(false)}},
			{"ErrEvents", "事件类型无效，请重新选择。", culture.WebhookUpdate{Events: &[]string{"x"}, URL: ptr("https://new.example.com/")}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.UpdateWebhook(ctx, w.ID, tc.upd, 0)
				checkRefusal(t, err, culture.EINVALID, tc.msg)
				if got, _ := s.FindWebhookByID(ctx, w.ID); !cmp.Equal(got, w) {
					t.Errorf("a refused update changed %+v into %+v", w, got)
				}
			})
		}
		if _, err := s.UpdateWebhook(ctx, 99999, culture.WebhookUpdate{Active: mfxPtr(false)}, 0); culture.ErrorCode(err) != culture.ENOTFOUND {
			t.Errorf("update of a missing webhook: %v", err)
		}
		fx.setNow(mfxNow.Add(time.Hour))
		got, err := s.UpdateWebhook(ctx, w.ID, culture.WebhookUpdate{URL: ptr("http://new.example.com:8081/h"),
			Events: &[]string{}, Active: mfxPtr(false)}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got.URL != "http://new.example.com:8081/h" || len(got.Events) != 0 || got.Active || !got.UpdatedAt.Equal(mfxNow.Add(time.Hour)) || got.Secret != w.Secret {
			t.Errorf("updated = %+v", got)
		}
		rotated, err := s.RotateWebhookSecret(ctx, w.ID, 0)
		if err != nil || rotated.Secret == w.Secret || !strings.HasPrefix(rotated.Secret, "whsec_") {
			t.Errorf("rotated = %+v, %v", rotated, err)
		}
		if _, err := s.RotateWebhookSecret(ctx, 99999, 0); culture.ErrorCode(err) != culture.ENOTFOUND {
			t.Errorf("rotate a missing webhook: %v", err)
		}
	})
}

// TestWebhookBookingEvents: a booking at the branch reaches the hub's
// webhook for every event and the branch's for the check-in it chose;
// another branch's webhook and a disabled one hear nothing. A replay
// and a second cancel of the activity deliver nothing new.
func TestWebhookBookingEvents(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		ctx := t.Context()
		rec := whRecord(s)
		hub := whCreate(t, s, fx.hub)
		branch := whCreate(t, s, fx.branch, culture.EventBookingCheckedIn)
		other := whCreate(t, s, fx.other)
		off := whCreate(t, s, fx.hub)
		if _, err := s.UpdateWebhook(ctx, off.ID, culture.WebhookUpdate{Active: mfxPtr(false)}, 0); err != nil {
			t.Fatal(err)
		}
		a := fx.create(t)
		me := fx.residents[0]
		req := &culture.BookingRequest{ActivityID: a.ID, AccountID: me, Self: true, FamilyIDs: []int64{fx.family}, IdempotencyKey: "wh-1"}
		b, err := s.CreateBooking(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateBooking(ctx, req); err != nil { // a replay
			t.Fatal(err)
		}
		confirmed := fmt.Sprintf("booking:%d:confirmed", b.ID)
		if diff := cmp.Diff([]string{"booking.confirmed " + confirmed}, whKeys(t, s, hub.ID)); diff != "" {
			t.Fatalf("hub deliveries (-want +got):\n%s", diff)
		}
		d := whDeliveries(t, s, hub.ID)[0]
		p := whDecode(t, d)
		if p.ID != confirmed || p.Type != culture.EventBookingConfirmed || p.CreatedAt != "2026-03-02T01:00:00Z" ||
			p.Data.Booking == nil || p.Data.Booking.ID != b.ID || p.Data.Booking.Seats != 2 || p.Data.Booking.Status != "confirmed" ||
			p.Data.Booking.AccountID != me || p.Data.Activity == nil || p.Data.Activity.UnitID != fx.branch || p.Data.Activity.UnitName != "解放分馆" {
			t.Errorf("payload = %s", d.Payload)
		}
		if acc, err := s.FindAccountByID(ctx, me); err != nil || acc.Phone == "" || strings.Contains(d.Payload, acc.Phone) ||
			strings.Contains(d.Payload, "phone") || strings.Contains(d.Payload, b.Code) || strings.Contains(d.Payload, "张三") {
			t.Errorf("payload shows personal data or the ticket code (%v): %s", err, d.Payload)
		}
		if d.Status != culture.WebhookPending || d.Attempts != 0 || !slices.Contains(rec.queued(), sqlstore.WebhookJob{DeliveryID: d.ID}) {
			t.Errorf("delivery %+v, queued %v", d, rec.queued())
		}

		second := fx.book(t, a.ID, fx.residents[1], true)
		if _, err := s.CancelBooking(ctx, me, b.ID); err != nil {
			t.Fatal(err)
		}
		fx.setNow(a.StartsAt)
		if _, err := s.CheckInCode(ctx, second.Code, 0, fx.staff); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CheckInCode(ctx, second.Code, 0, fx.staff); err != nil { // scanned again
			t.Fatal(err)
		}
		checkedIn := fmt.Sprintf("booking.checked_in booking:%d:checked_in", second.ID)
		want := []string{"booking.confirmed " + confirmed, fmt.Sprintf("booking.confirmed booking:%d:confirmed", second.ID),
			fmt.Sprintf("booking.cancelled booking:%d:cancelled", b.ID), checkedIn}
		if diff := cmp.Diff(want, whKeys(t, s, hub.ID)); diff != "" {
			t.Errorf("hub deliveries (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{checkedIn}, whKeys(t, s, branch.ID)); diff != "" {
			t.Errorf("branch deliveries (-want +got):\n%s", diff)
		}
		for _, w := range []*culture.Webhook{other, off} {
			if got := whKeys(t, s, w.ID); len(got) != 0 {
				t.Errorf("webhook %d got %v", w.ID, got)
			}
		}
		if p := whDecode(t, whDeliveries(t, s, branch.ID)[0]); p.Data.Booking.Status != "checked_in" || p.Data.Booking.CheckedInAt == nil {
			t.Errorf("check-in payload = %+v", p.Data.Booking)
		}
		if n := len(rec.queued()); n != 5 {
			t.Errorf("queued %d jobs, want 5 (one per delivery)", n)
		}
	})
}

// TestWebhookActivityEvents: approval, decline, activity cancellation
// (twice) and a lottery draw (twice) each deliver once.
func TestWebhookActivityEvents(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		ctx := t.Context()
		whRecord(s)
		hub := whCreate(t, s, fx.hub, culture.EventBookingConfirmed, culture.EventBookingCancelled)
		acc := fixAccounts(t, s, 3)

		approval := fx.create(t, func(a *culture.Activity) { a.Mode = culture.ModeApproval })
		yes, no := fx.book(t, approval.ID, acc[0], true), fx.book(t, approval.ID, acc[1], true)
		if got := whKeys(t, s, hub.ID); len(got) != 0 {
			t.Fatalf("a pending application was announced: %v", got)
		}
		for _, dec := range []struct {
			id int64
			ok bool
		}{{yes.ID, true}, {no.ID, false}} {
			if _, err := s.DecideBooking(ctx, dec.id, dec.ok); err != nil {
				t.Fatal(err)
			}
		}

		a := fx.create(t, func(a *culture.Activity) { a.Capacity = 1 })
		held := fx.mustTry(t, a.ID, acc[2], 1, false)
		waiting := fx.mustTry(t, a.ID, acc[0], 1, true)
		for range 2 {
			if err := s.CancelActivity(ctx, a.ID); err != nil {
				t.Fatal(err)
			}
		}

		lottery := fx.create(t, lotteryMode, func(a *culture.Activity) { a.Capacity = 1 })
		apps := []*culture.Booking{fx.apply(t, lottery.ID, acc[0]), fx.apply(t, lottery.ID, acc[1])}
		fx.setNow(activityTestNow.Add(2 * time.Hour))
		for range 2 {
			if _, err := s.DrawLottery(ctx, lottery.ID); err != nil {
				t.Fatal(err)
			}
		}
		winner := apps[0]
		if fx.status(t, winner.ID).Status != culture.BookingConfirmed {
			winner = apps[1]
		}
		want := []string{
			fmt.Sprintf("booking.confirmed booking:%d:confirmed", yes.ID),
			fmt.Sprintf("booking.cancelled booking:%d:declined", no.ID),
			fmt.Sprintf("booking.confirmed booking:%d:confirmed", held.ID),
			fmt.Sprintf("booking.cancelled booking:%d:cancelled", held.ID),
			fmt.Sprintf("booking.cancelled booking:%d:cancelled", waiting.ID),
			fmt.Sprintf("booking.confirmed booking:%d:confirmed", winner.ID),
		}
		got := whKeys(t, s, hub.ID)
		if len(got) == len(want) {
			slices.Sort(got[3:5]) // the activity's bookings are cancelled in one statement
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("deliveries (-want +got):\n%s", diff)
		}
		ds := whDeliveries(t, s, hub.ID)
		for _, d := range ds[3:5] {
			if p := whDecode(t, d); p.Data.Booking == nil || p.Data.Booking.Status != "cancelled" || p.Data.Booking.Seats != 1 ||
				p.Data.Booking.AccountID != acc[2] && p.Data.Booking.AccountID != acc[0] {
				t.Errorf("activity-cancel payload = %s", d.Payload)
			}
		}
		if p := whDecode(t, ds[5]); p.Data.Booking == nil || p.Data.Booking.Status != "confirmed" || p.Data.Activity.ID != lottery.ID {
			t.Errorf("lottery payload = %s", ds[5].Payload)
		}
	})
}

// TestWebhookDeliveryEvents: planning, confirming, cancelling, declining
// and settling deliveries announce delivery.updated to the webhooks of
// the delivery's unit and above; the other hub's hears nothing.
func TestWebhookDeliveryEvents(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := dfxFixtures(t, s)
		ctx := t.Context()
		whRecord(s)
		hub := whCreate(t, s, fx.hub.ID, culture.EventDeliveryUpdated)
		bookings := whCreate(t, s, fx.branch.ID, culture.EventBookingConfirmed)
		other := whCreate(t, s, fx.otherHub.ID)

		d := fx.confirm(t, fx.plan(t))
		if err := s.CancelDelivery(ctx, d.ID, "场地维修"); err != nil {
			t.Fatal(err)
		}
		atPoint := fx.plan(t, func(d *culture.Delivery) { d.UnitID, d.RoomID = fx.point.ID, nil })
		if _, err := s.ConfirmDelivery(ctx, atPoint.ID, atPoint.ProviderID, false, "档期冲突"); err != nil {
			t.Fatal(err)
		}
		held, _ := fx.held(t)
		cost := 1200
		if _, err := s.UpdateDelivery(ctx, held.ID, culture.DeliveryUpdate{Cost: &cost}); err != nil {
			t.Fatal(err)
		}
		key := func(d *culture.Delivery, status string) string {
			return fmt.Sprintf("delivery.updated delivery:%d:%s", d.ID, status)
		}
		want := []string{key(d, "planned"), key(d, "published"), key(d, "cancelled"), key(atPoint, "planned"),
			key(atPoint, "declined"), key(held, "planned"), key(held, "published"), key(held, "held"), key(held, "settled")}
		if diff := cmp.Diff(want, whKeys(t, s, hub.ID)); diff != "" {
			t.Errorf("hub deliveries (-want +got):\n%s", diff)
		}
		ds := whDeliveries(t, s, hub.ID)
		if p := whDecode(t, ds[1]); p.Data.Delivery == nil || p.Data.Delivery.Status != "published" ||
			p.Data.Delivery.ActivityID == nil || p.Data.Delivery.ItemTitle != fx.item.Title {
			t.Errorf("published payload = %s", ds[1].Payload)
		}
		if p := whDecode(t, ds[7]); p.Data.Delivery == nil || p.Data.Delivery.Status != "held" {
			t.Errorf("held payload = %s", ds[7].Payload)
		}
		if p := whDecode(t, ds[8]); p.Data.Delivery == nil || p.Data.Delivery.Status != "settled" {
			t.Errorf("settled payload = %s", ds[8].Payload)
		}
		if got := whKeys(t, s, other.ID); len(got) != 0 {
			t.Errorf("the other hub's webhook got %v", got)
		}
		// The booking webhook heard the bookings of the held delivery only.
		if got := whKeys(t, s, bookings.ID); len(got) != 2 {
			t.Errorf("booking webhook got %v, want the two bookings", got)
		}
	})
}

// TestWebhookRollback: when queueing fails the booking rolls back with
// its deliveries; in a batch only the failed request's savepoint goes.
func TestWebhookRollback(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		ctx := t.Context()
		hook := whCreate(t, s, fx.hub)
		refused := fx.residents[1]
		rec := whRecord(s)
		rec.fail = func(ctx context.Context, tx *sql.Tx, j sqlstore.WebhookJob) error {
			var payload string
			// The delivery is visible in the transaction that made it.
			if err := tx.QueryRowContext(ctx, fixSQL(s, `SELECT payload FROM webhook_deliveries WHERE id = ?`), j.DeliveryID).Scan(&payload); err != nil {
				return err
			}
			if strings.Contains(payload, fmt.Sprintf(`"account_id":%d,`, refused)) {
				return errors.New("queue down")
			}
			return nil
		}
		a := fx.create(t)
		if _, err := s.CreateBooking(ctx, &culture.BookingRequest{ActivityID: a.ID, AccountID: refused, Self: true}); err == nil ||
			!strings.Contains(err.Error(), "queue down") {
			t.Fatalf("booking with a failing hook: %v", err)
		}
		if got := whKeys(t, s, hook.ID); len(got) != 0 || fx.seatsLeft(t, a.ID) != 10 {
			t.Fatalf("a rolled-back booking left deliveries %v, %d seats", got, fx.seatsLeft(t, a.ID))
		}
		res := s.CreateBookings(ctx, []*culture.BookingRequest{
			{ActivityID: a.ID, AccountID: refused, Self: true},
			{ActivityID: a.ID, AccountID: fx.residents[2], Self: true},
		})
		if res[0].Err == nil || res[1].Err != nil {
			t.Fatalf("batch = %v, %v; want the first refused", res[0].Err, res[1].Err)
		}
		want := []string{fmt.Sprintf("booking.confirmed booking:%d:confirmed", res[1].Booking.ID)}
		if diff := cmp.Diff(want, whKeys(t, s, hook.ID)); diff != "" {
			t.Errorf("deliveries (-want +got):\n%s", diff)
		}
		if q := rec.queued(); len(q) != 1 {
			t.Errorf("queued %v, want the one delivery", q)
		}
	})
}

// TestWebhookDeliveryLog: attempts are logged and set the delivery's
// status; a finished delivery can be resent (a new round), a pending one
// or one of a disabled webhook cannot; a stale round's attempt is logged
// but changes nothing.
func TestWebhookDeliveryLog(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		ctx := t.Context()
		rec := whRecord(s)
		w := whCreate(t, s, fx.hub)
		fx.book(t, fx.create(t).ID, fx.residents[0], true)
		d := whDeliveries(t, s, w.ID)[0]

		send, err := s.FindWebhookSend(ctx, d.ID)
		if err != nil || send.URL != whURL || send.Secret != w.Secret || !send.Active || string(send.Payload) != d.Payload ||
			send.EventType != culture.EventBookingConfirmed || send.EventID != d.EventID || send.Status != culture.WebhookPending {
			t.Fatalf("send = %+v, %v", send, err)
		}
		attempt := func(resend, code int, msg, status string) {
			t.Helper()
			a := &culture.WebhookAttempt{DeliveryID: d.ID, Resend: resend, StatusCode: code, Error: msg, Duration: 1500 * time.Millisecond}
			if err := s.RecordWebhookAttempt(ctx, a, status); err != nil {
				t.Fatal(err)
			}
		}
		type state struct {
			Status             string
			Attempts, Resends  int
			LastCode           int
			LastError          string
			Delivered, LogSize int
		}
		check := func(want state) {
			t.Helper()
			got, err := s.FindWebhookDeliveryByID(ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			delivered := 0
			if got.DeliveredAt != nil {
				delivered = 1
			}
			if diff := cmp.Diff(want, state{got.Status, got.Attempts, got.Resends, got.LastStatusCode, got.LastError, delivered, len(got.Log)}); diff != "" {
				t.Errorf("delivery (-want +got):\n%s", diff)
			}
		}
		attempt(0, 500, "接收方返回 HTTP 500", culture.WebhookPending)
		attempt(0, 0, "请求超时（10 秒内没有响应）", culture.WebhookPending)
		check(state{"pending", 2, 0, 0, "请求超时（10 秒内没有响应）", 0, 2})
		_, err = s.ResendWebhookDelivery(ctx, d.ID)
		checkRefusal(t, err, culture.ECONFLICT, "该投递正在进行中，无需重发。")
		attempt(0, 204, "", culture.WebhookDelivered)
		check(state{"delivered", 3, 0, 204, "", 1, 3})

		got, err := s.ResendWebhookDelivery(ctx, d.ID)
		if err != nil || got.Status != culture.WebhookPending || got.Resends != 1 {
			t.Fatalf("resend = %+v, %v", got, err)
		}
		if q := rec.queued(); len(q) != 2 || q[1] != (sqlstore.WebhookJob{DeliveryID: d.ID, Resend: 1}) {
			t.Errorf("queued %v", q)
		}
		attempt(0, 500, "late", culture.WebhookFailed) // the first round's straggler
		check(state{"pending", 3, 1, 204, "", 1, 4})
		attempt(1, 503, "接收方返回 HTTP 503", culture.WebhookFailed)
		check(state{"failed", 4, 1, 503, "接收方返回 HTTP 503", 1, 5})

		full, err := s.FindWebhookDeliveryByID(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		var codes []int
		for _, a := range full.Log {
			codes = append(codes, a.Resend*1000+a.StatusCode)
		}
		if !cmp.Equal(codes, []int{500, 0, 204, 500, 1503}) || full.Log[0].Duration != 1500*time.Millisecond || !full.Log[0].At.Equal(activityTestNow) {
			t.Errorf("log = %v, first %+v", codes, full.Log[0])
		}

		if _, err := s.UpdateWebhook(ctx, w.ID, culture.WebhookUpdate{Active: mfxPtr(false)}, 0); err != nil {
			t.Fatal(err)
		}
		_, err = s.ResendWebhookDelivery(ctx, d.ID)
		checkRefusal(t, err, culture.EINVALID, "Webhook 已停用，请先启用再重发。")
		_, err = s.ResendWebhookDelivery(ctx, 99999)
		checkRefusal(t, err, culture.ENOTFOUND, "投递记录不存在。")
		checkRefusal(t, s.RecordWebhookAttempt(ctx, &culture.WebhookAttempt{DeliveryID: 99999}, culture.WebhookFailed),
			culture.ENOTFOUND, "投递记录不存在。")
		checkRefusal(t, s.RecordWebhookAttempt(ctx, &culture.WebhookAttempt{DeliveryID: d.ID}, "lost"),
			culture.EINVALID, "投递状态应为 pending、delivered 或 failed。")

		if err := s.DeleteWebhook(ctx, w.ID, 0); err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"webhooks", "webhook_deliveries", "webhook_attempts"} {
			if n := mfxCount(t, s, table); n != 0 {
				t.Errorf("%d %s left after the delete", n, table)
			}
		}
		if _, err := s.FindWebhookSend(ctx, d.ID); culture.ErrorCode(err) != culture.ENOTFOUND {
			t.Errorf("send of a deleted delivery: %v", err)
		}
		checkRefusal(t, s.DeleteWebhook(ctx, w.ID, 0), culture.ENOTFOUND, "Webhook 不存在。")
	})
}

func TestFindWebhookDeliveries(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		ctx := t.Context()
		w := whCreate(t, s, fx.hub)
		a := fx.create(t)
		for _, r := range fixAccounts(t, s, 3) {
			fx.book(t, a.ID, r, true)
		}
		all := whDeliveries(t, s, w.ID)
		if err := s.RecordWebhookAttempt(ctx, &culture.WebhookAttempt{DeliveryID: all[1].ID, StatusCode: 200}, culture.WebhookDelivered); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name  string
			f     culture.WebhookDeliveryFilter
			want  []int64
			total int
		}{
			{"All", culture.WebhookDeliveryFilter{WebhookID: w.ID}, []int64{all[2].ID, all[1].ID, all[0].ID}, 3},
			{"Page", culture.WebhookDeliveryFilter{WebhookID: w.ID, Limit: 2, Offset: 2}, []int64{all[0].ID}, 3},
			{"PastEnd", culture.WebhookDeliveryFilter{WebhookID: w.ID, Limit: 2, Offset: 4}, []int64{}, 3},
			{"Delivered", culture.WebhookDeliveryFilter{WebhookID: w.ID, Status: culture.WebhookDelivered}, []int64{all[1].ID}, 1},
			{"Pending", culture.WebhookDeliveryFilter{WebhookID: w.ID, Status: culture.WebhookPending}, []int64{all[2].ID, all[0].ID}, 2},
			{"OtherWebhook", culture.WebhookDeliveryFilter{WebhookID: w.ID + 1}, []int64{}, 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ds, total, err := s.FindWebhookDeliveries(ctx, tc.f)
				if err != nil {
					t.Fatal(err)
				}
				got := []int64{}
				for _, d := range ds {
					got = append(got, d.ID)
				}
				if !cmp.Equal(got, tc.want) || total != tc.total {
					t.Errorf("got %v of %d, want %v of %d", got, total, tc.want, tc.total)
				}
			})
		}
		_, _, err := s.FindWebhookDeliveries(ctx, culture.WebhookDeliveryFilter{WebhookID: w.ID, Status: "lost"})
		checkRefusal(t, err, culture.EINVALID, "投递状态应为 pending、delivered 或 failed。")
	})
}
