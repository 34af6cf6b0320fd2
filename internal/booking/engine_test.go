package booking_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/booking"
	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
	"github.com/wenyun/wenyun/internal/sqlstore/sqltest"
)

// testNow is the fake "now" of the engine tests: Monday 2 March 2026,
// 09:00 in Shanghai.
var testNow = time.Date(2026, 3, 2, 9, 0, 0, 0, culture.Shanghai)

// forEachEngine runs fn on a fresh store of each engine, clock at testNow.
func forEachEngine(t *testing.T, fn func(t *testing.T, s *sqlstore.Store)) {
	t.Helper()
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) { fn(t, MustOpenDB(t, engine)) })
	}
}

// MustOpenDB opens a fresh store (sqltest) whose clock stands at testNow.
func MustOpenDB(tb testing.TB, engine string) *sqlstore.Store {
	tb.Helper()
	s := sqltest.Open(tb, engine)
	s.Now = func() time.Time { return testNow }
	return s
}

// fix holds the rows the engine tests build on, made through the store.
type fix struct {
	s         *sqlstore.Store
	unit      int64
	residents []int64
	// family belongs to residents[0].
	family int64
}

func fixtures(t testing.TB, s *sqlstore.Store, residents int) *fix {
	t.Helper()
	ctx := context.Background()
	u := &culture.Unit{Kind: culture.UnitHub, Name: "区文化馆"}
	if err := s.CreateUnit(ctx, u); err != nil {
		t.Fatal(err)
	}
	fx := &fix{s: s, unit: u.ID}
	for i := range residents {
		a, err := s.FindOrCreateResident(ctx, fmt.Sprintf("139%08d", i+1))
		if err != nil {
			t.Fatal(err)
		}
		fx.residents = append(fx.residents, a.ID)
	}
	m := &culture.FamilyMember{AccountID: fx.residents[0], Name: "小明", Relation: "子女"}
	if err := s.CreateFamilyMember(ctx, m); err != nil {
		t.Fatal(err)
	}
	fx.family = m.ID
	return fx
}

// activity creates a first-come activity with seats, open since an hour
// before testNow, changed by mods.
func (fx *fix) activity(t testing.TB, seats int, mods ...func(*culture.Activity)) *culture.Activity {
	t.Helper()
	starts := testNow.Add(48 * time.Hour)
	a := &culture.Activity{
		UnitID: fx.unit, Title: "少儿书法体验课", Category: "书法美术",
		StartsAt: starts, EndsAt: starts.Add(2 * time.Hour), Capacity: seats,
		Mode: culture.ModeFirstCome, MaxPerBooking: 3, OpensAt: testNow.Add(-time.Hour), ClosesAt: starts,
	}
	for _, m := range mods {
		m(a)
	}
	out, err := fx.s.CreateActivity(context.Background(), a, 1)
	if err != nil {
		t.Fatal(err)
	}
	return out[0]
}

// confirmed counts the confirmed bookings of an activity.
func (fx *fix) confirmed(t testing.TB, activityID int64) int {
	t.Helper()
	st := culture.BookingConfirmed
	_, n, err := fx.s.FindBookings(context.Background(), culture.BookingFilter{ActivityID: &activityID, Status: &st})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// clock is a fake time source that tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// newEngine returns a started engine on s with a fake clock at testNow,
// closed at cleanup.
func newEngine(t testing.TB, s booking.Store, opt booking.Options) (*booking.Engine, *clock) {
	t.Helper()
	c := newClock(testNow)
	if opt.Now == nil {
		opt.Now = c.Now
	}
	e := booking.New(s, opt)
	e.Start()
	t.Cleanup(func() {
		if err := e.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return e, c
}

// waitFor polls cond until it holds; the tests use it to know that
// goroutines have reached the engine, not to measure time.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func wantReason(t testing.TB, err error, reason string) {
	t.Helper()
	if culture.ErrorReason(err) != reason {
		t.Fatalf("err = %v, want reason %s", err, reason)
	}
}

// TestEngineConcurrent: 200 residents grab 50 seats at once; exactly 50
// get one, every other is told sold out.
func TestEngineConcurrent(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := fixtures(t, s, 200)
		a := fx.activity(t, 50)
		e, _ := newEngine(t, s, booking.Options{FairWindow: -1})
		var ok, soldOut atomic.Int64
		var wg sync.WaitGroup
		for _, acc := range fx.residents {
			wg.Go(func() {
				_, err := e.CreateBooking(t.Context(), &culture.BookingRequest{ActivityID: a.ID, AccountID: acc, Self: true})
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, culture.ErrSoldOut):
					soldOut.Add(1)
				default:
					t.Errorf("account %d: %v", acc, err)
				}
			})
		}
		wg.Wait()
		if ok.Load() != 50 || soldOut.Load() != 150 {
			t.Errorf("booked %d, sold out %d; want 50 and 150", ok.Load(), soldOut.Load())
		}
		if n := fx.confirmed(t, a.ID); n != 50 {
			t.Errorf("confirmed in the database = %d, want 50", n)
		}
		st := e.Stats()
		t.Logf("batches %d, sent %d, from memory %d", st.Batches, st.Sent, st.FromMemory)
		if st.Batches >= 200 && st.Sent == 200 {
			t.Logf("no request was batched with another")
		}
	})
}

// TestEngineBatchMixed queues four requests before the committer starts,
// so they share one batch: each gets its own answer.
func TestEngineBatchMixed(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := fixtures(t, s, 4)
		a, full := fx.activity(t, 5), fx.activity(t, 1)
		ctx := t.Context()
		if _, err := s.CreateBooking(ctx, &culture.BookingRequest{ActivityID: a.ID, AccountID: fx.residents[1], Self: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateBooking(ctx, &culture.BookingRequest{ActivityID: full.ID, AccountID: fx.residents[1], Self: true}); err != nil {
			t.Fatal(err)
		}
		e := booking.New(s, booking.Options{FairWindow: -1, Now: func() time.Time { return testNow }})
		reqs := []*culture.BookingRequest{
			{ActivityID: a.ID, AccountID: fx.residents[0], Self: true, FamilyIDs: []int64{fx.family}}, // OK
			{ActivityID: full.ID, AccountID: fx.residents[2], Self: true},                             // sold out
			{ActivityID: a.ID, AccountID: fx.residents[1], Self: true},                                // already booked
			{ActivityID: a.ID, AccountID: fx.residents[3], FamilyIDs: []int64{fx.family}},             // not its family
		}
		errs := make([]error, len(reqs))
		bookings := make([]*culture.Booking, len(reqs))
		var wg sync.WaitGroup
		for i, req := range reqs {
			wg.Go(func() { bookings[i], errs[i] = e.CreateBooking(ctx, req) })
			waitFor(t, "request queued", func() bool { return e.Stats().Queued == i+1 })
		}
		e.Start()
		wg.Wait()
		if err := e.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if st := e.Stats(); st.Batches != 1 || st.Sent != 4 {
			t.Errorf("stats %+v, want one batch of 4", st)
		}
		if errs[0] != nil || bookings[0].Seats != 2 || bookings[0].Status != culture.BookingConfirmed {
			t.Errorf("OK: %+v, %v", bookings[0], errs[0])
		}
		wantReason(t, errs[1], culture.ReasonSoldOut)
		wantReason(t, errs[2], culture.ReasonAlreadyBooked)
		if culture.ErrorCode(errs[3]) != culture.EINVALID {
			t.Errorf("bad family: %v, want EINVALID", errs[3])
		}
		if n := fx.confirmed(t, a.ID); n != 2 {
			t.Errorf("confirmed = %d, want 2", n)
		}
		got, err := s.FindActivityByID(ctx, a.ID)
		if err != nil || got.SeatsLeft != 2 {
			t.Errorf("seats left = %v (%v), want 2", got.SeatsLeft, err)
		}
	})
}

// TestEngineIdempotent replays keyed requests through the engine, also
// after the activity sold out (the holder's replay: one read by key; a
// non-holder: from memory).
func TestEngineIdempotent(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := fixtures(t, s, 3)
		a := fx.activity(t, 1)
		e, _ := newEngine(t, s, booking.Options{FairWindow: -1})
		ctx := t.Context()
		req := &culture.BookingRequest{ActivityID: a.ID, AccountID: fx.residents[0], Self: true, IdempotencyKey: "k-1"}
		first, err := e.CreateBooking(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		again, err := e.CreateBooking(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(first, again); diff != "" {
			t.Errorf("replay differs (-first +again):\n%s", diff)
		}
		_, err = e.CreateBooking(ctx, &culture.BookingRequest{ActivityID: a.ID, AccountID: fx.residents[1], Self: true})
		wantReason(t, err, culture.ReasonSoldOut)
		sent := e.Stats().Sent
		again, err = e.CreateBooking(ctx, req) // sold out now: the flag, then the key
		if err != nil || again.ID != first.ID {
			t.Errorf("replay after sold out = %+v, %v; want booking %d", again, err, first.ID)
		}
		other := &culture.BookingRequest{ActivityID: a.ID, AccountID: fx.residents[2], Self: true, IdempotencyKey: "k-2"}
		_, err = e.CreateBooking(ctx, other)
		wantReason(t, err, culture.ReasonSoldOut)
		if st := e.Stats(); st.Sent != sent || st.Replays != 1 || st.FromMemory != 1 {
			t.Errorf("stats %+v: want no new batch request, 1 replay, 1 from memory", st)
		}
		if n := fx.confirmed(t, a.ID); n != 1 {
			t.Errorf("confirmed = %d, want 1", n)
		}
	})
}

// TestEngineSoldOutMemory: a sold-out activity is refused without the
// database until the flag expires or a local cancel clears it.
func TestEngineSoldOutMemory(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := fixtures(t, s, 3)
		a := fx.activity(t, 1)
		e, clk := newEngine(t, s, booking.Options{FairWindow: -1, SoldOutTTL: time.Second})
		ctx := t.Context()
		book := func(i int) (*culture.Booking, error) {
			return e.CreateBooking(ctx, &culture.BookingRequest{ActivityID: a.ID, AccountID: fx.residents[i], Self: true})
		}
		b0, err := book(0)
		if err != nil {
			t.Fatal(err)
		}
		_, err = book(1) // the database says sold out
		wantReason(t, err, culture.ReasonSoldOut)
		st := e.Stats()
		_, err = book(2)
		wantReason(t, err, culture.ReasonSoldOut)
		if got := e.Stats(); got.Sent != st.Sent || got.FromMemory != st.FromMemory+1 {
			t.Fatalf("stats %+v after %+v: want the refusal from memory", got, st)
		}
		t.Run("Expires", func(t *testing.T) {
			clk.Set(testNow.Add(time.Second))
			_, err := book(2)
			wantReason(t, err, culture.ReasonSoldOut)
			if got := e.Stats(); got.Sent != st.Sent+1 {
				t.Errorf("sent %d, want %d: an expired flag asks the database", got.Sent, st.Sent+1)
			}
		})
		t.Run("HolderAsksStore", func(t *testing.T) {
			// The flag is fresh again (Expires saw sold out); resident 0
			// holds a booking, so the store answers "already booked".
			sent := e.Stats().Sent
			_, err := book(0)
			wantReason(t, err, culture.ReasonAlreadyBooked)
			if got := e.Stats(); got.Sent != sent+1 {
				t.Errorf("sent %d, want %d: a holder's request goes to the store", got.Sent, sent+1)
			}
		})
		t.Run("ClearedByCancel", func(t *testing.T) {
			if _, err := e.CancelBooking(ctx, fx.residents[0], b0.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := book(2); err != nil {
				t.Errorf("after a cancel: %v", err)
			}
		})
	})
}

// countingStore is a real store that counts the engine's reads.
type countingStore struct {
	*sqlstore.Store
	keyReads, holderLoads, metaReads atomic.Int64
}

func (c *countingStore) FindBookingByKey(ctx context.Context, accountID int64, key string) (*culture.Booking, error) {
	c.keyReads.Add(1)
	return c.Store.FindBookingByKey(ctx, accountID, key)
}

func (c *countingStore) BookingHolders(ctx context.Context, activityID int64) (map[int64]bool, error) {
	c.holderLoads.Add(1)
	return c.Store.BookingHolders(ctx, activityID)
}

func (c *countingStore) FindActivityByID(ctx context.Context, id int64) (*culture.Activity, error) {
	c.metaReads.Add(1)
	return c.Store.FindActivityByID(ctx, id)
}

// reads returns the reads and batch requests the engine made so far.
func (c *countingStore) reads(e *booking.Engine) [4]int64 {
	return [4]int64{c.keyReads.Load(), c.holderLoads.Load(), c.metaReads.Load(), e.Stats().Sent}
}

// TestEngineSoldOutHolders: once an activity is sold out, keyed requests
// of accounts holding none of its bookings are refused without any
// database access; a holder's replay returns its booking; the holder set
// is loaded once, by one read, and again after the TTL.
func TestEngineSoldOutHolders(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := fixtures(t, s, 24)
		a := fx.activity(t, 1)
		cs := &countingStore{Store: s}
		e, clk := newEngine(t, cs, booking.Options{FairWindow: -1, SoldOutTTL: time.Second})
		ctx := t.Context()
		keyed := func(i int, key string) *culture.BookingRequest {
			return &culture.BookingRequest{ActivityID: a.ID, AccountID: fx.residents[i], Self: true, IdempotencyKey: key}
		}
		first, err := e.CreateBooking(ctx, keyed(0, "k-0"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.CreateBooking(ctx, keyed(1, "k-1")) // the database says sold out
		wantReason(t, err, culture.ReasonSoldOut)

		// A crowd of keyed non-holders: all refused from memory, after
		// one shared load of the holders.
		before, st := cs.reads(e), e.Stats()
		var wg sync.WaitGroup
		for i := 2; i < 22; i++ {
			wg.Go(func() {
				_, err := e.CreateBooking(ctx, keyed(i, fmt.Sprintf("k-%d", i)))
				if !errors.Is(err, culture.ErrSoldOut) {
					t.Errorf("resident %d: %v, want sold out", i, err)
				}
			})
		}
		wg.Wait()
		if got := e.Stats(); got.FromMemory != st.FromMemory+20 {
			t.Errorf("from memory %d, want %d", got.FromMemory, st.FromMemory+20)
		}
		after := cs.reads(e)
		before[1] = 1 // the one load the sold-out answer started (maybe before the snapshot)
		if after != before {
			t.Errorf("reads (key, holders, meta, sent) = %v, want %v: no database access but one holder load", after, before)
		}

		// The holder's replay: one read by key, its booking.
		again, err := e.CreateBooking(ctx, keyed(0, "k-0"))
		if err != nil || again.ID != first.ID {
			t.Errorf("replay = %+v, %v; want booking %d", again, err, first.ID)
		}
		// The holder with a new key: the store says already booked.
		_, err = e.CreateBooking(ctx, keyed(0, "k-0b"))
		wantReason(t, err, culture.ReasonAlreadyBooked)
		if got, want := cs.reads(e), [4]int64{after[0] + 2, after[1], after[2], after[3] + 1}; got != want {
			t.Errorf("reads %v, want %v: two reads by key, one request to the store", got, want)
		}
		if st := e.Stats(); st.Replays != 1 {
			t.Errorf("replays %d, want 1", st.Replays)
		}

		// Another process frees resident 0's seat and resident 2 takes it.
		// Until the TTL the set is stale (the documented trade-off)...
		if _, err := s.CancelBooking(ctx, fx.residents[0], first.ID); err != nil {
			t.Fatal(err)
		}
		late, err := s.CreateBooking(ctx, keyed(2, "k-2late"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.CreateBooking(ctx, keyed(2, "k-2late"))
		wantReason(t, err, culture.ReasonSoldOut)
		// ...after it, the database is asked again and the set reloaded.
		clk.Set(testNow.Add(time.Second))
		_, err = e.CreateBooking(ctx, keyed(23, "k-23"))
		wantReason(t, err, culture.ReasonSoldOut)
		got, err := e.CreateBooking(ctx, keyed(2, "k-2late"))
		if err != nil || got.ID != late.ID {
			t.Errorf("replay after the reload = %+v, %v; want booking %d", got, err, late.ID)
		}
		if n := cs.holderLoads.Load(); n != 2 {
			t.Errorf("holder loads %d, want 2", n)
		}
		if st := e.Stats(); st.Replays != 2 {
			t.Errorf("replays %d, want 2", st.Replays)
		}

		// Waiting-list and counter requests always reach the store.
		sent := e.Stats().Sent
		wl := keyed(22, "")
		wl.Waitlist = true
		e.CreateBooking(ctx, wl) //nolint:errcheck // only whether it reached the store matters
		walkin := keyed(22, "")
		walkin.Pool = culture.PoolWalkin
		e.CreateBooking(ctx, walkin) //nolint:errcheck
		if got := e.Stats().Sent; got != sent+2 {
			t.Errorf("sent %d, want %d: waiting-list and counter requests go to the store", got, sent+2)
		}
	})
}

// TestEngineSoldOutQueued: requests queued before the activity was found
// sold out are refused by the committer from memory, unsent, once the
// holders are loaded; one batch of one request each (MaxBatch 1).
func TestEngineSoldOutQueued(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := fixtures(t, s, 5)
		a := fx.activity(t, 1)
		cs := &countingStore{Store: s}
		e := booking.New(cs, booking.Options{FairWindow: -1, MaxBatch: 1, Now: func() time.Time { return testNow }})
		var booked, soldOut atomic.Int64
		var wg sync.WaitGroup
		for i, acc := range fx.residents {
			wg.Go(func() {
				_, err := e.CreateBooking(t.Context(), &culture.BookingRequest{ActivityID: a.ID, AccountID: acc, Self: true,
					IdempotencyKey: fmt.Sprintf("q-%d", i)})
				switch {
				case err == nil:
					booked.Add(1)
				case errors.Is(err, culture.ErrSoldOut):
					soldOut.Add(1)
				default:
					t.Errorf("resident %d: %v", i, err)
				}
			})
			waitFor(t, "request queued", func() bool { return e.Stats().Queued == i+1 })
		}
		e.Start()
		wg.Wait()
		if err := e.Close(t.Context()); err != nil {
			t.Fatal(err)
		}
		st := e.Stats()
		if booked.Load() != 1 || soldOut.Load() != 4 || st.Sent != 2 || st.FromMemory != 3 {
			t.Errorf("booked %d, sold out %d, stats %+v; want 1 booked, 2 sent, 3 refused from memory",
				booked.Load(), soldOut.Load(), st)
		}
		if n := cs.holderLoads.Load(); n != 1 {
			t.Errorf("holder loads %d, want 1", n)
		}
	})
}

// TestEngineNotOpen: before opening a first-come request is refused at
// once and takes no place in the queue or a lobby.
func TestEngineNotOpen(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := fixtures(t, s, 1)
		a := fx.activity(t, 5, func(a *culture.Activity) { a.OpensAt = testNow.Add(time.Minute) })
		e, _ := newEngine(t, s, booking.Options{})
		_, err := e.CreateBooking(t.Context(), &culture.BookingRequest{ActivityID: a.ID, AccountID: fx.residents[0], Self: true})
		wantReason(t, err, culture.ReasonNotOpen)
		if st := e.Stats(); st.Sent != 0 || st.Held != 0 || st.Queued != 0 {
			t.Errorf("stats %+v: want nothing queued, held or sent", st)
		}
	})
}

// TestEngineFairStartDB: requests in the window wait in the lobby and are
// all booked when it is released.
func TestEngineFairStartDB(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := fixtures(t, s, 5)
		a := fx.activity(t, 3, func(a *culture.Activity) { a.OpensAt = testNow })
		var release func()
		e, _ := newEngine(t, s, booking.Options{FairWindow: 2 * time.Second,
			AfterFunc: func(_ time.Duration, f func()) { release = f }})
		var ok atomic.Int64
		var wg sync.WaitGroup
		for i, acc := range fx.residents {
			wg.Go(func() {
				if _, err := e.CreateBooking(t.Context(), &culture.BookingRequest{ActivityID: a.ID, AccountID: acc, Self: true}); err == nil {
					ok.Add(1)
				}
			})
			waitFor(t, "request held", func() bool { return e.Stats().Held == i+1 })
		}
		if st := e.Stats(); st.Sent != 0 {
			t.Fatalf("sent %d before the window ended", st.Sent)
		}
		release()
		wg.Wait()
		if ok.Load() != 3 || fx.confirmed(t, a.ID) != 3 {
			t.Errorf("booked %d, confirmed %d; want 3", ok.Load(), fx.confirmed(t, a.ID))
		}
	})
}

// TestEngineCloseDrains: Close commits and answers everything queued or
// held, then refuses new requests with ErrBusy.
func TestEngineCloseDrains(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := fixtures(t, s, 6)
		a := fx.activity(t, 10)
		b := fx.activity(t, 10, func(a *culture.Activity) { a.OpensAt = testNow })
		e := booking.New(s, booking.Options{Now: func() time.Time { return testNow },
			AfterFunc: func(time.Duration, func()) {}}) // the lobby is released by Close only
		var booked atomic.Int64
		var wg sync.WaitGroup
		for i, acc := range fx.residents {
			act := a.ID
			if i%2 == 1 {
				act = b.ID // in b's fair window: held
			}
			wg.Go(func() {
				if _, err := e.CreateBooking(t.Context(), &culture.BookingRequest{ActivityID: act, AccountID: acc, Self: true}); err != nil {
					t.Error(err)
					return
				}
				booked.Add(1)
			})
			waitFor(t, "request queued", func() bool { st := e.Stats(); return st.Queued+st.Held == i+1 })
		}
		if err := e.Close(t.Context()); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		if booked.Load() != 6 || fx.confirmed(t, a.ID)+fx.confirmed(t, b.ID) != 6 {
			t.Errorf("booked %d; want all 6 committed", booked.Load())
		}
		_, err := e.CreateBooking(t.Context(), &culture.BookingRequest{ActivityID: a.ID, AccountID: fx.residents[0], Self: true})
		if !errors.Is(err, booking.ErrBusy) {
			t.Errorf("after Close: %v, want ErrBusy", err)
		}
	})
}

// TestSoldOutMemorySparesCommunityReserve: an activity whose community
// reserve still has seats is not answered from memory, because a member's
// online request is served from the reserve after the public pool ran out;
// once the reserve is used up (seen on the next metadata load) the memory
// answers again (reviewer's TestReviewSoldOutMemoryRefusesCommunitySeat).
func TestSoldOutMemorySparesCommunityReserve(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := fixtures(t, s, 4)
		ctx := t.Context()
		// Communities belong to branches: the activity is at one, and
		// residents[2] is a member of its community.
		branch := &culture.Unit{Kind: culture.UnitBranch, Name: "焦西分馆", ParentID: &fx.unit}
		if err := s.CreateUnit(ctx, branch); err != nil {
			t.Fatal(err)
		}
		a := fx.activity(t, 2, func(a *culture.Activity) { a.UnitID, a.ReservedCommunity = branch.ID, 1 })
		// Joined before booking opened (testNow - 1h): only such a
		// membership counts for the community reserve.
		s.Now = func() time.Time { return testNow.Add(-2 * time.Hour) }
		err := s.JoinCommunity(ctx, fx.residents[2], branch.ID)
		s.Now = func() time.Time { return testNow }
		if err != nil {
			t.Fatal(err)
		}
		e, clk := newEngine(t, s, booking.Options{FairWindow: -1})
		book := func(i int) (*culture.Booking, error) {
			return e.CreateBooking(ctx, &culture.BookingRequest{ActivityID: a.ID, AccountID: fx.residents[i], Self: true})
		}
		if _, err := book(0); err != nil {
			t.Fatal(err) // takes the one public seat
		}
		_, err = book(1) // not a member: the database says sold out
		wantReason(t, err, culture.ReasonSoldOut)
		b, err := book(2)
		if err != nil {
			t.Fatalf("member refused through the engine: %v (stats %+v)", err, e.Stats())
		}
		if b.Pool != culture.PoolCommunity {
			t.Errorf("member's pool = %q, want community", b.Pool)
		}
		// The reserve is used up: past the metadata and sold-out TTLs the
		// memory answers again.
		clk.Set(testNow.Add(booking.DefaultMetaTTL + booking.DefaultSoldOutTTL))
		_, err = book(1)
		wantReason(t, err, culture.ReasonSoldOut)
		st := e.Stats()
		_, err = book(3)
		wantReason(t, err, culture.ReasonSoldOut)
		if got := e.Stats(); got.Sent != st.Sent || got.FromMemory != st.FromMemory+1 {
			t.Errorf("stats %+v after %+v: want the refusal from memory", got, st)
		}
	})
}
