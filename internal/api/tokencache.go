package api

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// Bearer tokens are looked up in the database once and then remembered for
// tokenTTL: at the opening of a popular activity every request carries a
// token, and a database read per request would cost more than the booking.
// The price is that a revoked or expired token, or a changed grant, may
// still be honoured for up to tokenTTL in this process.
const (
	tokenTTL     = 30 * time.Second
	tokenMaxSize = 100_000
)

// tokenCache maps a token's SHA-256 (the token itself is not kept) to its
// account until an expiry. It holds at most max entries: when full, expired
// entries are swept, and if none has expired the cache starts afresh.
type tokenCache struct {
	ttl time.Duration
	max int

	mu      sync.Mutex
	entries map[[sha256.Size]byte]tokenEntry
}

type tokenEntry struct {
	acct    *culture.Account
	expires time.Time
}

func newTokenCache(ttl time.Duration, max int) *tokenCache {
	return &tokenCache{ttl: ttl, max: max, entries: make(map[[sha256.Size]byte]tokenEntry)}
}

// get returns the account remembered for the token, if any and not expired.
func (c *tokenCache) get(key [sha256.Size]byte, now time.Time) (*culture.Account, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if !ok || !now.Before(e.expires) {
		return nil, false
	}
	return e.acct, true
}

// put remembers the token's account for the TTL.
func (c *tokenCache) put(key [sha256.Size]byte, acct *culture.Account, now time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		c.sweep(now)
	}
	c.entries[key] = tokenEntry{acct: acct, expires: now.Add(c.ttl)}
}

// sweep drops expired entries, or all of them when none has expired.
func (c *tokenCache) sweep(now time.Time) {
	for k, e := range c.entries {
		if !now.Before(e.expires) {
			delete(c.entries, k)
		}
	}
	if len(c.entries) >= c.max {
		clear(c.entries)
	}
}
