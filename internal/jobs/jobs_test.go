package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/jobs"
)

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRunnerRunsAndNeverOverlaps(t *testing.T) {
	var runs, running, overlaps, afterStop atomic.Int32
	var stopped atomic.Bool
	task := jobs.Task{Name: "slow", Every: 2 * time.Millisecond, Run: func(ctx context.Context) error {
		if stopped.Load() {
			afterStop.Add(1)
		}
		if running.Add(1) > 1 {
			overlaps.Add(1)
		}
		time.Sleep(5 * time.Millisecond)
		running.Add(-1)
		runs.Add(1)
		return nil
	}}
	r := &jobs.Runner{}
	r.Start(t.Context(), task)
	// Poll rather than sleep a fixed time: a loaded CI box may be slow.
	for deadline := time.Now().Add(10 * time.Second); runs.Load() < 3; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d runs in 10 s", runs.Load())
		}
	}
	if err := r.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	stopped.Store(true)
	if overlaps.Load() != 0 {
		t.Errorf("runs = %d, overlaps = %d", runs.Load(), overlaps.Load())
	}
	// Shutdown has returned: no run may start any more.
	time.Sleep(20 * time.Millisecond)
	if afterStop.Load() != 0 {
		t.Errorf("task ran %d times after Shutdown returned", afterStop.Load())
	}
}

func TestRunnerShutdownWaits(t *testing.T) {
	started, finished := make(chan struct{}), atomic.Bool{}
	var once sync.Once
	r := &jobs.Runner{}
	r.Start(t.Context(), jobs.Task{Name: "draw", Every: time.Millisecond, Run: func(ctx context.Context) error {
		once.Do(func() { close(started) })
		time.Sleep(30 * time.Millisecond)
		finished.Store(ctx.Err() == nil)
		return nil
	}})
	<-started
	if err := r.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !finished.Load() {
		t.Errorf("Shutdown returned before the run finished (or cancelled it)")
	}
}

func TestRunnerShutdownTimeout(t *testing.T) {
	started := make(chan struct{})
	var once sync.Once
	r := &jobs.Runner{}
	r.Start(t.Context(), jobs.Task{Name: "stuck", Every: time.Millisecond, Run: func(ctx context.Context) error {
		once.Do(func() { close(started) })
		<-ctx.Done()
		return ctx.Err()
	}})
	<-started
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if err := r.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v, want deadline exceeded", err)
	}
}

func TestRunnerLogsErrorsOnce(t *testing.T) {
	var buf syncBuffer
	var runs atomic.Int32
	r := &jobs.Runner{Logger: slog.New(slog.NewTextHandler(&buf, nil))}
	r.Start(t.Context(), jobs.Task{Name: "broken", Every: time.Millisecond, Run: func(context.Context) error {
		if runs.Add(1) == 3 {
			panic("boom")
		}
		return errors.New("database is down")
	}})
	for runs.Load() < 10 {
		time.Sleep(time.Millisecond)
	}
	if err := r.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if n := strings.Count(out, "database is down"); n != 2 { // before and after the panic
		t.Errorf("error logged %d times, want 2:\n%s", n, out)
	}
	if !strings.Contains(out, "panic: boom") {
		t.Errorf("panic not logged:\n%s", out)
	}
}
