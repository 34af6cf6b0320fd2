package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// seedLottery stores a lottery for 3 seats with 5 applications; the window
// closed an hour ago. With draw set, it is drawn.
func seedLottery(t *testing.T, db string, draw bool) *culture.Activity {
	t.Helper()
	ctx := context.Background()
	s := openStore(t, db)
	hub := &culture.Unit{Kind: culture.UnitHub, Name: "解放区文化馆"}
	if err := s.CreateUnit(ctx, hub); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	s.Now = func() time.Time { return now.Add(-2 * time.Hour) }
	start := now.Add(48 * time.Hour).Truncate(time.Hour)
	act := &culture.Activity{UnitID: hub.ID, Title: "亲子剪纸课", Category: "非遗",
		StartsAt: start, EndsAt: start.Add(time.Hour), Capacity: 3, MaxPerBooking: 2,
		Mode: culture.ModeLottery, OpensAt: now.Add(-3 * time.Hour), ClosesAt: now.Add(-time.Hour)}
	if _, err := s.CreateActivity(ctx, act, 1); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		acct, err := s.FindOrCreateResident(ctx, fmt.Sprintf("1390000100%d", i))
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.CreateBooking(ctx, &culture.BookingRequest{ActivityID: act.ID, AccountID: acct.ID, Self: true})
		if err != nil {
			t.Fatal(err)
		}
	}
	s.Now = time.Now
	if draw {
		if _, err := s.DrawLottery(ctx, act.ID); err != nil {
			t.Fatal(err)
		}
	}
	return act
}

func runErr(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, mapEnv(nil), &stdout, &stderr)
	return stdout.String(), err
}

func TestLotteryVerify(t *testing.T) {
	db := tempDB(t)
	act := seedLottery(t, db, true)
	t.Run("OK", func(t *testing.T) {
		out := runOK(t, nil, "lottery", "verify", itoa(act.ID), "--db", db)
		for _, want := range []string{"commitment " + act.LotteryCommit, "seed ", "verified", "won", "waitlist", "139****1000"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		if again := runOK(t, nil, "lottery", "verify", "--db", db, itoa(act.ID)); again != out {
			t.Errorf("flags first gave another output")
		}
	})
	t.Run("ErrNotLottery", func(t *testing.T) {
		fc := seedActivity(t, db)
		_, err := runErr(t, "lottery", "verify", itoa(fc.ID), "--db", db)
		want := fmt.Sprintf("activity %d is not a lottery (mode first_come)", fc.ID)
		if err == nil || err.Error() != want || exitCode(err) != 1 {
			t.Errorf("err = %v, want %q with exit 1", err, want)
		}
	})
	t.Run("ErrUsage", func(t *testing.T) {
		for _, args := range [][]string{{"lottery"}, {"lottery", "verify"}, {"lottery", "verify", "x"}} {
			if _, err := runErr(t, append(args, "--db", db)...); exitCode(err) != 2 {
				t.Errorf("%v: err = %v, want a usage error", args, err)
			}
		}
	})
	t.Run("ErrTamperedSeed", func(t *testing.T) {
		s := openStore(t, db)
		if _, err := s.DB().Exec(`UPDATE activities SET lottery_seed = ? WHERE id = ?`,
			strings.Repeat("ab", 32), act.ID); err != nil {
			t.Fatal(err)
		}
		out, err := runErr(t, "lottery", "verify", itoa(act.ID), "--db", db)
		if err == nil || !strings.Contains(err.Error(), "MISMATCH: commitment mismatch") || strings.Contains(out, "verified") {
			t.Errorf("err = %v, output:\n%s", err, out)
		}
	})
}

func TestLotteryVerifyNotDrawn(t *testing.T) {
	db := tempDB(t)
	act := seedLottery(t, db, false)
	out, err := runErr(t, "lottery", "verify", itoa(act.ID), "--db", db)
	if err == nil || !strings.Contains(err.Error(), "not drawn yet") || !strings.Contains(out, "secret until the draw") {
		t.Errorf("err = %v, output:\n%s", err, out)
	}
}
