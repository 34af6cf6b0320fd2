package figures

import (
	"container/list"
	"context"
	"fmt"
	"sync"

	"github.com/wenyun/wenyun/internal/culture"
)

// A dashboard only changes when the rollup is rebuilt (every few minutes),
// yet the big screen asks for it every refresh and every console page view
// builds it again. Cache keeps the built dashboards per unit, range and
// rollup run: a request after the first costs the LastRollup query its
// caller makes, and a rebuild (a new run) makes every dashboard be built
// anew on its next request.

// Version names what a dashboard of from–to shows after run: it changes
// with every rebuild (the run's finish, rows and duration) and with the
// range. The big screen sends it back to learn whether anything changed.
func Version(run culture.RollupRun, from, to culture.Day) string {
	var finished int64
	if !run.Finished.IsZero() {
		finished = run.Finished.Unix()
	}
	return fmt.Sprintf("%d.%d.%d.%s.%s", finished, run.Rows, run.Took.Milliseconds(), from, to)
}

// runKey identifies a rollup run.
type runKey struct {
	finished int64 // Unix nanoseconds; 0 when none
	rows     int
	took     int64 // milliseconds
}

func newRunKey(run culture.RollupRun) runKey {
	k := runKey{rows: run.Rows, took: run.Took.Milliseconds()}
	if !run.Finished.IsZero() {
		k.finished = run.Finished.UnixNano()
	}
	return k
}

// cacheKey identifies a built dashboard. The unit's name and path are in
// it: a renamed or moved unit is built anew.
type cacheKey struct {
	unit       int64
	name, path string
	from, to   culture.Day
	run        runKey
}

// cacheEntry is a dashboard built or being built: done is closed when
// dash or err is set.
type cacheEntry struct {
	key  cacheKey
	elem *list.Element
	done chan struct{}
	dash *Dashboard
	err  error
}

// Cache holds up to a fixed number of built dashboards, the least recently
// used dropped first, and only those of the latest rollup run it has seen.
// Concurrent requests for one dashboard build it once. Safe for concurrent
// use. Callers must not modify the dashboards it returns: they are shared.
type Cache struct {
	max     int
	mu      sync.Mutex
	entries map[cacheKey]*cacheEntry
	order   *list.List // of *cacheEntry, most recently used first
	latest  runKey
}

// NewCache returns a cache holding at most n dashboards (at least one).
func NewCache(n int) *Cache {
	return &Cache{max: max(n, 1), entries: map[cacheKey]*cacheEntry{}, order: list.New()}
}

// Len reports how many dashboards the cache holds (those being built
// included).
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// Load returns the dashboard of unit over from–to as of run, the last
// rollup (read by the caller before this call; see Sources.Build): from
// the cache, else built from src and kept. A failed build is not kept.
func (c *Cache) Load(ctx context.Context, src Sources, unit *culture.Unit, from, to culture.Day, run culture.RollupRun) (*Dashboard, error) {
	if err := culture.CheckRange(from, to); err != nil {
		return nil, err
	}
	k := cacheKey{unit: unit.ID, name: unit.Name, path: unit.Path, from: from, to: to, run: newRunKey(run)}
	e, build := c.entry(k)
	if build {
		e.dash, e.err = src.Build(ctx, unit, from, to, run)
		if e.err != nil {
			c.drop(e)
		}
		close(e.done)
		return e.dash, e.err
	}
	select {
	case <-e.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if e.err != nil {
		// The build this request waited for failed (its own request may
		// have gone away): try once more, on this request's own account.
		return src.Build(ctx, unit, from, to, run)
	}
	return e.dash, nil
}

// entry returns k's entry, and true when the caller is to build it (it
// was not there).
func (c *Cache) entry(k cacheKey) (*cacheEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[k]; ok {
		c.order.MoveToFront(e.elem)
		return e, false
	}
	if k.run != c.latest && k.run.finished >= c.latest.finished {
		// A new rollup: the dashboards of older ones are no longer asked for.
		c.latest = k.run
		clear(c.entries)
		c.order.Init()
	}
	e := &cacheEntry{key: k, done: make(chan struct{})}
	e.elem = c.order.PushFront(e)
	c.entries[k] = e
	for c.order.Len() > c.max {
		old := c.order.Back().Value.(*cacheEntry)
		c.order.Remove(old.elem)
		delete(c.entries, old.key)
	}
	return e, true
}

// drop removes e, if the cache still holds it.
func (c *Cache) drop(e *cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries[e.key] == e {
		c.order.Remove(e.elem)
		delete(c.entries, e.key)
	}
}
