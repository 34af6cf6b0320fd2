// Package limit rate-limits requests per key (client IP, account, phone)
// with token buckets held in memory. Limits that must hold across processes
// live in the database instead; these only blunt floods at one process.
package limit

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Keyed holds one token bucket per key.
type Keyed struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// New returns a limiter allowing burst events at once and then one event
// every interval, per key.
func New(interval time.Duration, burst int) *Keyed {
	return &Keyed{every: rate.Every(interval), burst: burst, buckets: map[string]*bucket{}}
}

// Allow reports whether an event for key may happen now.
func (k *Keyed) Allow(key string) bool {
	now := time.Now()
	k.mu.Lock()
	defer k.mu.Unlock()
	k.sweep(now)
	b, ok := k.buckets[key]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(k.every, k.burst)}
		k.buckets[key] = b
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}

// sweep forgets keys idle for ten minutes, at most once a minute, so the
// map stays bounded under a flood of distinct keys.
func (k *Keyed) sweep(now time.Time) {
	if now.Sub(k.swept) < time.Minute {
		return
	}
	k.swept = now
	for key, b := range k.buckets {
		if now.Sub(b.seen) > 10*time.Minute {
			delete(k.buckets, key)
		}
	}
}

// Forget drops key's bucket, so that its next event starts with a full
// burst again (a successful sign-in clears the failures before it).
func (k *Keyed) Forget(key string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.buckets, key)
}
