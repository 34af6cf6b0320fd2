package culture

import (
	"testing"
	"time"
)

func TestReserveReleaseBeforeStart(t *testing.T) {
	start := time.Date(2026, 12, 1, 6, 30, 0, 0, time.UTC)
	late := start.Add(time.Minute)
	a := &Activity{Capacity: 10, Mode: ModeFirstCome, StartsAt: start, ReservedWalkin: 2, ReserveReleaseAt: &late}
	if err := a.validateReserves(); err == nil {
		t.Fatal("release after the start accepted")
	}
	early := start.Add(-time.Hour)
	a.ReserveReleaseAt = &early
	if err := a.validateReserves(); err != nil {
		t.Fatalf("release before the start refused: %v", err)
	}
}
