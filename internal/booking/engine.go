// Package booking is the ticket-grabbing engine. It sits in front of the
// store's booking service: bookings are queued and committed in batches
// (one transaction, one fsync, many bookings), sold-out activities are
// refused from memory, and the first moments after a first-come activity
// opens are admitted in random order. The rules themselves stay in the
// database, so any number of processes can share one PostgreSQL.
// docs/booking-engine.md explains the design.
package booking

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// Store is what the engine needs of the database: the booking service it
// passes through, batch booking, a replay lookup, the holders of a sold-out
// activity and activity metadata. *sqlstore.Store implements it.
type Store interface {
	culture.BookingService
	CreateBookings(ctx context.Context, reqs []*culture.BookingRequest) []sqlstore.BatchResult
	FindBookingByKey(ctx context.Context, accountID int64, key string) (*culture.Booking, error)
	BookingHolders(ctx context.Context, activityID int64) (map[int64]bool, error)
	FindActivityByID(ctx context.Context, id int64) (*culture.Activity, error)
}

// Defaults of Options.
const (
	DefaultMaxBatch     = 256
	DefaultMaxQueue     = 50000
	DefaultSoldOutTTL   = time.Second
	DefaultMetaTTL      = time.Second
	DefaultFairWindow   = 2 * time.Second
	DefaultBatchTimeout = 15 * time.Second
)

// Options tune an Engine. Zero values take the defaults above.
type Options struct {
	// MaxBatch bounds the requests committed in one transaction.
	MaxBatch int
	// MaxQueue bounds the requests queued or held; beyond it requests are
	// refused with ErrBusy.
	MaxQueue int
	// SoldOutTTL is how long "sold out" (and the accounts holding a
	// booking then) is answered from memory before the database is asked
	// again (a seat may come back in another process).
	SoldOutTTL time.Duration
	// MetaTTL is how long an activity's mode, opening time and community
	// reserve (whether it has seats; see memorable) are cached.
	MetaTTL time.Duration
	// FairWindow is the time after a first-come activity opens during
	// which requests are collected and admitted in random order; negative
	// turns fair start off.
	FairWindow time.Duration
	// BatchTimeout bounds one batch transaction.
	BatchTimeout time.Duration
	// Now returns the current time; tests replace it.
	Now func() time.Time
	// AfterFunc calls f after d, to release a fair-start lobby; tests
	// replace it. The default is time.AfterFunc.
	AfterFunc func(d time.Duration, f func())
	Logger    *slog.Logger
}

func (o Options) withDefaults() Options {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.MaxBatch, DefaultMaxBatch)
	def(&o.MaxQueue, DefaultMaxQueue)
	defDur(&o.SoldOutTTL, DefaultSoldOutTTL)
	defDur(&o.MetaTTL, DefaultMetaTTL)
	defDur(&o.FairWindow, DefaultFairWindow)
	defDur(&o.BatchTimeout, DefaultBatchTimeout)
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.AfterFunc == nil {
		o.AfterFunc = func(d time.Duration, f func()) { time.AfterFunc(d, f) }
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// ErrBusy refuses a request while the engine shuts down or its queue is
// full; the client may retry with the same idempotency key.
var ErrBusy = culture.Errorf(culture.ETOOMANY, "系统繁忙，请稍后再试。")

// Engine implements culture.BookingService. CreateBooking goes through the
// queue; CancelBooking and DecideBooking go to the store and clear the
// activity's sold-out flag; the other methods pass through.
type Engine struct {
	culture.BookingService
	store Store
	opt   Options

	mu      sync.Mutex
	queue   []*request
	held    int // requests in lobbies
	lobbies map[int64]*lobby
	closed  bool
	started bool
	soldOut map[int64]*soldOutEntry
	metas   map[int64]*metaEntry
	shuffle func(n int, swap func(i, j int))

	wake chan struct{} // a request was queued, or Close was called
	done chan struct{} // closed when the committer has drained and stopped

	stats struct{ batches, sent, fromMemory, replays atomic.Int64 }
}

var _ culture.BookingService = (*Engine)(nil)

// request is one CreateBooking call waiting for its batch.
type request struct {
	ctx    context.Context
	req    *culture.BookingRequest
	m      meta                      // the activity's, when it was admitted
	answer chan sqlstore.BatchResult // buffered: the committer never blocks
}

// New returns an engine in front of store. Call Start before use and
// Close at shutdown, before closing the store.
func New(store Store, opt Options) *Engine {
	return &Engine{
		BookingService: store, store: store, opt: opt.withDefaults(),
		lobbies: map[int64]*lobby{}, soldOut: map[int64]*soldOutEntry{}, metas: map[int64]*metaEntry{},
		shuffle: newShuffle(),
		wake:    make(chan struct{}, 1), done: make(chan struct{}),
	}
}

// Start starts the committer goroutine.
func (e *Engine) Start() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.started {
		e.started = true
		go e.run()
	}
}

// Close stops accepting requests (they get ErrBusy), admits what the
// lobbies hold, and waits until every queued request is committed and
// answered, or ctx ends.
func (e *Engine) Close(ctx context.Context) error {
	e.mu.Lock()
	e.closed = true
	for id := range e.lobbies {
		e.releaseLocked(id)
	}
	e.mu.Unlock()
	e.Start() // a never-started engine still answers what it queued
	e.signal()
	select {
	case <-e.done:
		return nil
	case <-ctx.Done():
		return errors.Join(errors.New("booking engine: queue not drained"), ctx.Err())
	}
}

// Stats counts the engine's work since New.
type Stats struct {
	// Batches is the number of batch transactions; Sent the requests in them.
	Batches, Sent int64
	// FromMemory counts requests refused as sold out without the database
	// (accounts not holding a booking of a sold-out activity); Replays
	// those answered by a read of their idempotency key.
	FromMemory, Replays int64
	// Queued and Held are the requests waiting now, in the queue and in
	// fair-start lobbies.
	Queued, Held int
}

// Stats returns the engine's counters.
func (e *Engine) Stats() Stats {
	e.mu.Lock()
	queued, held := len(e.queue), e.held
	e.mu.Unlock()
	return Stats{
		Batches: e.stats.batches.Load(), Sent: e.stats.sent.Load(),
		FromMemory: e.stats.fromMemory.Load(), Replays: e.stats.replays.Load(),
		Queued: queued, Held: held,
	}
}

// CreateBooking books through the queue and answers once the batch that
// holds the request has committed. A sold-out activity (one whose
// community reserve has no seat left) is refused from memory to accounts
// holding none of its bookings; a first-come activity that has not opened
// is refused at once; in the fair window after opening the request waits
// in the lobby.
func (e *Engine) CreateBooking(ctx context.Context, req *culture.BookingRequest) (*culture.Booking, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	now := e.opt.Now()
	m, err := e.activityMeta(ctx, req.ActivityID, now)
	if err != nil {
		return nil, err
	}
	if b, done, err := e.fromMemory(ctx, req, m, now); done {
		return b, err
	}
	if m.mode == culture.ModeFirstCome && now.Before(m.opensAt) {
		return nil, culture.ErrNotOpen
	}
	r := &request{ctx: ctx, req: req, m: m, answer: make(chan sqlstore.BatchResult, 1)}
	if err := e.admit(r, m, now); err != nil {
		return nil, err
	}
	select {
	case res := <-r.answer:
		return res.Booking, res.Err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// CancelBooking cancels in the store; a freed seat clears the sold-out flag.
func (e *Engine) CancelBooking(ctx context.Context, accountID, bookingID int64) (*culture.Booking, error) {
	b, err := e.store.CancelBooking(ctx, accountID, bookingID)
	if err == nil {
		e.clearSoldOut(b.ActivityID)
	}
	return b, err
}

// DecideBooking decides in the store and clears the sold-out flag.
func (e *Engine) DecideBooking(ctx context.Context, bookingID int64, approve bool) (*culture.Booking, error) {
	b, err := e.store.DecideBooking(ctx, bookingID, approve)
	if err == nil {
		e.clearSoldOut(b.ActivityID)
	}
	return b, err
}

// admit queues r, or holds it in the activity's lobby during the fair
// window.
func (e *Engine) admit(r *request, m meta, now time.Time) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || len(e.queue)+e.held >= e.opt.MaxQueue {
		return ErrBusy
	}
	if e.inFairWindow(m, now) {
		e.holdLocked(r, m, now)
		return nil
	}
	// A lobby whose timer has not fired yet goes before later arrivals.
	e.releaseLocked(r.req.ActivityID)
	e.queue = append(e.queue, r)
	e.signal()
	return nil
}

func (e *Engine) signal() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// run commits batches until Close, then drains the queue and stops.
func (e *Engine) run() {
	defer close(e.done)
	for {
		batch, stop := e.take()
		if len(batch) > 0 {
			e.commit(batch)
			continue
		}
		if stop {
			e.opt.Logger.Info("booking engine drained", "batches", e.stats.batches.Load())
			return
		}
		<-e.wake
	}
}

// take removes up to MaxBatch requests from the queue without waiting for
// more: a lone request is not delayed. stop is true once the engine is
// closed and nothing is left.
func (e *Engine) take() (batch []*request, stop bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := min(len(e.queue), e.opt.MaxBatch)
	batch = make([]*request, n)
	copy(batch, e.queue)
	clear(e.queue[:n])
	e.queue = e.queue[n:]
	if len(e.queue) == 0 {
		e.queue = nil // let the backing array go
	}
	return batch, e.closed && len(e.queue) == 0 && e.held == 0
}

// commit books a batch in one transaction and answers every request.
// Requests whose caller has gone are answered without the database, and
// so are those the sold-out memory refuses (queued before the activity
// was found sold out). An activity found sold out is remembered, with its
// holders, after the batch is answered.
func (e *Engine) commit(batch []*request) {
	now := e.opt.Now()
	live := batch[:0:0]
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.answer <- sqlstore.BatchResult{Err: err}
			continue
		}
		if e.refusedFromMemory(r.req, r.m, now) {
			r.answer <- sqlstore.BatchResult{Err: culture.ErrSoldOut}
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	reqs := make([]*culture.BookingRequest, len(live))
	for i, r := range live {
		reqs[i] = r.req
	}
	ctx, cancel := context.WithTimeout(context.Background(), e.opt.BatchTimeout)
	defer cancel()
	results := e.store.CreateBookings(ctx, reqs)
	e.stats.batches.Add(1)
	e.stats.sent.Add(int64(len(reqs)))
	// Flags first, so a client told "sold out" finds the flag; holders
	// after the answers, so no answer waits for a load.
	now = e.opt.Now()
	var loads []holderLoad
	for i, r := range live {
		if errors.Is(results[i].Err, culture.ErrSoldOut) && memorable(r.req, r.m) {
			if ent := e.markSoldOut(r.req.ActivityID, now); ent != nil {
				loads = append(loads, holderLoad{r.req.ActivityID, ent})
			}
		}
	}
	for i, r := range live {
		r.answer <- results[i]
	}
	for _, l := range loads {
		e.loadHolders(l.ent, l.id)
	}
}
