// Package jobs runs Wenyun's periodic background work. The work itself
// lives in database rows (a lottery to draw, an offer to expire) and every
// task claims it with a conditional UPDATE, so tasks are idempotent and
// several processes may run the same task list at once.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// Task is one periodic job. Run must be idempotent and safe to run in
// several processes at once.
type Task struct {
	Name  string
	Every time.Duration
	Run   func(ctx context.Context) error
}

// firstRunWithin bounds the delay before a task's first run.
const firstRunWithin = 10 * time.Second

// Runner runs tasks on their tickers until Shutdown. Each task runs in its
// own goroutine, so a run never overlaps the previous run of the same task.
type Runner struct {
	Logger *slog.Logger

	mu       sync.Mutex
	wg       sync.WaitGroup
	stop     chan struct{}      // closed by Shutdown: no new runs
	cancel   context.CancelFunc // cancels runs still going when Shutdown gives up
	stopOnce sync.Once
}

// Start starts every task (call it once): the first run after a random
// delay of up to one period or firstRunWithin, whichever is shorter (so
// work that fell due while no process ran is picked up soon, and processes
// started together spread out), then once every period with ±10% jitter.
// Cancelling ctx stops the tasks and cancels the runs in progress;
// Shutdown stops them gracefully.
func (r *Runner) Start(ctx context.Context, tasks ...Task) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stop == nil {
		r.stop = make(chan struct{})
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, r.cancel = context.WithCancel(ctx)
	for _, t := range tasks {
		r.wg.Go(func() { r.loop(ctx, t) })
	}
}

// Shutdown stops starting runs and waits for the runs in progress. When
// ctx ends first, it cancels them, waits for them to return and reports
// ctx's error.
func (r *Runner) Shutdown(ctx context.Context) error {
	r.mu.Lock()
	stop, cancel := r.stop, r.cancel
	r.mu.Unlock()
	if stop == nil {
		return nil
	}
	r.stopOnce.Do(func() { close(stop) })
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
		cancel()
		return nil
	case <-ctx.Done():
		cancel()
		<-done
		return fmt.Errorf("jobs: shutdown: %w", ctx.Err())
	}
}

// loop runs one task until the runner stops or ctx ends.
func (r *Runner) loop(ctx context.Context, t Task) {
	timer := time.NewTimer(jitter(min(t.Every, firstRunWithin), 0, 1))
	defer timer.Stop()
	failing := ""
	for {
		select {
		case <-r.stop:
			return
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		failing = r.runOnce(ctx, t, failing)
		timer.Reset(jitter(t.Every, 0.9, 1.1))
	}
}

// runOnce runs the task, catching panics. An error is logged once: while
// a task keeps failing with the same message, the repeats are logged at
// debug level, and the recovery at info. It returns the current failure.
func (r *Runner) runOnce(ctx context.Context, t Task, failing string) string {
	err := r.safeRun(ctx, t)
	switch {
	case err == nil && failing != "":
		r.Logger.Info("job recovered", "job", t.Name)
		return ""
	case err == nil, ctx.Err() != nil:
		return failing
	case err.Error() == failing:
		r.Logger.Debug("job still failing", "job", t.Name, "err", err)
	default:
		r.Logger.Error("job failed", "job", t.Name, "err", err)
	}
	return err.Error()
}

func (r *Runner) safeRun(ctx context.Context, t Task) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	return t.Run(ctx)
}

// jitter returns a random duration between lo and hi times d.
func jitter(d time.Duration, lo, hi float64) time.Duration {
	return time.Duration(float64(d) * (lo + rand.Float64()*(hi-lo)))
}
