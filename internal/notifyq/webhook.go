package notifyq

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
	"github.com/wenyun/wenyun/internal/webhook"
)

// webhookQueue is the river queue of webhook deliveries, apart from the
// notification sends so that a slow receiver never holds up an SMS.
const webhookQueue = "webhook"

// WebhookArgs is the river job that delivers one webhook delivery. Resend
// tells the rounds apart: a manual resend is a new job, while a second
// insert for the same round is skipped.
type WebhookArgs struct {
	DeliveryID int64 `json:"delivery_id"`
	Resend     int   `json:"resend"`
}

// Kind names the job in river_job.
func (WebhookArgs) Kind() string { return "webhook_delivery" }

// InsertOpts queue a round once.
func (WebhookArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: webhookQueue, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// WebhookSender makes one attempt of a delivery (*webhook.Sender).
type WebhookSender interface {
	Send(ctx context.Context, m webhook.Message) webhook.Result
}

// webhookStore is the part of the store the worker needs; tests wrap it.
type webhookStore interface {
	FindWebhookSend(ctx context.Context, id int64) (*culture.WebhookSend, error)
	RecordWebhookAttempt(ctx context.Context, a *culture.WebhookAttempt, status string) error
}

// webhookWorker posts a delivery once per attempt and logs the attempt.
type webhookWorker struct {
	river.WorkerDefaults[WebhookArgs]
	store  webhookStore
	sender WebhookSender
	log    *slog.Logger
	// retryDelay, when set, replaces river's backoff (attempt⁴ seconds).
	retryDelay func(attempt int) time.Duration
}

// errWebhookOff is logged for a delivery whose webhook was disabled
// before it went out.
var errWebhookOff = errors.New("该 Webhook 已停用，未发送")

// recordTimeout bounds the recording of an attempt, which goes on after
// the job's context is cancelled (a shutdown): the request may have
// reached the receiver.
const recordTimeout = 10 * time.Second

// Work makes one attempt. A delivery no longer pending in this round (done,
// or taken over by a manual resend) is left alone; one whose webhook was
// disabled fails without a request. When the delivery cannot even be read,
// the job is retried, and at its last attempt the delivery is marked
// failed all the same, so that it can be resent.
func (w *webhookWorker) Work(ctx context.Context, job *river.Job[WebhookArgs]) error {
	s, err := w.store.FindWebhookSend(ctx, job.Args.DeliveryID)
	if culture.ErrorCode(err) == culture.ENOTFOUND {
		return river.JobCancel(err) // deleted with its webhook
	} else if err != nil {
		return w.unread(ctx, job, err)
	}
	if s.Status != culture.WebhookPending || s.Resend != job.Args.Resend {
		return nil
	}
	res := webhook.Result{Err: errWebhookOff, Permanent: true}
	if s.Active {
		res = w.sender.Send(ctx, webhook.Message{URL: s.URL, Secret: s.Secret, Event: s.EventType,
			DeliveryID: s.DeliveryID, Body: s.Payload})
	}
	return w.record(ctx, job, s, res)
}

// errUnread is logged for a delivery its last attempt could not read.
var errUnread = errors.New("系统内部错误：多次未能读取投递记录，已停止重试；可在投递记录中手动重发")

// unread handles a delivery that could not be read: retried, or at the
// last attempt logged as failed.
func (w *webhookWorker) unread(ctx context.Context, job *river.Job[WebhookArgs], readErr error) error {
	err := fmt.Errorf("read webhook delivery %d: %w", job.Args.DeliveryID, readErr)
	if job.Attempt < job.MaxAttempts {
		return err
	}
	a := &culture.WebhookAttempt{DeliveryID: job.Args.DeliveryID, Resend: job.Args.Resend, Error: errUnread.Error()}
	if rerr := w.save(ctx, a, culture.WebhookFailed); rerr != nil {
		return errors.Join(err, rerr) // river discards the job; the store's sweep queues it again
	}
	w.log.WarnContext(ctx, "webhook not delivered", "delivery_id", job.Args.DeliveryID, "err", err)
	return river.JobCancel(err)
}

// save records attempt a with the delivery's new status, even when ctx
// was cancelled meanwhile (a shutdown), within recordTimeout.
func (w *webhookWorker) save(ctx context.Context, a *culture.WebhookAttempt, status string) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := w.store.RecordWebhookAttempt(rctx, a, status); err != nil {
		return fmt.Errorf("record webhook attempt of delivery %d: %w", a.DeliveryID, err)
	}
	return nil
}

// record logs the attempt with the delivery's new status and tells river
// what to do next.
func (w *webhookWorker) record(ctx context.Context, job *river.Job[WebhookArgs], s *culture.WebhookSend, res webhook.Result) error {
	a := &culture.WebhookAttempt{DeliveryID: s.DeliveryID, Resend: s.Resend, StatusCode: res.StatusCode, Duration: res.Duration}
	status := culture.WebhookDelivered
	if res.Err != nil {
		a.Error, status = res.Err.Error(), culture.WebhookPending
		if res.Permanent || job.Attempt >= job.MaxAttempts {
			status = culture.WebhookFailed
		}
	}
	if err := w.save(ctx, a, status); err != nil {
		return err
	}
	switch {
	case res.Err == nil:
		return nil
	case status == culture.WebhookFailed:
		// Only the receiver's scheme and host: the path and query may
		// hold its access token.
		w.log.WarnContext(ctx, "webhook not delivered", "delivery_id", s.DeliveryID,
			"receiver", culture.WebhookOrigin(s.URL), "err", res.Err, "cause", res.Cause)
		return river.JobCancel(res.Err)
	}
	return res.Err
}

// NextRetry spaces retries by retryDelay when set; the zero time keeps
// river's default.
func (w *webhookWorker) NextRetry(job *river.Job[WebhookArgs]) time.Time {
	if w.retryDelay == nil {
		return time.Time{}
	}
	return time.Now().Add(w.retryDelay(job.Attempt))
}

// Timeout bounds a job: one attempt, with the sender's own timeout well
// inside it.
func (w *webhookWorker) Timeout(*river.Job[WebhookArgs]) time.Duration { return webhookJobTimeout }

// WebhookHook returns the store's webhook hook: it inserts one job per
// delivery with the store's own transaction, so the jobs commit with the
// event, and skips a job still alive (the args are unique). Nil when the
// queue delivers no webhooks.
func (q *Queue) WebhookHook() sqlstore.WebhookHook {
	if q.ww == nil {
		return nil
	}
	return webhookHook{q}
}

// webhookHook queues webhook deliveries on q (sqlstore.WebhookHook).
type webhookHook struct{ q *Queue }

// QueueWebhooks inserts the jobs with tx.
func (h webhookHook) QueueWebhooks(ctx context.Context, tx *sql.Tx, jobs []sqlstore.WebhookJob) error {
	params := make([]river.InsertManyParams, len(jobs))
	for i, j := range jobs {
		params[i] = river.InsertManyParams{Args: WebhookArgs{DeliveryID: j.DeliveryID, Resend: j.Resend},
			InsertOpts: &river.InsertOpts{MaxAttempts: h.q.webhookAttempts}}
	}
	if _, err := h.q.client.InsertManyTx(ctx, tx, params); err != nil {
		return fmt.Errorf("queue webhook deliveries: %w", err)
	}
	return nil
}

// StaleAfter is WebhookStaleAfter of the queue's attempts and retry
// delay.
func (h webhookHook) StaleAfter() time.Duration {
	return WebhookStaleAfter(h.q.webhookAttempts, h.q.ww.retryDelay)
}

// Bounds of river's handling of a job that WebhookStaleAfter adds up.
const (
	// webhookJobTimeout bounds one attempt (Timeout, and the client's
	// JobTimeout).
	webhookJobTimeout = time.Minute
	// riverRescueAfter is how long river leaves a job running before its
	// rescuer takes it for lost (a crashed process): its default, an hour
	// past the job timeout.
	riverRescueAfter = webhookJobTimeout + time.Hour
	// riverJitter is the most river's backoff adds to a wait (10%).
	riverJitter = 0.1
)

// WebhookStaleAfter is how long a delivery can wait, after the last thing
// recorded of it, while its job is still alive: a bound on the whole
// retry schedule of attempts attempts — every wait between two attempts
// (retryDelay's, or river's backoff of attempt⁴ seconds plus its jitter),
// every attempt's timeout — plus the time river takes to rescue the job of
// a crashed process. Past it a pending delivery's job is taken for lost
// (sqlstore's RequeueStaleWebhookDeliveries). With the defaults (10
// attempts, backoff) it is about 5 h 52 min; with 25 attempts, 22 days;
// with --webhook-retry-delay 30s and 10 attempts, 1 h 16 min.
func WebhookStaleAfter(attempts int, retryDelay func(attempt int) time.Duration) time.Duration {
	total := riverRescueAfter + time.Duration(attempts)*webhookJobTimeout
	for k := 1; k < attempts; k++ {
		if retryDelay != nil {
			total += retryDelay(k)
		} else {
			total += time.Duration(float64(k*k*k*k) * (1 + riverJitter) * float64(time.Second))
		}
	}
	return total
}
