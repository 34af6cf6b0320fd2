package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/wenyun/wenyun/internal/jobs"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// jobTasks lists every periodic background task of serve. Each claims its
// work in the database with conditional UPDATEs, so every process runs the
// same list safely. Add new tasks here.
func jobTasks(store *sqlstore.Store, log *slog.Logger) []jobs.Task {
	return []jobs.Task{
		{Name: "lottery-draw", Every: 5 * time.Second, Run: func(ctx context.Context) error {
			n, err := store.DrawDueLotteries(ctx)
			if n > 0 {
				log.Info("lotteries drawn", "count", n)
			}
			return err
		}},
		countTask(log, "offer-expiry", 30*time.Second, "waiting-list offers expired", store.ExpireOffers),
		countTask(log, "reserve-release", 30*time.Second, "reserved seats released", store.ReleaseReserves),
		countTask(log, "attendance-settle", time.Minute, "no-shows marked", store.SettleAttendance),
		countTask(log, "deliveries-held", time.Minute, "deliveries marked held", store.MarkDeliveriesHeld),
		// Reminders are keyed by booking, so every process may run this;
		// the store queues their sends in the same transaction.
		countTask(log, "reminders", time.Minute, "reminders stored", store.CreateDueReminders),
		// Webhook deliveries whose job was lost (an error while recording
		// the outcome, a crash past the last attempt, no queue when they
		// were made) are queued again once pending longer than the
		// queue's whole retry schedule (notifyq.WebhookStaleAfter: about
		// 6 h with the default --webhook-attempts). The queue skips a job
		// still alive, so every process may run this.
		countTask(log, "webhook-requeue", 10*time.Minute, "stale webhook deliveries queued again", store.RequeueStaleWebhookDeliveries),
		// Rollups are recounted from a read snapshot and only changed
		// rows are written, in a short transaction guarded by
		// stat_rebuild's row: every process may run it.
		{Name: "rollups", Every: 5 * time.Minute, Run: func(ctx context.Context) error {
			_, err := store.RebuildRollups(ctx, nil)
			return err
		}},
	}
}

// countTask is a task whose run returns how much it did, logged when > 0.
func countTask(log *slog.Logger, name string, every time.Duration, what string, run func(context.Context) (int, error)) jobs.Task {
	return jobs.Task{Name: name, Every: every, Run: func(ctx context.Context) error {
		n, err := run(ctx)
		if n > 0 {
			log.Info(what, "count", n)
		}
		return err
	}}
}

// runJobs returns a serve job that runs tasks until ctx is cancelled, then
// lets the runs in progress finish (up to timeout) before returning, so
// the store is closed only after them.
func runJobs(tasks []jobs.Task, log *slog.Logger, timeout time.Duration) func(context.Context) {
	return func(ctx context.Context) {
		r := &jobs.Runner{Logger: log}
		r.Start(context.WithoutCancel(ctx), tasks...)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if err := r.Shutdown(sctx); err != nil {
			log.Warn("background jobs cut off at shutdown", "err", err)
		}
	}
}
