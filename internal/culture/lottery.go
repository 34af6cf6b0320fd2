package culture

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// Lottery weights. A resident with a recent no-show (or unwaived late
// cancellation) in the last LotteryLookback, or under a no-show
// restriction, applies at LotteryWeightLow when the activity is weighted.
const (
	LotteryWeightNormal = 1.0
	LotteryWeightLow    = 0.5
	LotteryLookback     = 120 * 24 * time.Hour
)

// Application is one lottery application as the draw sees it.
type Application struct {
	BookingID int64
	Seats     int
	Weight    float64
}

// Draw orders lottery applications. It is a pure, documented function of
// the seed bytes, the booking ids and the weights (docs/lottery.md), so
// anyone holding the published seed and list can recompute it:
//
//  1. sort apps by BookingID ascending;
//  2. for each, h = SHA-256(seed || ":" || decimal BookingID), x = the
//     first 8 bytes of h as a big-endian uint64, and
//     u = (float64(x) + 0.5) / 2^64 in IEEE-754 double arithmetic;
//  3. key = -ln(u) / Weight (Efraimidis–Spirakis weighted sampling
//     without replacement: a higher weight tends to a smaller key);
//  4. order by key ascending, ties by BookingID ascending.
//
// The input slice is not changed. Weights must be positive.
func Draw(seed []byte, apps []Application) []Application {
	type keyed struct {
		app Application
		key float64
	}
	ks := make([]keyed, len(apps))
	for i, a := range apps {
		ks[i] = keyed{a, DrawKey(seed, a.BookingID, a.Weight)}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int {
		if a.key != b.key {
			if a.key < b.key {
				return -1
			}
			return 1
		}
		return compareID(a.app.BookingID, b.app.BookingID)
	})
	out := make([]Application, len(ks))
	for i, k := range ks {
		out[i] = k.app
	}
	return out
}

func compareID(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// DrawUniform returns u in (0, 1] for one application: the first 8 bytes
// of SHA-256(seed || ":" || decimal id), big-endian, plus one half, over
// 2^64, in float64.
func DrawUniform(seed []byte, bookingID int64) float64 {
	msg := make([]byte, 0, len(seed)+21)
	msg = append(msg, seed...)
	msg = append(msg, ':')
	msg = strconv.AppendInt(msg, bookingID, 10)
	h := sha256.Sum256(msg)
	x := binary.BigEndian.Uint64(h[:8])
	return (float64(x) + 0.5) / (1 << 64)
}

// DrawKey is an application's sort key in Draw: -ln(u) / weight.
func DrawKey(seed []byte, bookingID int64, weight float64) float64 {
	return -math.Log(DrawUniform(seed, bookingID)) / weight
}

// Allocate walks the draw order and marks the applications that win: each
// wins if all its seats still fit in the seats left, otherwise it is
// skipped (a family application needs all its seats) and the walk goes on.
// The rest go to the waiting list in draw order.
func Allocate(order []Application, seats int) []bool {
	won := make([]bool, len(order))
	for i, a := range order {
		if a.Seats <= seats {
			won[i] = true
			seats -= a.Seats
		}
	}
	return won
}

// Lottery is the public record of an activity's lottery: the commitment
// from the start, and after the draw the seed and the ordered entries.
type Lottery struct {
	Activity *Activity `json:"-"`
	// Commitment is hex(SHA-256(seed bytes)), published when the activity
	// is created.
	Commitment string `json:"commitment"`
	// Seed is the hex seed, empty until the draw.
	Seed     string     `json:"seed,omitempty"`
	DrawAt   time.Time  `json:"draw_at"`
	DrawnAt  *time.Time `json:"drawn_at,omitempty"`
	Weighted bool       `json:"weighted"`
	// Seats is the number of seats the draw had to give out.
	Seats int `json:"seats"`
	// Applications counts the applications (before the draw: so far).
	Applications int `json:"applications"`
	// Entries lists the applications in draw order, after the draw.
	Entries []*LotteryEntry `json:"entries"`
}

// Drawn reports whether the draw has taken place.
func (l *Lottery) Drawn() bool { return l.DrawnAt != nil }

// Winners counts the winning entries.
func (l *Lottery) Winners() int {
	n := 0
	for _, e := range l.Entries {
		if e.Won {
			n++
		}
	}
	return n
}

// LotteryEntry is one application in the draw order.
type LotteryEntry struct {
	// Rank is the 1-based position in the draw order.
	Rank      int     `json:"rank"`
	BookingID int64   `json:"booking_id"`
	Seats     int     `json:"seats"`
	Weight    float64 `json:"weight"`
	Won       bool    `json:"won"`
	// Name is the applicant's masked name (or masked mobile number).
	Name string `json:"name"`
	// Status is the booking's status now (it may have moved on since).
	Status string `json:"status"`
}

// ApplicationList returns the entries as draw input, sorted by booking id.
func (l *Lottery) ApplicationList() []Application {
	apps := make([]Application, len(l.Entries))
	for i, e := range l.Entries {
		apps[i] = Application{BookingID: e.BookingID, Seats: e.Seats, Weight: e.Weight}
	}
	slices.SortFunc(apps, func(a, b Application) int { return compareID(a.BookingID, b.BookingID) })
	return apps
}

// Verify recomputes a drawn lottery from its public record: the seed must
// hash to the commitment, and Draw and Allocate over the entries (by booking
// id, with their recorded seats and weights) must give the recorded order
// and winners. The error names the first mismatch.
func (l *Lottery) Verify() error {
	if !l.Drawn() {
		return fmt.Errorf("not drawn yet (the draw is due at %s)", l.DrawAt.In(Shanghai).Format("2006-01-02 15:04"))
	}
	seed, err := hex.DecodeString(l.Seed)
	if err != nil {
		return fmt.Errorf("seed %q is not hex: %w", l.Seed, err)
	}
	if sum := sha256.Sum256(seed); hex.EncodeToString(sum[:]) != l.Commitment {
		return fmt.Errorf("commitment mismatch: SHA-256(seed) = %x, published commitment = %s", sum, l.Commitment)
	}
	order := Draw(seed, l.ApplicationList())
	won := Allocate(order, l.Seats)
	for i, a := range order {
		e := l.Entries[i]
		if e.BookingID != a.BookingID {
			return fmt.Errorf("order mismatch at rank %d: recomputed booking %d, recorded booking %d", i+1, a.BookingID, e.BookingID)
		}
		if e.Won != won[i] {
			return fmt.Errorf("outcome mismatch at rank %d (booking %d): recomputed won=%t, recorded won=%t", i+1, a.BookingID, won[i], e.Won)
		}
	}
	return nil
}

// ErrNotLottery refuses lottery requests on activities of another mode.
func ErrNotLottery(a *Activity) *Error {
	return Refuse(ENOTFOUND, ReasonNotLottery, "该活动不是抽签活动（预约方式："+a.ModeLabel()+"）。")
}

// LotteryService draws lotteries and shows their results.
type LotteryService interface {
	// FindLottery returns an activity's lottery; the seed and entries only
	// after the draw. Other modes are refused with ReasonNotLottery.
	FindLottery(ctx context.Context, activityID int64) (*Lottery, error)
	// DrawLottery draws a lottery whose window has closed; drawing one
	// already drawn returns the stored result.
	DrawLottery(ctx context.Context, activityID int64) (*Lottery, error)
	// DrawDueLotteries draws every lottery whose window has closed and
	// returns how many this call drew.
	DrawDueLotteries(ctx context.Context) (int, error)
}
