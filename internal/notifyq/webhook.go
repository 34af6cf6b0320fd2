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

// Work makes one attempt. A delivery no longer pending in this round (done,
// or taken over by a manual resend) is left alone; one whose webhook was
// disabled fails without a request.
func (w *webhookWorker) Work(ctx context.Context, job *river.Job[WebhookArgs]) error {
	s, err := w.store.FindWebhookSend(ctx, job.Args.DeliveryID)
	if culture.ErrorCode(err) == culture.ENOTFOUND {
		return river.JobCancel(err) // deleted with its webhook
	} else if err != nil {
		return err
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
	if err := w.store.RecordWebhookAttempt(ctx, a, status); err != nil {
		return fmt.Errorf("record webhook attempt of delivery %d: %w", s.DeliveryID, err)
	}
	switch {
	case res.Err == nil:
		return nil
	case status == culture.WebhookFailed:
		w.log.WarnContext(ctx, "webhook not delivered", "delivery_id", s.DeliveryID, "url", s.URL, "err", res.Err)
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
func (w *webhookWorker) Timeout(*river.Job[WebhookArgs]) time.Duration { return time.Minute }

// WebhookHook returns the store's webhook hook: it inserts one job per
// delivery with the store's own transaction, so the jobs commit with the
// event. Nil when the queue delivers no webhooks.
func (q *Queue) WebhookHook() sqlstore.WebhookHook {
	if q.ww == nil {
		return nil
	}
	return func(ctx context.Context, tx *sql.Tx, jobs []sqlstore.WebhookJob) error {
		params := make([]river.InsertManyParams, len(jobs))
		for i, j := range jobs {
			params[i] = river.InsertManyParams{Args: WebhookArgs{DeliveryID: j.DeliveryID, Resend: j.Resend},
				InsertOpts: &river.InsertOpts{MaxAttempts: q.webhookAttempts}}
		}
		if _, err := q.client.InsertManyTx(ctx, tx, params); err != nil {
			return fmt.Errorf("queue webhook deliveries: %w", err)
		}
		return nil
	}
}
