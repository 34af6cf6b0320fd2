package figures

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// countingStats serves the rollup rows of fakeStats, counts the
// FindRollups calls and may fail them or hold them until release closes.
type countingStats struct {
	*fakeStats
	mu      sync.Mutex
	finds   int
	fail    error
	release chan struct{}
}

func (c *countingStats) FindRollups(ctx context.Context, q culture.StatsQuery) ([]culture.StatRow, error) {
	c.mu.Lock()
	c.finds++
	fail, release := c.fail, c.release
	c.mu.Unlock()
	if release != nil {
		<-release
	}
	if fail != nil {
		return nil, fail
	}
	return c.fakeStats.FindRollups(ctx, q)
}

func (c *countingStats) UniqueParticipants(_ context.Context, roots []int64, _, _ culture.Day) (map[int64]int, error) {
	return map[int64]int{roots[0]: 7}, nil
}

func (c *countingStats) calls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.finds
}

// TestCache: a second load of a dashboard with the same rollup run reads
// nothing; another range, unit or run is built; a failure is not kept; at
// most max dashboards are held.
func TestStatsCache(t *testing.T) {
	hub, units := world()
	stats := &countingStats{fakeStats: &fakeStats{rows: []culture.StatRow{row(t, 2, "2026-03-20", culture.MetricActivities, "戏曲", 3)}}}
	src := Sources{Stats: stats, Units: fakeUnits{units: units}}
	ctx := context.Background()
	from, to := day(t, "2026-03-01"), day(t, "2026-03-31")
	run := culture.RollupRun{Rows: 1, Finished: time.Unix(1_800_000_000, 0)}
	c := NewCache(3)
	load := func(what string, unit *culture.Unit, from culture.Day, run culture.RollupRun, wantFinds int) *Dashboard {
		t.Helper()
		d, err := c.Load(ctx, src, unit, from, to, run)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got := stats.calls(); got != wantFinds {
			t.Errorf("%s: FindRollups called %d times in all, want %d", what, got, wantFinds)
		}
		if d.Headline.Activities != 3 || d.Version != Version(run, from, to) {
			t.Errorf("%s: %d activities, version %q", what, d.Headline.Activities, d.Version)
		}
		return d
	}
	first := load("first", hub, from, run, 1)
	if again := load("again", hub, from, run, 1); again != first {
		t.Error("the same dashboard was built twice")
	}
	load("another range", hub, from+1, run, 2)
	load("another unit", units[1], from, run, 3)
	if c.Len() != 3 {
		t.Errorf("the cache holds %d dashboards, want 3", c.Len())
	}
	load("first, used again", hub, from, run, 3)
	load("evicts the least recently used", hub, from+2, run, 4)
	load("the range from+1 was evicted", hub, from+1, run, 5)
	load("first is kept", hub, from, run, 5)

	rebuilt := run
	rebuilt.Finished = run.Finished.Add(5 * time.Minute)
	load("after a rebuild", hub, from, rebuilt, 6)
	if c.Len() != 1 {
		t.Errorf("after a rebuild the cache holds %d dashboards, want only the new one", c.Len())
	}
	if d := load("the new run again", hub, from, rebuilt, 6); d.UpdatedAt == nil || !d.UpdatedAt.Equal(rebuilt.Finished) {
		t.Errorf("updated at %v, want %v", d.UpdatedAt, rebuilt.Finished)
	}
	same := rebuilt
	same.Rows = 2 // another rebuild within the same second
	load("a rebuild in the same second", hub, from, same, 7)

	stats.fail = errors.New("database gone")
	if _, err := c.Load(ctx, src, hub, from+5, to, same); err == nil {
		t.Fatal("a failed build returned no error")
	}
	stats.fail = nil
	load("after a failure", hub, from+5, same, 9)
	if _, err := c.Load(ctx, src, hub, to, from, same); culture.ErrorCode(err) != culture.EINVALID {
		t.Errorf("reversed range: %v", err)
	}
}

// TestCacheConcurrent: requests for one dashboard while it is being built
// wait for that build instead of building it again.
func TestStatsCacheConcurrent(t *testing.T) {
	hub, units := world()
	stats := &countingStats{fakeStats: &fakeStats{}, release: make(chan struct{})}
	src := Sources{Stats: stats, Units: fakeUnits{units: units}}
	c := NewCache(8)
	run := culture.RollupRun{Finished: time.Unix(1_800_000_000, 0)}
	from := day(t, "2026-03-01")
	var started, done sync.WaitGroup
	got := make([]*Dashboard, 8)
	for i := range got {
		started.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			started.Done()
			d, err := c.Load(context.Background(), src, hub, from, from+30, run)
			if err != nil {
				t.Error(err)
			}
			got[i] = d
		}()
	}
	started.Wait()
	time.Sleep(50 * time.Millisecond) // let the requests reach the cache
	close(stats.release)
	done.Wait()
	if n := stats.calls(); n != 1 {
		t.Errorf("8 concurrent requests built the dashboard %d times", n)
	}
	for i, d := range got {
		if d != got[0] || d == nil {
			t.Errorf("request %d got another dashboard", i)
		}
	}
}

func TestStatsVersion(t *testing.T) {
	from, to := day(t, "2025-06-01"), day(t, "2026-05-17")
	run := culture.RollupRun{Rows: 120, Took: 45 * time.Millisecond, Finished: time.Unix(1_800_000_000, 0)}
	if got := Version(run, from, to); got != "1800000000.120.45.2025-06-01.2026-05-17" {
		t.Errorf("Version = %q", got)
	}
	if got := Version(culture.RollupRun{}, from, to); got != "0.0.0.2025-06-01.2026-05-17" {
		t.Errorf("Version of no rollup = %q", got)
	}
	if Version(run, from, to) == Version(run, from+1, to+1) {
		t.Error("the next day's range has the same version")
	}
}
