package booking_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/booking"
	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// orderStore is a fake store that books everything and records the order
// in which accounts reach it.
type orderStore struct {
	culture.BookingService // nil: the fair-start tests call none of it
	act                    *culture.Activity

	mu    sync.Mutex
	order []int64
}

func (s *orderStore) CreateBookings(_ context.Context, reqs []*culture.BookingRequest) []sqlstore.BatchResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]sqlstore.BatchResult, len(reqs))
	for i, r := range reqs {
		s.order = append(s.order, r.AccountID)
		out[i].Booking = &culture.Booking{ActivityID: r.ActivityID, AccountID: r.AccountID}
	}
	return out
}

func (s *orderStore) FindBookingByKey(context.Context, int64, string) (*culture.Booking, error) {
	return nil, culture.Errorf(culture.ENOTFOUND, "预约不存在。")
}

func (s *orderStore) BookingHolders(context.Context, int64) (map[int64]bool, error) {
	return map[int64]bool{}, nil
}

func (s *orderStore) FindActivityByID(context.Context, int64) (*culture.Activity, error) {
	return s.act, nil
}

// arrive sends n requests one after another, each reaching the engine
// (held or queued) before the next is sent, and returns a wait function.
func arrive(t *testing.T, e *booking.Engine, n int) func() {
	t.Helper()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if _, err := e.CreateBooking(t.Context(), &culture.BookingRequest{ActivityID: 1, AccountID: int64(i), Self: true}); err != nil {
				t.Error(err)
			}
		})
		waitFor(t, "request admitted", func() bool { st := e.Stats(); return st.Held+st.Queued+int(st.Sent) == i+1 })
	}
	return wg.Wait
}

// TestFairStart: requests in the window after opening are admitted in a
// random order. With 8 requests the chance that a shuffle keeps the
// arrival order is 1/40320, so 20 trials that all differ is the expected
// outcome; the test allows two coincidences.
func TestFairStart(t *testing.T) {
	opens := testNow
	arrival := []int64{0, 1, 2, 3, 4, 5, 6, 7}
	same := 0
	for range 20 {
		fs := &orderStore{act: &culture.Activity{ID: 1, Mode: culture.ModeFirstCome, OpensAt: opens}}
		var release func()
		var delay time.Duration
		e, clk := newEngine(t, fs, booking.Options{FairWindow: 2 * time.Second,
			AfterFunc: func(d time.Duration, f func()) { delay, release = d, f }})
		clk.Set(opens.Add(500 * time.Millisecond))
		wait := arrive(t, e, len(arrival))
		if st := e.Stats(); st.Held != len(arrival) || st.Sent != 0 {
			t.Fatalf("stats %+v: want all %d held", st, len(arrival))
		}
		if delay != 1500*time.Millisecond {
			t.Errorf("lobby released after %v, want 1.5s (at the end of the window)", delay)
		}
		release()
		wait()
		if !slices.Equal(fs.order, arrival) {
			continue
		}
		same++
	}
	if same > 2 {
		t.Errorf("%d of 20 lobbies kept the arrival order", same)
	}
}

// TestFairStartAfterWindow: after the window requests keep their order.
func TestFairStartAfterWindow(t *testing.T) {
	fs := &orderStore{act: &culture.Activity{ID: 1, Mode: culture.ModeFirstCome, OpensAt: testNow}}
	c := newClock(testNow.Add(2 * time.Second))
	e := booking.New(fs, booking.Options{FairWindow: 2 * time.Second, Now: c.Now})
	arrive(t, e, 20) // not started yet: every request waits in the queue
	e.Start()
	if err := e.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	want := make([]int64, 20)
	for i := range want {
		want[i] = int64(i)
	}
	if !slices.Equal(fs.order, want) {
		t.Errorf("order %v, want arrival order", fs.order)
	}
}

// TestFairStartLateLobby: a request after the window, arriving before the
// lobby's timer fired, goes after everyone in the lobby.
func TestFairStartLateLobby(t *testing.T) {
	fs := &orderStore{act: &culture.Activity{ID: 1, Mode: culture.ModeFirstCome, OpensAt: testNow}}
	c := newClock(testNow)
	e := booking.New(fs, booking.Options{FairWindow: 2 * time.Second, Now: c.Now,
		AfterFunc: func(time.Duration, func()) {}}) // the timer never fires
	wait := arrive(t, e, 5)
	c.Set(testNow.Add(2 * time.Second))
	late := make(chan error, 1)
	go func() {
		_, err := e.CreateBooking(t.Context(), &culture.BookingRequest{ActivityID: 1, AccountID: 99, Self: true})
		late <- err
	}()
	waitFor(t, "lobby released", func() bool { return e.Stats().Queued == 6 })
	e.Start()
	wait()
	if err := <-late; err != nil {
		t.Fatal(err)
	}
	if len(fs.order) != 6 || fs.order[5] != 99 {
		t.Errorf("order %v, want the late request last", fs.order)
	}
	if err := e.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// TestFairStartBeforeOpen: a request before opening is refused and holds
// no place.
func TestFairStartBeforeOpen(t *testing.T) {
	fs := &orderStore{act: &culture.Activity{ID: 1, Mode: culture.ModeFirstCome, OpensAt: testNow.Add(time.Second)}}
	e, _ := newEngine(t, fs, booking.Options{})
	_, err := e.CreateBooking(t.Context(), &culture.BookingRequest{ActivityID: 1, AccountID: 1, Self: true})
	wantReason(t, err, culture.ReasonNotOpen)
	if st := e.Stats(); st.Held+st.Queued != 0 || len(fs.order) != 0 {
		t.Errorf("stats %+v, order %v: want nothing held or sent", st, fs.order)
	}
}
