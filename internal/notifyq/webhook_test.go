package notifyq

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

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
		if _, err := s.UpdateWebhook(t.Context(), w.hook.ID, culture.WebhookUpdate{Active: &off}, 0); err != nil {
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

// webhookJob is the river job of attempt attempt (of max) of delivery id.
func webhookJob(id int64, resend, attempt, max int) *river.Job[WebhookArgs] {
	return &river.Job[WebhookArgs]{JobRow: &rivertype.JobRow{Attempt: attempt, MaxAttempts: max},
		Args: WebhookArgs{DeliveryID: id, Resend: resend}}
}

// shutdownSender posts for real, then cancels the job's context, as a
// shutdown that comes while the answer is on its way back.
type shutdownSender struct {
	*webhook.Sender
	cancel context.CancelFunc
}

func (s shutdownSender) Send(ctx context.Context, m webhook.Message) webhook.Result {
	res := s.Sender.Send(ctx, m)
	s.cancel()
	return res
}

// TestWebhookRecordsAfterShutdown: a request that reached the receiver is
// recorded though the job's context was cancelled meanwhile (a shutdown):
// the delivery is delivered, with its attempt in the log.
func TestWebhookRecordsAfterShutdown(t *testing.T) {
	forEachEngine(t, func(t *testing.T, dsn string) {
		s := openStore(t, dsn)
		w := newHookWorld(t, s)
		_, d := w.book(t)
		ctx, cancel := context.WithCancel(t.Context())
		worker := &webhookWorker{store: s, log: slog.New(slog.DiscardHandler),
			sender: shutdownSender{webhook.NewSender(webhook.NewGuard(true), 2*time.Second), cancel}}
		if err := worker.Work(ctx, webhookJob(d.ID, 0, 1, 5)); err != nil {
			t.Errorf("Work = %v", err)
		}
		got, err := s.FindWebhookDeliveryByID(t.Context(), d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(w.rx.Requests()); n != 1 || got.Status != culture.WebhookDelivered || len(got.Log) != 1 {
			t.Errorf("receiver got %d requests; delivery %s with %d attempts logged; want delivered, 1 logged", n, got.Status, len(got.Log))
		}
	})
}

// unreadableStore fails every read of a delivery, as a database that
// does not answer.
type unreadableStore struct{ webhookStore }

func (unreadableStore) FindWebhookSend(context.Context, int64) (*culture.WebhookSend, error) {
	return nil, errors.New("database is locked")
}

// TestWebhookLastAttemptUnreadable: a delivery that cannot be read is
// retried; at the last attempt it fails all the same, logged, so that it
// can be resent rather than stay pending for ever.
func TestWebhookLastAttemptUnreadable(t *testing.T) {
	forEachEngine(t, func(t *testing.T, dsn string) {
		s := openStore(t, dsn)
		w := newHookWorld(t, s)
		_, d := w.book(t)
		worker := &webhookWorker{store: unreadableStore{s}, sender: webhook.NewSender(webhook.NewGuard(true), time.Second),
			log: slog.New(slog.DiscardHandler)}
		check := func(status string, logged int) {
			t.Helper()
			got, err := s.FindWebhookDeliveryByID(t.Context(), d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != status || len(got.Log) != logged {
				t.Fatalf("delivery %s with %d attempts logged, want %s with %d", got.Status, len(got.Log), status, logged)
			}
		}
		if err := worker.Work(t.Context(), webhookJob(d.ID, 0, 2, 3)); err == nil {
			t.Error("an unreadable delivery's job succeeded")
		}
		check(culture.WebhookPending, 0)
		var cancelled *river.JobCancelError
		if err := worker.Work(t.Context(), webhookJob(d.ID, 0, 3, 3)); !errors.As(err, &cancelled) {
			t.Errorf("last attempt: Work = %v, want the job cancelled", err)
		}
		check(culture.WebhookFailed, 1)
		if got, _ := s.FindWebhookDeliveryByID(t.Context(), d.ID); !strings.Contains(got.Log[0].Error, "手动重发") {
			t.Errorf("logged %q", got.Log[0].Error)
		}
		if _, err := s.ResendWebhookDelivery(t.Context(), d.ID); err != nil {
			t.Errorf("resend of the failed delivery: %v", err)
		}
		if n := len(w.rx.Requests()); n != 0 {
			t.Errorf("receiver got %d requests", n)
		}
	})
}

// riverJobs counts the webhook jobs of delivery id in river's table.
func riverJobs(t *testing.T, s *sqlstore.Store, dsn string, id int64) int {
	t.Helper()
	db := s.DB()
	if s.Engine() == "sqlite" {
		own, err := openSQLite(dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer own.Close()
		db = own
	}
	text := "CAST(args AS TEXT)"
	if s.Engine() == "sqlite" {
		text = "json(args)" // riversqlite stores JSONB
	}
	rows, err := db.QueryContext(t.Context(), `SELECT `+text+` FROM river_job WHERE kind = 'webhook_delivery'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var raw string
		var args WebhookArgs
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(raw), &args); err != nil {
			t.Fatalf("args %q: %v", raw, err)
		}
		if args.DeliveryID == id {
			n++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestWebhookRequeuesLostDelivery: a delivery made while no queue was
// set stays pending; once its StaleAfter has passed (the store's clock is
// moved) the sweep queues it and it is delivered. A delivery whose job is
// alive, waiting an hour for its retry, is swept too, but the queue skips
// the second job.
func TestWebhookRequeuesLostDelivery(t *testing.T) {
	forEachEngine(t, func(t *testing.T, dsn string) {
		s := openStore(t, dsn)
		w := newHookWorld(t, s)
		_, lost := w.book(t)
		q, err := newQueue(t.Context(), s, s, notify.Channels{}, Options{
			DSN: dsn, PollInterval: 20 * time.Millisecond, WebhookRetryDelay: func(int) time.Duration { return time.Hour },
			Webhooks: webhook.NewSender(webhook.NewGuard(true), 2*time.Second), WebhookAttempts: 3,
		})
		if err != nil {
			t.Fatal(err)
		}
		s.SetWebhookHook(q.WebhookHook())
		startWebhookQueue(t, q)
		w.rx.FailNext(1)
		r2, err := s.FindOrCreateResident(t.Context(), "13800000002")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateBooking(t.Context(), &culture.BookingRequest{ActivityID: w.activity.ID, AccountID: r2.ID, Self: true}); err != nil {
			t.Fatal(err)
		}
		ds, _, err := s.FindWebhookDeliveries(t.Context(), culture.WebhookDeliveryFilter{WebhookID: w.hook.ID})
		if err != nil || len(ds) != 2 {
			t.Fatalf("deliveries %v, %v", ds, err)
		}
		alive := ds[0]
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if d, _ := s.FindWebhookDeliveryByID(t.Context(), alive.ID); d.Attempts == 1 {
				break // failed once; its retry is an hour away
			}
			if time.Now().After(deadline) {
				t.Fatal("the first attempt never came")
			}
		}
		if d, _ := s.FindWebhookDeliveryByID(t.Context(), lost.ID); d.Status != culture.WebhookPending || d.Attempts != 0 {
			t.Fatalf("the delivery made without a queue: %+v", d)
		}

		stale := q.WebhookHook().StaleAfter()
		s.Now = func() time.Time { return time.Now().Add(stale + time.Minute) }
		n, err := s.RequeueStaleWebhookDeliveries(t.Context())
		if err != nil || n != 2 {
			t.Fatalf("requeued %d, %v; want both", n, err)
		}
		if d := waitDelivery(t, s, lost.ID); d.Status != culture.WebhookDelivered || d.Attempts != 1 {
			t.Errorf("the lost delivery after the sweep: %+v", d)
		}
		if n := riverJobs(t, s, dsn, alive.ID); n != 1 {
			t.Errorf("%d jobs of the delivery whose job was alive, want 1", n)
		}
		if d, _ := s.FindWebhookDeliveryByID(t.Context(), alive.ID); d.Status != culture.WebhookPending || d.Attempts != 1 {
			t.Errorf("the delivery whose job waits: %+v", d)
		}
	})
}

// TestWebhookStaleAfter: the stale threshold outlasts the whole retry
// schedule — every wait river's own policy can choose (sampled here,
// jitter and all), every attempt's timeout, and the hour and a minute
// river takes to rescue the job of a crashed process — for the default
// and the largest --webhook-attempts, and with a fixed delay.
func TestWebhookStaleAfter(t *testing.T) {
	policy := &river.DefaultClientRetryPolicy{}
	longestWait := func(errors int) time.Duration {
		var most time.Duration
		for range 200 {
			start := time.Now()
			if d := policy.NextRetry(&rivertype.JobRow{Errors: make([]rivertype.AttemptError, errors)}).Sub(start); d > most {
				most = d
			}
		}
		return most
	}
	for _, attempts := range []int{1, 2, 10, 25} {
		schedule := time.Hour + time.Minute + time.Duration(attempts)*time.Minute
		for k := 1; k < attempts; k++ {
			schedule += longestWait(k - 1)
		}
		if got := WebhookStaleAfter(attempts, nil); got < schedule {
			t.Errorf("WebhookStaleAfter(%d, backoff) = %s, shorter than the schedule %s", attempts, got, schedule)
		}
	}
	if got := WebhookStaleAfter(10, nil); got > 8*time.Hour {
		t.Errorf("WebhookStaleAfter(10, backoff) = %s: a lost delivery waits far past its schedule", got)
	}
	fixed := func(int) time.Duration { return 30 * time.Second }
	if got, want := WebhookStaleAfter(10, fixed), 9*30*time.Second+10*time.Minute+time.Hour+time.Minute; got < want {
		t.Errorf("WebhookStaleAfter(10, 30s) = %s, want at least %s", got, want)
	}
}

// TestWebhookLogHidesToken: the warning of a delivery that failed names
// the receiver by scheme and host, not by its URL with the access token.
func TestWebhookLogHidesToken(t *testing.T) {
	forEachEngine(t, func(t *testing.T, dsn string) {
		s := openStore(t, dsn)
		w := newHookWorld(t, s)
		secretURL := w.rx.URL + "?access_token=SECRET-TOKEN"
		if _, err := s.UpdateWebhook(t.Context(), w.hook.ID, culture.WebhookUpdate{URL: &secretURL}, 0); err != nil {
			t.Fatal(err)
		}
		var buf syncBuffer
		q, err := newQueue(t.Context(), s, s, notify.Channels{}, Options{
			DSN: dsn, PollInterval: 20 * time.Millisecond, Logger: slog.New(slog.NewJSONHandler(&buf, nil)),
			Webhooks: webhook.NewSender(webhook.NewGuard(true), 2*time.Second), WebhookAttempts: 1,
		})
		if err != nil {
			t.Fatal(err)
		}
		s.SetWebhookHook(q.WebhookHook())
		startWebhookQueue(t, q)
		w.rx.FailNext(1)
		_, d := w.book(t)
		if d = waitDelivery(t, s, d.ID); d.Status != culture.WebhookFailed {
			t.Fatalf("delivery = %+v", d)
		}
		origin := strings.TrimSuffix(w.rx.URL, "/hook")
		for deadline := time.Now().Add(10 * time.Second); !strings.Contains(buf.String(), "webhook not delivered"); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no warning logged:\n%s", buf.String())
			}
		}
		if log := buf.String(); strings.Contains(log, "SECRET") || !strings.Contains(log, `"receiver":"`+origin+`"`) {
			t.Errorf("log shows the token, or not the receiver %s:\n%s", origin, log)
		}
	})
}

// syncBuffer is a bytes.Buffer safe for the logging goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
