package booking

import (
	crand "crypto/rand"
	"math/rand/v2"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// lobby holds the requests for one first-come activity that arrived in
// its fair window, until the window ends.
type lobby struct {
	reqs []*request
}

// inFairWindow reports whether now is in [opens_at, opens_at+FairWindow)
// of a first-come activity.
func (e *Engine) inFairWindow(m meta, now time.Time) bool {
	return e.opt.FairWindow > 0 && m.mode == culture.ModeFirstCome &&
		!now.Before(m.opensAt) && now.Before(m.opensAt.Add(e.opt.FairWindow))
}

// holdLocked puts r in the activity's lobby; the first request starts the
// timer that releases the lobby when the window ends.
func (e *Engine) holdLocked(r *request, m meta, now time.Time) {
	id := r.req.ActivityID
	l := e.lobbies[id]
	if l == nil {
		l = &lobby{}
		e.lobbies[id] = l
		e.opt.AfterFunc(m.opensAt.Add(e.opt.FairWindow).Sub(now), func() { e.release(id, l) })
	}
	l.reqs = append(l.reqs, r)
	e.held++
}

// release admits lobby l of an activity, if it is still waiting.
func (e *Engine) release(id int64, l *lobby) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.lobbies[id] == l {
		e.releaseLocked(id)
	}
}

// releaseLocked queues the activity's lobby in random order.
func (e *Engine) releaseLocked(id int64) {
	l := e.lobbies[id]
	if l == nil {
		return
	}
	delete(e.lobbies, id)
	e.shuffle(len(l.reqs), func(i, j int) { l.reqs[i], l.reqs[j] = l.reqs[j], l.reqs[i] })
	e.queue = append(e.queue, l.reqs...)
	e.held -= len(l.reqs)
	e.signal()
}

// newShuffle returns a shuffle seeded from crypto/rand, so the order of a
// lobby cannot be predicted from the outside. Callers hold e.mu.
func newShuffle() func(n int, swap func(i, j int)) {
	var seed [32]byte
	crand.Read(seed[:]) //nolint:errcheck // crypto/rand.Read never fails (Go ≥ 1.24)
	return rand.New(rand.NewChaCha8(seed)).Shuffle
}
