package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps one prepared statement per SQL text for a SQLite pool.
// modernc.org/sqlite compiles every statement it is given, and on the booking
// path that compiling was close to half of the writer's time; database/sql
// keeps a prepared statement per connection, so preparing once per pool is
// enough. (pgx caches prepared statements itself, so PostgreSQL needs none.)
//
// A statement cannot be prepared on the pool while a transaction holds the
// only write connection, so a miss is noted and prepared after the
// transaction ends.
type stmtCache struct {
	db *sql.DB
	mu sync.RWMutex
	m  map[string]*sql.Stmt
	// missed holds texts to prepare once the connection is free.
	missed map[string]bool
	// closed is set by close: nothing is noted or prepared after it, since
	// no one would close those statements.
	closed bool
}

// maxCachedStmts bounds the cache: filters build a bounded but large set of
// texts, and past this the rest simply run unprepared.
const maxCachedStmts = 512

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}, missed: map[string]bool{}}
}

// get returns the prepared statement for q, or nil (noting the miss).
func (c *stmtCache) get(q string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.RLock()
	st := c.m[q]
	c.mu.RUnlock()
	if st == nil {
		c.mu.Lock()
		if !c.closed && len(c.m)+len(c.missed) < maxCachedStmts {
			c.missed[q] = true
		}
		c.mu.Unlock()
	}
	return st
}

// prepareMissed prepares the texts missed so far. Call it with no
// transaction of this pool open in the calling goroutine.
func (c *stmtCache) prepareMissed(ctx context.Context) {
	if c == nil {
		return
	}
	c.mu.Lock()
	missed := c.missed
	c.missed = map[string]bool{}
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return
	}
	for q := range missed {
		st, err := c.db.PrepareContext(ctx, q)
		if err != nil {
			continue // it runs unprepared; the error shows where it is used
		}
		c.mu.Lock()
		if old := c.m[q]; old != nil || c.closed {
			st.Close() // cached already, or closed while preparing
		} else {
			c.m[q] = st
		}
		c.mu.Unlock()
	}
}

func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for _, st := range c.m {
		st.Close()
	}
	c.m = map[string]*sql.Stmt{}
	c.missed = map[string]bool{}
}

// stmtsFor returns the statement cache of a pool (nil on PostgreSQL).
func (s *Store) stmtsFor(db *sql.DB) *stmtCache {
	switch db {
	case s.write:
		return s.writeStmts
	case s.read:
		return s.readStmts
	}
	return nil
}
