package sqlstore_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// lotteryMode makes fx.activity a lottery whose window closes one hour
// after activityTestNow.
func lotteryMode(a *culture.Activity) {
	a.Mode, a.ClosesAt = culture.ModeLottery, activityTestNow.Add(time.Hour)
}

// apply makes a lottery application that must succeed.
func (fx *activityFix) apply(t *testing.T, activityID, accountID int64, family ...int64) *culture.Booking {
	t.Helper()
	b := fx.book(t, activityID, accountID, true, family...)
	if b.Status != culture.BookingApplied || b.Activity.SeatsLeft != b.Activity.Capacity {
		t.Fatalf("application = status %s, seats left %d", b.Status, b.Activity.SeatsLeft)
	}
	return b
}

func TestLotteryCreate(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		a := fx.create(t, lotteryMode, func(a *culture.Activity) { a.LotteryWeighted = true })
		if len(a.LotteryCommit) != 64 || a.LotterySeed != "" || a.LotteryDrawnAt != nil || !a.LotteryWeighted {
			t.Fatalf("lottery activity = commit %q seed %q drawn %v weighted %t",
				a.LotteryCommit, a.LotterySeed, a.LotteryDrawnAt, a.LotteryWeighted)
		}
		js, _ := json.Marshal(a)
		var seed string
		s.DB().QueryRow(fixSQL(s, `SELECT lottery_seed FROM activities WHERE id = ?`), a.ID).Scan(&seed)
		if len(seed) != 64 || strings.Contains(string(js), seed) {
			t.Errorf("stored seed %q, or it leaks into JSON %s", seed, js)
		}
		b := fx.create(t, lotteryMode)
		if b.LotteryCommit == a.LotteryCommit {
			t.Errorf("two lotteries share a commitment")
		}
		if fc := fx.create(t); fc.LotteryCommit != "" {
			t.Errorf("first-come activity has a commitment")
		}
	})
}

func TestLotteryApply(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		a := fx.create(t, lotteryMode)
		t.Run("OK", func(t *testing.T) {
			b := fx.apply(t, a.ID, fx.residents[0], fx.family)
			if b.Seats != 2 {
				t.Errorf("seats = %d", b.Seats)
			}
		})
		t.Run("ErrAlreadyBooked", func(t *testing.T) {
			_, err := s.CreateBooking(t.Context(), &culture.BookingRequest{
				ActivityID: a.ID, AccountID: fx.residents[0], Self: true})
			if culture.ErrorReason(err) != culture.ReasonAlreadyBooked {
				t.Errorf("err = %v, want already_booked", err)
			}
		})
		t.Run("ErrNotOpen", func(t *testing.T) {
			later := fx.create(t, lotteryMode, func(a *culture.Activity) { a.OpensAt = activityTestNow.Add(time.Minute) })
			_, err := s.CreateBooking(t.Context(), &culture.BookingRequest{
				ActivityID: later.ID, AccountID: fx.residents[1], Self: true})
			if culture.ErrorReason(err) != culture.ReasonNotOpen {
				t.Errorf("err = %v, want not_open", err)
			}
		})
		t.Run("ErrClosed", func(t *testing.T) {
			fx.setNow(activityTestNow.Add(2 * time.Hour))
			defer fx.setNow(activityTestNow)
			_, err := s.CreateBooking(t.Context(), &culture.BookingRequest{
				ActivityID: a.ID, AccountID: fx.residents[1], Self: true})
			if culture.ErrorReason(err) != culture.ReasonClosed {
				t.Errorf("err = %v, want closed", err)
			}
		})
		t.Run("CancelApplication", func(t *testing.T) {
			b := fx.apply(t, a.ID, fx.residents[2])
			c, err := s.CancelBooking(t.Context(), fx.residents[2], b.ID)
			if err != nil || c.Status != culture.BookingCancelled {
				t.Fatalf("cancel = %v, %v", c, err)
			}
		})
	})
}

func TestDrawLottery(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		ctx := t.Context()
		a := fx.create(t, lotteryMode, func(a *culture.Activity) { a.Capacity = 5 })
		residents := fixAccounts(t, s, 8)
		var apps []*culture.Booking
		for _, id := range residents {
			apps = append(apps, fx.apply(t, a.ID, id))
		}
		t.Run("ErrTooEarly", func(t *testing.T) {
			if _, err := s.DrawLottery(ctx, a.ID); culture.ErrorCode(err) != culture.EINVALID {
				t.Errorf("err = %v, want invalid", err)
			}
		})
		fx.setNow(activityTestNow.Add(time.Hour))
		l, err := s.DrawLottery(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		checkDrawn(t, s, l, a.ID, 5, 8)
		if err := l.Verify(); err != nil {
			t.Errorf("Verify: %v", err)
		}
		sum := sha256.Sum256(mustHex(t, l.Seed))
		if hex.EncodeToString(sum[:]) != a.LotteryCommit {
			t.Errorf("seed does not match the commitment published at creation")
		}
		t.Run("SecondDrawIsNoop", func(t *testing.T) {
			again, err := s.DrawLottery(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !again.DrawnAt.Equal(*l.DrawnAt) || again.Seed != l.Seed || len(again.Entries) != 8 {
				t.Errorf("second draw changed the result")
			}
			if fx.seatsLeft(t, a.ID) != 0 {
				t.Errorf("seats left = %d", fx.seatsLeft(t, a.ID))
			}
		})
		t.Run("ErrClosedAfterDraw", func(t *testing.T) {
			fx.setNow(activityTestNow.Add(30 * time.Minute)) // a client with a slow clock
			defer fx.setNow(activityTestNow.Add(time.Hour))
			_, err := s.CreateBooking(ctx, &culture.BookingRequest{ActivityID: a.ID, AccountID: fx.residents[1], Self: true})
			if culture.ErrorReason(err) != culture.ReasonClosed {
				t.Errorf("err = %v, want closed", err)
			}
		})
		t.Run("ErrNotLottery", func(t *testing.T) {
			fc := fx.create(t)
			_, err := s.DrawLottery(ctx, fc.ID)
			if culture.ErrorReason(err) != culture.ReasonNotLottery {
				t.Errorf("err = %v, want not_lottery", err)
			}
		})
	})
}

// checkDrawn checks a drawn lottery against the bookings: min(seats,
// demand) seats confirmed, the rest waitlisted in draw order.
func checkDrawn(t *testing.T, s *sqlstore.Store, l *culture.Lottery, activityID int64, seats, apps int) {
	t.Helper()
	if !l.Drawn() || len(l.Seed) != 64 || l.Seats != seats || len(l.Entries) != apps {
		t.Fatalf("lottery = drawn %v seed %q seats %d entries %d", l.DrawnAt, l.Seed, l.Seats, len(l.Entries))
	}
	confirmed := 0
	for i, e := range l.Entries {
		b, err := s.FindBookingByID(t.Context(), e.BookingID)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case e.Rank != i+1:
			t.Errorf("entry %d has rank %d", i, e.Rank)
		case e.Won && b.Status != culture.BookingConfirmed, !e.Won && b.Status != culture.BookingWaitlisted:
			t.Errorf("rank %d: won %t, status %s", e.Rank, e.Won, b.Status)
		case strings.Count(e.Name, "*") == 0:
			t.Errorf("name %q is not masked", e.Name)
		}
		if e.Won {
			confirmed += e.Seats
		}
		var queue *int
		s.DB().QueryRow(fixSQL(s, `SELECT queue_rank FROM bookings WHERE id = ?`), e.BookingID).Scan(&queue)
		if !e.Won && (queue == nil || *queue != e.Rank) {
			t.Errorf("rank %d: queue_rank %v", e.Rank, queue)
		}
	}
	if want := min(seats, apps); confirmed != want {
		t.Errorf("confirmed seats = %d, want %d", confirmed, want)
	}
	a, err := s.FindActivityByID(t.Context(), activityID)
	if err != nil || a.SeatsLeft != seats-confirmed || a.LotterySeed != l.Seed {
		t.Errorf("activity after draw = %+v, %v", a, err)
	}
}

func TestDrawLotteryFamiliesAndWeights(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		a := fx.create(t, lotteryMode, func(a *culture.Activity) { a.Capacity = 2; a.LotteryWeighted = true })
		fam := fx.apply(t, a.ID, fx.residents[0], fx.family) // 2 seats
		fx.apply(t, a.ID, fx.residents[1])
		restricted := fx.apply(t, a.ID, fx.residents[2])
		fixExec(t, s, `UPDATE accounts SET restricted_until = ? WHERE id = ?`,
			activityTestNow.Add(24*time.Hour).Unix(), fx.residents[2])
		fx.setNow(activityTestNow.Add(time.Hour))
		l, err := s.DrawLottery(t.Context(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Verify(); err != nil {
			t.Errorf("Verify: %v", err)
		}
		seats := 0
		for _, e := range l.Entries {
			if e.Won {
				seats += e.Seats
			}
			if want := map[bool]float64{true: 0.5, false: 1}[e.BookingID == restricted.ID]; e.Weight != want {
				t.Errorf("booking %d weight %v, want %v", e.BookingID, e.Weight, want)
			}
			if e.BookingID == fam.ID && e.Won && seats != 2 {
				t.Errorf("family won with only %d seats", seats)
			}
		}
		if seats != 2 {
			t.Errorf("confirmed seats = %d, want 2", seats)
		}
	})
}

func TestDrawLotteryConcurrent(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		a := fx.create(t, lotteryMode, func(a *culture.Activity) { a.Capacity = 3 })
		for _, id := range fixAccounts(t, s, 6) {
			fx.apply(t, a.ID, id)
		}
		fx.setNow(activityTestNow.Add(time.Hour))
		var wg sync.WaitGroup
		results := make([]*culture.Lottery, 5)
		errs := make([]error, 5)
		for i := range 5 {
			wg.Go(func() { results[i], errs[i] = s.DrawLottery(t.Context(), a.ID) })
		}
		wg.Wait()
		for i := range 5 {
			if errs[i] != nil {
				t.Fatalf("draw %d: %v", i, errs[i])
			}
			if results[i].Seed != results[0].Seed || results[i].Winners() != 3 {
				t.Errorf("draw %d differs: %d winners", i, results[i].Winners())
			}
		}
		checkDrawn(t, s, results[0], a.ID, 3, 6)
	})
}

func TestDrawDueLotteries(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		due := fx.create(t, lotteryMode)
		fx.apply(t, due.ID, fx.residents[0])
		later := fx.create(t, lotteryMode, func(a *culture.Activity) { a.ClosesAt = activityTestNow.Add(3 * time.Hour) })
		fx.create(t) // first-come: never drawn
		fx.setNow(activityTestNow.Add(time.Hour))
		for _, want := range []int{1, 0} { // the second run finds nothing due
			n, err := s.DrawDueLotteries(t.Context())
			if err != nil || n != want {
				t.Fatalf("DrawDueLotteries = %d, %v; want %d", n, err, want)
			}
		}
		l, err := s.FindLottery(t.Context(), later.ID)
		if err != nil || l.Drawn() || l.Seed != "" {
			t.Errorf("later lottery = %+v, %v", l, err)
		}
	})
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A failing draw does not stop DrawDueLotteries: the other due lotteries
// are drawn and the errors are joined. A lottery cancelled after it was
// found due is skipped.
func TestDrawDueLotteriesContinuesAfterFailure(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		broken := fx.create(t, lotteryMode)
		good := fx.create(t, lotteryMode)
		fx.apply(t, broken.ID, fx.residents[0])
		fx.apply(t, good.ID, fx.residents[1])
		fixExec(t, s, `UPDATE activities SET lottery_seed = 'not hex' WHERE id = ?`, broken.ID)
		fx.setNow(activityTestNow.Add(time.Hour))
		defer fx.setNow(activityTestNow)
		n, err := s.DrawDueLotteries(t.Context())
		if n != 1 || err == nil || !strings.Contains(err.Error(), fmt.Sprintf("DrawLottery(%d)", broken.ID)) {
			t.Errorf("DrawDueLotteries = %d, %v; want 1 and the broken draw's error", n, err)
		}
		if l, err := s.FindLottery(t.Context(), good.ID); err != nil || !l.Drawn() {
			t.Errorf("good lottery = %+v, %v; want drawn", l, err)
		}
	})
}
