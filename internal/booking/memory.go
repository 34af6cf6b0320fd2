package booking

import (
	"context"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// memorable reports whether a refusal of req may be remembered and
// answered from memory: a resident's online request, for an activity whose
// community reserve holds no seat (m, from the metadata cache). A
// waiting-list request is still taken when no seat is left, a counter
// (walk-in) request draws on its own reserved pool, and while the
// community reserve has seats an online request of a community member is
// served from it after the public pool ran out (sqlstore takeFromPools):
// "sold out" is then not the same answer for everyone.
func memorable(req *culture.BookingRequest, m meta) bool {
	return !req.Waitlist && (req.Pool == "" || req.Pool == culture.PoolOnline) && !m.community
}

// soldOutEntry is an activity the database found sold out at `at`, with
// the accounts that held a booking of it, read after that. ready is closed
// once holders (or err) is loaded; concurrent requests wait for that one
// load, which the committer makes.
type soldOutEntry struct {
	at      time.Time
	ready   chan struct{}
	holders map[int64]bool
	err     error
}

// fromMemory answers req when its activity is known to be sold out. An
// account that holds no booking of the activity is refused at once, with
// or without an idempotency key: it has nothing to replay and nothing to
// be told "already booked" about. A holder's keyed request may be the
// replay of a booking that succeeded (the client lost the answer), so one
// read by key answers it; any other holder's request goes to the store,
// which says "already booked" (or books, if a seat came back). done is
// false when the database must answer. docs/booking-engine.md argues why
// this is correct.
func (e *Engine) fromMemory(ctx context.Context, req *culture.BookingRequest, m meta, now time.Time) (b *culture.Booking, done bool, err error) {
	if !memorable(req, m) {
		return nil, false, nil
	}
	ent := e.soldOutFor(req.ActivityID, now)
	if ent == nil {
		return nil, false, nil
	}
	select {
	case <-ent.ready:
	case <-ctx.Done():
		return nil, true, ctx.Err()
	}
	if ent.err != nil {
		return nil, false, nil // holders unknown: the store answers
	}
	if !ent.holders[req.AccountID] {
		e.stats.fromMemory.Add(1)
		return nil, true, culture.ErrSoldOut
	}
	if req.IdempotencyKey == "" {
		return nil, false, nil
	}
	b, err = e.store.FindBookingByKey(ctx, req.AccountID, req.IdempotencyKey)
	if err == nil && b.ActivityID == req.ActivityID {
		e.stats.replays.Add(1)
		return b, true, nil
	}
	// A new key (already booked?), a key spent on another activity, or a
	// failed read: the store gives the full answer.
	return nil, false, nil
}

// refusedFromMemory reports whether the committer may refuse a queued
// request as sold out without sending it: the same rule as fromMemory, for
// requests queued before the flag was set. It never waits for a load.
func (e *Engine) refusedFromMemory(req *culture.BookingRequest, m meta, now time.Time) bool {
	if !memorable(req, m) {
		return false
	}
	ent := e.soldOutFor(req.ActivityID, now)
	if ent == nil || !ent.loaded() || ent.err != nil || ent.holders[req.AccountID] {
		return false
	}
	e.stats.fromMemory.Add(1)
	return true
}

// soldOutFor returns the activity's sold-out entry if it was found sold
// out less than SoldOutTTL ago, else nil.
func (e *Engine) soldOutFor(id int64, now time.Time) *soldOutEntry {
	e.mu.Lock()
	defer e.mu.Unlock()
	ent := e.soldOut[id]
	if ent != nil && now.Sub(ent.at) >= e.opt.SoldOutTTL {
		delete(e.soldOut, id)
		return nil
	}
	return ent
}

// markSoldOut remembers that the database refused a booking of the
// activity as sold out at now. It returns the new entry, whose holders the
// committer loads (loadHolders) once it has answered the batch, so that
// the next batch is already sorted: one indexed read costs far less than
// a batch of refusals. Requests meanwhile wait for that load. A fresh
// entry is kept as it is (nil): its holder set is only valid as of its
// own load, so it is not extended; it expires and is loaded anew.
func (e *Engine) markSoldOut(id int64, now time.Time) *soldOutEntry {
	e.mu.Lock()
	defer e.mu.Unlock()
	if ent := e.soldOut[id]; ent != nil && now.Sub(ent.at) < e.opt.SoldOutTTL {
		return nil
	}
	ent := &soldOutEntry{at: now, ready: make(chan struct{})}
	e.soldOut[id] = ent
	return ent
}

// holderLoad is a sold-out entry the committer still has to load.
type holderLoad struct {
	id  int64
	ent *soldOutEntry
}

// loadHolders reads the activity's holders on its own context, so that no
// caller giving up fails the others waiting for the same load. A failed
// load drops the entry: the next sold-out answer tries again.
func (e *Engine) loadHolders(ent *soldOutEntry, id int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ent.holders, ent.err = e.store.BookingHolders(ctx, id)
	if ent.err != nil {
		e.opt.Logger.Warn("booking engine: loading holders", "activity", id, "err", ent.err)
		e.mu.Lock()
		if e.soldOut[id] == ent {
			delete(e.soldOut, id)
		}
		e.mu.Unlock()
	}
	close(ent.ready)
}

func (e *Engine) clearSoldOut(id int64) {
	e.mu.Lock()
	delete(e.soldOut, id)
	e.mu.Unlock()
}

// meta is what the engine needs to know of an activity before queueing.
type meta struct {
	mode    string
	opensAt time.Time
	// community: the community reserve still has seats (community_left >
	// 0; the release of the reserves sets it to 0). Sold out is then not
	// answered from memory (see memorable).
	community bool
}

// metaEntry caches one activity's meta. ready is closed once it is loaded;
// concurrent requests for the same activity wait for one load.
type metaEntry struct {
	ready chan struct{}
	m     meta
	err   error
	at    time.Time
}

// activityMeta returns the activity's mode, opening time and whether its
// community reserve has seats, read from the store at most once per
// MetaTTL per activity.
func (e *Engine) activityMeta(ctx context.Context, id int64, now time.Time) (meta, error) {
	e.mu.Lock()
	ent := e.metas[id]
	if ent == nil || ent.loaded() && (ent.err != nil || now.Sub(ent.at) >= e.opt.MetaTTL) {
		ent = &metaEntry{ready: make(chan struct{})}
		e.metas[id] = ent
		e.mu.Unlock()
		e.loadMeta(ent, id, now)
	} else {
		e.mu.Unlock()
	}
	select {
	case <-ent.ready:
		return ent.m, ent.err
	case <-ctx.Done():
		return meta{}, ctx.Err()
	}
}

func (ent *metaEntry) loaded() bool { return isClosed(ent.ready) }

func (ent *soldOutEntry) loaded() bool { return isClosed(ent.ready) }

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// loadMeta reads the activity on its own context, so that one caller
// giving up does not fail the others waiting for the same load.
func (e *Engine) loadMeta(ent *metaEntry, id int64, now time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	a, err := e.store.FindActivityByID(ctx, id)
	if err == nil {
		ent.m = meta{mode: a.Mode, opensAt: a.OpensAt, community: a.CommunityLeft > 0}
	}
	ent.err, ent.at = err, now
	close(ent.ready)
}
