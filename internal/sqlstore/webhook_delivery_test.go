package sqlstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// TestWebhookResendRace: manual resends of one failed delivery, sent at
// once, make one new round: one succeeds, the others are told the
// delivery is in progress, and one job is queued. Twenty rounds, so that
// a race has its chance.
func TestWebhookResendRace(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		ctx := t.Context()
		rec := whRecord(s)
		w := whCreate(t, s, fx.hub)
		fx.book(t, fx.create(t).ID, fx.residents[0], true)
		d := whDeliveries(t, s, w.ID)[0]
		const racers = 6
		for round := range 20 {
			a := &culture.WebhookAttempt{DeliveryID: d.ID, Resend: round, StatusCode: 500, Error: "接收方返回 HTTP 500"}
			if err := s.RecordWebhookAttempt(ctx, a, culture.WebhookFailed); err != nil {
				t.Fatal(err)
			}
			rec.reset()
			var wg sync.WaitGroup
			var mu sync.Mutex
			start := make(chan struct{})
			won, busy := 0, 0
			for range racers {
				wg.Go(func() {
					<-start
					_, err := s.ResendWebhookDelivery(ctx, d.ID)
					mu.Lock()
					defer mu.Unlock()
					switch culture.ErrorCode(err) {
					case "":
						won++
					case culture.ECONFLICT:
						busy++
					default:
						t.Errorf("resend: %v", err)
					}
				})
			}
			close(start)
			wg.Wait()
			got, err := s.FindWebhookDeliveryByID(ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if won != 1 || busy != racers-1 || got.Resends != round+1 || len(rec.queued()) != 1 {
				t.Fatalf("round %d: %d resends succeeded, %d busy; resends = %d, jobs %v; want one new round",
					round, won, busy, got.Resends, rec.queued())
			}
		}
	})
}

// staleHook is a webhook hook with a stale threshold of an hour that
// records the jobs.
type staleHook struct {
	mu   sync.Mutex
	jobs []sqlstore.WebhookJob
}

func (h *staleHook) QueueWebhooks(_ context.Context, _ *sql.Tx, jobs []sqlstore.WebhookJob) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.jobs = append(h.jobs, jobs...)
	return nil
}

func (h *staleHook) StaleAfter() time.Duration { return time.Hour }

func (h *staleHook) take() []sqlstore.WebhookJob {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.jobs
	h.jobs = nil
	return out
}

// TestRequeueStaleWebhookDeliveries: a delivery made while no hook was
// set, and one whose job went quiet, are queued again once nothing has
// been recorded of them for the hook's StaleAfter, in their current round;
// a delivered one, a recent one and one just queued again are not.
func TestRequeueStaleWebhookDeliveries(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		ctx := t.Context()
		w := whCreate(t, s, fx.hub)
		a := fx.create(t)
		fx.book(t, a.ID, fx.residents[0], true) // no hook: never queued
		requeue := func(at time.Duration, want ...sqlstore.WebhookJob) {
			t.Helper()
			fx.setNow(activityTestNow.Add(at))
			n, err := s.RequeueStaleWebhookDeliveries(ctx)
			if err != nil || n != len(want) {
				t.Fatalf("at +%s: requeued %d, %v; want %d", at, n, err, len(want))
			}
		}
		requeue(7 * time.Hour) // without a hook nothing is queued
		fx.setNow(activityTestNow)
		hook := &staleHook{}
		s.SetWebhookHook(hook)
		fx.book(t, a.ID, fx.residents[1], true)
		fx.book(t, a.ID, fx.residents[2], true)
		ds := whDeliveries(t, s, w.ID)
		lost, quiet, done := ds[0], ds[1], ds[2]
		if err := s.RecordWebhookAttempt(ctx, &culture.WebhookAttempt{DeliveryID: done.ID, StatusCode: 204}, culture.WebhookDelivered); err != nil {
			t.Fatal(err)
		}
		fx.setNow(activityTestNow.Add(30 * time.Minute))
		if err := s.RecordWebhookAttempt(ctx, &culture.WebhookAttempt{DeliveryID: quiet.ID, StatusCode: 500, Error: "x"}, culture.WebhookPending); err != nil {
			t.Fatal(err)
		}
		hook.take()

		requeue(59 * time.Minute)
		requeue(61*time.Minute, sqlstore.WebhookJob{DeliveryID: lost.ID})
		if got := hook.take(); !cmp.Equal(got, []sqlstore.WebhookJob{{DeliveryID: lost.ID}}) {
			t.Errorf("queued %v", got)
		}
		requeue(62 * time.Minute) // just queued again: it waits an hour more
		requeue(91*time.Minute, sqlstore.WebhookJob{DeliveryID: quiet.ID})
		if got := hook.take(); !cmp.Equal(got, []sqlstore.WebhookJob{{DeliveryID: quiet.ID}}) {
			t.Errorf("queued %v", got)
		}

		// A resend's round is queued again as that round.
		if _, err := s.ResendWebhookDelivery(ctx, done.ID); err != nil {
			t.Fatal(err)
		}
		hook.take()
		want := []sqlstore.WebhookJob{{DeliveryID: lost.ID}, {DeliveryID: quiet.ID}, {DeliveryID: done.ID, Resend: 1}}
		requeue(152*time.Minute, want...)
		got := hook.take()
		slices.SortFunc(got, func(a, b sqlstore.WebhookJob) int { return int(a.DeliveryID - b.DeliveryID) })
		if !cmp.Equal(got, want) {
			t.Errorf("queued %v, want %v", got, want)
		}
	})
}

// TestResendStaleWebhookDelivery: a pending delivery cannot be resent
// while its job may be at work, but can once nothing has been recorded of
// it for the hook's StaleAfter.
func TestResendStaleWebhookDelivery(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		ctx := t.Context()
		hook := &staleHook{}
		s.SetWebhookHook(hook)
		w := whCreate(t, s, fx.hub)
		fx.book(t, fx.create(t).ID, fx.residents[0], true)
		d := whDeliveries(t, s, w.ID)[0]
		hook.take()
		fx.setNow(activityTestNow.Add(59 * time.Minute))
		_, err := s.ResendWebhookDelivery(ctx, d.ID)
		checkRefusal(t, err, culture.ECONFLICT, "该投递正在进行中，无需重发。")
		fx.setNow(activityTestNow.Add(61 * time.Minute))
		got, err := s.ResendWebhookDelivery(ctx, d.ID)
		if err != nil || got.Status != culture.WebhookPending || got.Resends != 1 {
			t.Fatalf("resend of a stale delivery = %+v, %v", got, err)
		}
		if q := hook.take(); !cmp.Equal(q, []sqlstore.WebhookJob{{DeliveryID: d.ID, Resend: 1}}) {
			t.Errorf("queued %v", q)
		}
	})
}

// TestWebhookAttemptAfterTheEnd: an attempt recorded for a delivery that
// its round already finished (a job run again after a crash, a last
// attempt that could not read it) is logged, but the outcome stands.
func TestWebhookAttemptAfterTheEnd(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		ctx := t.Context()
		w := whCreate(t, s, fx.hub)
		fx.book(t, fx.create(t).ID, fx.residents[0], true)
		d := whDeliveries(t, s, w.ID)[0]
		for _, st := range []string{culture.WebhookDelivered, culture.WebhookFailed} {
			code := map[string]int{culture.WebhookDelivered: 204, culture.WebhookFailed: 0}[st]
			if err := s.RecordWebhookAttempt(ctx, &culture.WebhookAttempt{DeliveryID: d.ID, StatusCode: code}, st); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.FindWebhookDeliveryByID(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != culture.WebhookDelivered || got.Attempts != 1 || got.LastStatusCode != 204 || len(got.Log) != 2 {
			t.Errorf("delivery = %+v with %d attempts logged; want delivered after 1, 2 logged", got, len(got.Log))
		}
	})
}

// TestWebhookOrphanDeliveryCancelled: a published delivery whose activity
// was cancelled directly is cancelled by the deliveries-held job, and the
// webhooks of its unit hear of it like of any other status.
func TestWebhookOrphanDeliveryCancelled(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := dfxFixtures(t, s)
		ctx := t.Context()
		whRecord(s)
		hub := whCreate(t, s, fx.hub.ID, culture.EventDeliveryUpdated)
		d, a := fx.live(t)
		if err := s.CancelActivity(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.MarkDeliveriesHeld(ctx); err != nil {
			t.Fatal(err)
		}
		if got, err := s.FindDeliveryByID(ctx, d.ID); err != nil || got.Status != culture.DeliveryCancelled {
			t.Fatalf("delivery = %+v, %v; want cancelled", got, err)
		}
		want := []string{fmt.Sprintf("delivery.updated delivery:%d:planned", d.ID),
			fmt.Sprintf("delivery.updated delivery:%d:published", d.ID), fmt.Sprintf("delivery.updated delivery:%d:cancelled", d.ID)}
		if diff := cmp.Diff(want, whKeys(t, s, hub.ID)); diff != "" {
			t.Fatalf("deliveries (-want +got):\n%s", diff)
		}
		if p := whDecode(t, whDeliveries(t, s, hub.ID)[2]); p.Data.Delivery == nil || p.Data.Delivery.Status != "cancelled" {
			t.Errorf("payload = %+v", p.Data.Delivery)
		}
		if _, err := s.MarkDeliveriesHeld(ctx); err != nil { // again: nothing new
			t.Fatal(err)
		}
		if n := len(whKeys(t, s, hub.ID)); n != 3 {
			t.Errorf("%d deliveries after a second run, want 3", n)
		}
	})
}

// TestWebhookActivityCancelQueuesOnce: cancelling an activity announces
// each of its bookings to each webhook, with the booking and the
// cancelled activity in the payload, and queues them all in one call.
func TestWebhookActivityCancelQueuesOnce(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		ctx := t.Context()
		rec := whRecord(s)
		hub := whCreate(t, s, fx.hub, culture.EventBookingCancelled)
		branch := whCreate(t, s, fx.branch)
		checkins := whCreate(t, s, fx.hub, culture.EventBookingCheckedIn)
		a := fx.create(t)
		accounts := fixAccounts(t, s, 6)
		booked := map[int64]int64{} // booking → account
		for _, acc := range accounts {
			booked[fx.book(t, a.ID, acc, true).ID] = acc
		}
		rec.reset()
		if err := s.CancelActivity(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if n, jobs := rec.callCount(), len(rec.queued()); n != 1 || jobs != 2*len(accounts) {
			t.Errorf("%d calls queued %d jobs; want 1 call with %d", n, jobs, 2*len(accounts))
		}
		for _, w := range []*culture.Webhook{hub, branch} {
			ds := whDeliveries(t, s, w.ID)
			var cancelled []*culture.WebhookDelivery
			for _, d := range ds {
				if d.EventType == culture.EventBookingCancelled {
					cancelled = append(cancelled, d)
				}
			}
			if len(cancelled) != len(accounts) {
				t.Fatalf("webhook %d: %d cancellations, want %d", w.ID, len(cancelled), len(accounts))
			}
			for _, d := range cancelled {
				p := whDecode(t, d)
				var act struct {
					Data struct{ Activity struct{ Status string } }
				}
				if err := json.Unmarshal([]byte(d.Payload), &act); err != nil {
					t.Fatal(err)
				}
				b := p.Data.Booking
				if b == nil || d.EventID != fmt.Sprintf("booking:%d:cancelled", b.ID) || b.Status != "cancelled" ||
					b.AccountID != booked[b.ID] || b.Seats != 1 || p.Data.Activity == nil || p.Data.Activity.ID != a.ID ||
					p.Data.Activity.UnitName != "解放分馆" || act.Data.Activity.Status != culture.ActivityCancelled {
					t.Errorf("payload = %s", d.Payload)
				}
			}
		}
		if got := whKeys(t, s, checkins.ID); len(got) != 0 {
			t.Errorf("the check-in webhook got %v", got)
		}
	})
}
