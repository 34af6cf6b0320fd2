package notifyq

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/notify"
)

// queueName is the river queue of notification sends.
const queueName = "notify"

// SendArgs is the river job that delivers one notification send.
type SendArgs struct {
	SendID int64 `json:"send_id"`
}

// Kind names the job in river_job.
func (SendArgs) Kind() string { return "notify_send" }

// InsertOpts queue a send once: a second insert for the same send, while
// the first job is queued, running or completed, is skipped.
func (SendArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueName, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// sendStore is the part of the store the worker needs; tests wrap it to
// make a step fail.
type sendStore interface {
	FindSend(ctx context.Context, id int64) (*culture.NotificationSend, error)
	MarkSend(ctx context.Context, id int64, state, lastError string) error
}

// sendWorker delivers a send on its channel and records the outcome.
type sendWorker struct {
	river.WorkerDefaults[SendArgs]
	sends    sendStore
	channels notify.Channels
	baseURL  string
	log      *slog.Logger
	// retryDelay, when set, replaces river's backoff (attempt⁴ seconds).
	retryDelay func(attempt int) time.Duration
}

// Work sends once per attempt. A send already sent (or given up) is left
// alone, so a job that runs again after a crash between sending and
// marking it sent does not send a third time; the gateway dedupes the
// second by the key.
func (w *sendWorker) Work(ctx context.Context, job *river.Job[SendArgs]) error {
	s, err := w.sends.FindSend(ctx, job.Args.SendID)
	if culture.ErrorCode(err) == culture.ENOTFOUND {
		return river.JobCancel(err) // the notification was deleted with its account
	} else if err != nil {
		return err
	}
	if s.State != culture.SendPending {
		return nil
	}
	err = w.channels.Send(ctx, s.Channel, message(s, w.baseURL))
	return w.record(ctx, job, s, err)
}

// record marks the send after an attempt and tells river what to do next.
func (w *sendWorker) record(ctx context.Context, job *river.Job[SendArgs], s *culture.NotificationSend, sendErr error) error {
	switch {
	case sendErr == nil:
		return w.sends.MarkSend(ctx, s.ID, culture.SendSent, "")
	case notify.IsPermanent(sendErr):
		return w.giveUp(ctx, s, sendErr, river.JobCancel(sendErr))
	case job.Attempt >= job.MaxAttempts:
		return w.giveUp(ctx, s, sendErr, sendErr) // river discards the job
	}
	if err := w.sends.MarkSend(ctx, s.ID, culture.SendPending, sendErr.Error()); err != nil {
		w.log.WarnContext(ctx, "notification send: recording the error", "send_id", s.ID, "err", err)
	}
	return sendErr
}

// giveUp marks the send failed and returns ret. When marking fails the
// job is retried instead, so the send does not stay pending for ever.
func (w *sendWorker) giveUp(ctx context.Context, s *culture.NotificationSend, sendErr, ret error) error {
	if err := w.sends.MarkSend(ctx, s.ID, culture.SendFailed, sendErr.Error()); err != nil {
		return fmt.Errorf("mark send %d failed: %w", s.ID, err)
	}
	w.log.WarnContext(ctx, "notification not delivered", "send_id", s.ID, "channel", s.Channel, "err", sendErr)
	return ret
}

// NextRetry spaces retries by retryDelay when set; the zero time keeps
// river's default.
func (w *sendWorker) NextRetry(job *river.Job[SendArgs]) time.Time {
	if w.retryDelay == nil {
		return time.Time{}
	}
	return time.Now().Add(w.retryDelay(job.Attempt))
}

// message builds the driver's message: links absolute under baseURL, and
// a key stable across retries that the gateway dedupes by.
func message(s *culture.NotificationSend, baseURL string) notify.Message {
	m := notify.MessageFromSend(s, baseURL)
	m.Key = sendKey(s)
	return m
}

// sendKey is "wenyun-" and the send's key (its ID when the store gave
// none), so keys never clash with another system's on a shared gateway.
func sendKey(s *culture.NotificationSend) string {
	k := s.Key
	if k == "" {
		k = "send-" + strconv.FormatInt(s.ID, 10)
	}
	if strings.HasPrefix(k, "wenyun-") {
		return k
	}
	return "wenyun-" + k
}
