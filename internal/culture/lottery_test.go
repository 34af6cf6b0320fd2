package culture_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
)

// goldenSeed is the seed of the worked example in docs/lottery.md: the
// bytes 0x00, 0x01, ..., 0x1f.
var goldenSeed, _ = hex.DecodeString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")

// goldenApps are the example's applications (103 at the lower weight).
var goldenApps = []culture.Application{
	{BookingID: 105, Seats: 3, Weight: 1}, {BookingID: 101, Seats: 1, Weight: 1},
	{BookingID: 103, Seats: 1, Weight: 0.5}, {BookingID: 102, Seats: 2, Weight: 1},
	{BookingID: 104, Seats: 1, Weight: 1}, {BookingID: 106, Seats: 1, Weight: 1},
}

func TestDrawGolden(t *testing.T) {
	// Pinned values, recomputed independently in Python (docs/lottery.md).
	keys := map[int64]float64{
		101: 0.2873226790849366, 102: 1.8868918336336968, 103: 2.567297912161592,
		104: 0.6488046399031294, 105: 1.0263829646441187, 106: 1.0194330657498625,
	}
	for _, a := range goldenApps {
		if got := culture.DrawKey(goldenSeed, a.BookingID, a.Weight); got != keys[a.BookingID] {
			t.Errorf("key(%d) = %v, want %v", a.BookingID, got, keys[a.BookingID])
		}
	}
	if got, want := culture.DrawUniform(goldenSeed, 101), 0.7502695934672834; got != want {
		t.Errorf("u(101) = %v, want %v", got, want)
	}
	order := culture.Draw(goldenSeed, goldenApps)
	var ids []int64
	for _, a := range order {
		ids = append(ids, a.BookingID)
	}
	if diff := cmp.Diff([]int64{101, 104, 106, 105, 102, 103}, ids); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	// 4 seats: 101, 104, 106 take 3; 105 (3 seats) and 102 (2) do not fit
	// and are skipped; 103 takes the last seat.
	if diff := cmp.Diff([]bool{true, true, true, false, false, true}, culture.Allocate(order, 4)); diff != "" {
		t.Errorf("winners (-want +got):\n%s", diff)
	}
	if goldenApps[0].BookingID != 105 {
		t.Errorf("Draw changed its input")
	}
}

func TestDrawDeterministic(t *testing.T) {
	a := culture.Draw(goldenSeed, goldenApps)
	rev := make([]culture.Application, len(goldenApps))
	for i, x := range goldenApps {
		rev[len(rev)-1-i] = x
	}
	if diff := cmp.Diff(a, culture.Draw(goldenSeed, rev)); diff != "" {
		t.Errorf("input order changed the draw (-first +second):\n%s", diff)
	}
	other := culture.Draw([]byte("another seed"), goldenApps)
	if cmp.Equal(a, other) {
		t.Errorf("another seed gave the same order (possible but unlikely: check the seed is used)")
	}
}

func TestDrawWeighting(t *testing.T) {
	// 2000 deterministic draws of 10 applicants for 3 seats, applicants
	// 1..5 at weight 0.5: they must win clearly less often.
	apps := make([]culture.Application, 10)
	for i := range apps {
		apps[i] = culture.Application{BookingID: int64(i + 1), Seats: 1, Weight: 1}
		if i < 5 {
			apps[i].Weight = 0.5
		}
	}
	var low, normal int
	for trial := range 2000 {
		order := culture.Draw(fmt.Appendf(nil, "trial-%d", trial), apps)
		for i, won := range culture.Allocate(order, 3) {
			if !won {
				continue
			}
			if order[i].Weight < 1 {
				low++
			} else {
				normal++
			}
		}
	}
	if low+normal != 6000 {
		t.Fatalf("winners = %d, want 6000", low+normal)
	}
	// Unweighted, each half would win 0.5 of the seats; with half weight
	// the low group's expected share is about 0.35 (simulated).
	if share := float64(low) / 6000; share < 0.31 || share > 0.38 {
		t.Errorf("low-weight share of wins = %.3f, want about 0.35", share)
	}
	t.Logf("wins: weight 0.5 → %d, weight 1 → %d", low, normal)
}

func TestAllocateFamilies(t *testing.T) {
	order := []culture.Application{
		{BookingID: 1, Seats: 2}, {BookingID: 2, Seats: 3}, {BookingID: 3, Seats: 1},
		{BookingID: 4, Seats: 2}, {BookingID: 5, Seats: 1},
	}
	tests := []struct {
		name  string
		seats int
		want  []bool
	}{
		{"NoSeats", 0, []bool{false, false, false, false, false}},
		{"FamilySkipped", 4, []bool{true, false, true, false, true}},
		{"AllFit", 9, []bool{true, true, true, true, true}},
		{"ExactFit", 5, []bool{true, true, false, false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, culture.Allocate(order, tt.seats)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestLotteryVerify(t *testing.T) {
	sum := sha256.Sum256(goldenSeed)
	drawn := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	good := func() *culture.Lottery {
		l := &culture.Lottery{Commitment: hex.EncodeToString(sum[:]), Seed: hex.EncodeToString(goldenSeed),
			DrawnAt: &drawn, Seats: 4}
		order := culture.Draw(goldenSeed, goldenApps)
		for i, w := range culture.Allocate(order, 4) {
			a := order[i]
			l.Entries = append(l.Entries, &culture.LotteryEntry{Rank: i + 1, BookingID: a.BookingID,
				Seats: a.Seats, Weight: a.Weight, Won: w})
		}
		return l
	}
	if err := good().Verify(); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	tampered := map[string]func(l *culture.Lottery){
		"Seed":     func(l *culture.Lottery) { l.Seed = "ff" + l.Seed[2:] },
		"Winner":   func(l *culture.Lottery) { l.Entries[3].Won = true },
		"Weight":   func(l *culture.Lottery) { l.Entries[5].Weight = 1 },
		"Swapped":  func(l *culture.Lottery) { l.Entries[0], l.Entries[1] = l.Entries[1], l.Entries[0] },
		"NotDrawn": func(l *culture.Lottery) { l.DrawnAt = nil },
	}
	for name, tamper := range tampered {
		t.Run(name, func(t *testing.T) {
			l := good()
			tamper(l)
			if err := l.Verify(); err == nil {
				t.Errorf("Verify passed a tampered lottery")
			}
		})
	}
}
