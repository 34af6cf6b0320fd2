package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
	"github.com/wenyun/wenyun/internal/sqlstore/sqltest"
)

// statsCLINow is the clock of the stats command tests: Saturday 20 June
// 2026, 12:00 in Shanghai.
var statsCLINow = time.Date(2026, 6, 20, 12, 0, 0, 0, culture.Shanghai)

// seedStatsCLI stores, through the store, a branch with an activity held
// three days before statsCLINow (three bookings made the day before: two
// came, one no-show) and one community member. It returns the store, the
// branch and the activity's day.
func seedStatsCLI(t *testing.T, db string) (*sqlstore.Store, *culture.Unit, culture.Day) {
	t.Helper()
	ctx := context.Background()
	s := openStore(t, db)
	start := statsCLINow.Add(-3*24*time.Hour - 2*time.Hour) // 10:00
	at := func(d time.Duration) { s.Now = func() time.Time { return start.Add(d) } }
	at(-24 * time.Hour)
	hub := &culture.Unit{Kind: culture.UnitHub, Name: "解放区文化馆"}
	must(t, s.CreateUnit(ctx, hub))
	branch := &culture.Unit{Kind: culture.UnitBranch, Name: "焦西分馆", ParentID: &hub.ID}
	must(t, s.CreateUnit(ctx, branch))
	a := &culture.Activity{UnitID: branch.ID, Title: "少儿书法体验课", Category: "书法美术", StartsAt: start,
		EndsAt: start.Add(90 * time.Minute), Capacity: 30, Mode: culture.ModeFirstCome,
		OpensAt: start.Add(-48 * time.Hour), ClosesAt: start, MaxPerBooking: 2}
	_, err := s.CreateActivity(ctx, a, 1)
	must(t, err)
	var codes []string
	for _, phone := range []string{"13800000001", "13800000002", "13800000003"} {
		r, err := s.FindOrCreateResident(ctx, phone)
		must(t, err)
		b, err := s.CreateBooking(ctx, &culture.BookingRequest{ActivityID: a.ID, AccountID: r.ID, Self: true})
		must(t, err)
		codes = append(codes, b.Code)
		if phone == "13800000001" {
			must(t, s.JoinCommunity(ctx, r.ID, branch.ID))
		}
	}
	at(10 * time.Minute)
	for _, code := range codes[:2] {
		_, err := s.CheckInCode(ctx, code, 0, 0)
		must(t, err)
	}
	at(3 * time.Hour)
	_, err = s.SettleAttendance(ctx)
	must(t, err)
	s.Now = func() time.Time { return statsCLINow }
	return s, branch, culture.DayOf(start)
}

// runStatsCLI runs "wenyun stats ARGS" at statsCLINow.
func runStatsCLI(args ...string) (stdout, stderr string, err error) {
	var out, errb bytes.Buffer
	o := Options{Stdout: &out, Stderr: &errb, now: func() time.Time { return statsCLINow }}
	err = o.Run(context.Background(), append([]string{"stats"}, args...))
	return out.String(), errb.String(), err
}

// forEachStatsDB runs fn on a fresh database of each engine (sqltest).
func forEachStatsDB(t *testing.T, fn func(t *testing.T, db string)) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) { fn(t, sqltest.DSN(t, engine)) })
	}
}

func TestStatsRebuildVerify(t *testing.T) {
	forEachStatsDB(t, testStatsRebuildVerify)
}

func testStatsRebuildVerify(t *testing.T, db string) {
	s, branch, day := seedStatsCLI(t, db)
	ctx := context.Background()

	out, errOut, err := runStatsCLI("rebuild", "--db", db)
	if err != nil {
		t.Fatalf("rebuild: %v\n%s", err, errOut)
	}
	m := regexp.MustCompile(`^rebuilt (\d+) rollup rows in \S+\n$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("rebuild stdout = %q", out)
	}
	if !regexp.MustCompile(`(?m)^rollups  15/15  100%  \S+ done$`).MatchString(errOut) {
		t.Errorf("no final progress line on stderr:\n%s", errOut)
	}
	rows, err := s.FindRollups(ctx, culture.StatsQuery{UnitID: branch.ID, From: day - 1, To: day})
	must(t, err)
	if itoa(int64(len(rows))) != m[1] {
		t.Errorf("rebuild reported %s rows, the store holds %d", m[1], len(rows))
	}
	got := map[string]int64{}
	for _, r := range rows {
		got[r.Metric] += r.Value
	}
	want := map[string]int64{culture.MetricActivities: 1, culture.MetricBookable: 1, culture.MetricBookings: 3,
		culture.MetricCheckins: 2, culture.MetricNoShows: 1, culture.MetricAttendance: 2,
		culture.MetricParticipants: 2, culture.MetricMembers: 1}
	for metric, n := range want {
		if got[metric] != n {
			t.Errorf("stored %s = %d, want %d (all: %v)", metric, got[metric], n, got)
		}
	}

	out, _, err = runStatsCLI("verify", "--db", db)
	if err != nil || !strings.HasPrefix(out, "verified: the "+m[1]+" stored rollup rows equal a recount") ||
		!strings.Contains(out, "rebuilt 2026-06-20 12:00:00 Asia/Shanghai") {
		t.Fatalf("verify after rebuild: %v\n%s", err, out)
	}

	// Tamper with the stored rollup: a changed value, a lost row, a stray
	// row and a stray participant all show, and verify exits 1.
	for _, q := range []string{
		`UPDATE stat_daily SET value = value + 5 WHERE metric = 'checkins'`,
		`DELETE FROM stat_daily WHERE metric = 'members'`,
		`INSERT INTO stat_daily (unit_id, day, metric, dim, value) VALUES (` + itoa(branch.ID) + `, ` + itoa(int64(day)) + `, 'ratings', '', 9)`,
		`INSERT INTO stat_participants (unit_id, day, account_id) VALUES (1, 1, 1)`,
	} {
		if _, err := s.DB().Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	out, _, err = runStatsCLI("verify", "--db", db)
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "drift: the stored rollup differs from a recount of the raw rows on days before 2026-06-20 (3 rows, 1 participants)") {
		t.Fatalf("verify after tampering: err = %v (exit %d), want exit 1 with 3 rows\n%s", err, exitCode(err), out)
	}
	for _, line := range []string{
		`^drift \(days before 2026-06-20, the day of the last rebuild\): 3 rows differ$`,
		day.String() + `  \d+ +checkins +7 +2`,
		`\d+ +members +0 +1`,
		day.String() + `  ` + itoa(branch.ID) + ` +ratings +9 +0`,
		`participants: 0 check-ins .* missing .*, 1 stored that the raw rows lack`,
	} {
		if !regexp.MustCompile(`(?m)` + line).MatchString(out) {
			t.Errorf("verify output lacks %q:\n%s", line, out)
		}
	}

	if strings.Contains(out, "lag (") {
		t.Errorf("verify shows lag, want drift only:\n%s", out)
	}
	if _, _, err := runStatsCLI("rebuild", "--db", db); err != nil {
		t.Fatal(err)
	}
	if out, _, err := runStatsCLI("verify", "--db", db); err != nil || !strings.HasPrefix(out, "verified: the ") {
		t.Errorf("verify after a new rebuild: %v\n%s", err, out)
	}
}

// TestStatsVerifyLag: rows written since the last rebuild (a booking made
// today) show as lag and pass, unless --strict; drift on an earlier day
// fails beside them; before any rebuild everything is drift.
func TestStatsVerifyLag(t *testing.T) {
	forEachStatsDB(t, func(t *testing.T, db string) {
		s, branch, day := seedStatsCLI(t, db)
		out, _, err := runStatsCLI("verify", "--db", db)
		if exitCode(err) != 1 || !strings.Contains(err.Error(), "the rollup was never rebuilt") ||
			!strings.Contains(out, "drift (the rollup was never rebuilt): ") {
			t.Fatalf("verify before any rebuild: err = %v, want exit 1, never rebuilt\n%s", err, out)
		}
		if _, _, err := runStatsCLI("rebuild", "--db", db); err != nil {
			t.Fatal(err)
		}
		bookTodayCLI(t, s, branch)
		today := culture.DayOf(statsCLINow)

		out, _, err = runStatsCLI("verify", "--db", db)
		if err != nil {
			t.Fatalf("verify with lag only: %v, want success\n%s", err, out)
		}
		lagHead := `^lag \(on or after 2026-06-20: written since the last rebuild, 2026-06-20 12:00:00 Asia/Shanghai; expected, the next rebuild stores them\): 1 rows differ$`
		for _, line := range []string{
			lagHead,
			`^` + today.String() + `  ` + itoa(branch.ID) + ` +bookings +0 +1 *$`,
			`^verified: no drift; the stored rollup equals a recount of the raw rows before 2026-06-20 \(\d+ rows\); 1 rows and 0 participants on or after it lag \(last rebuilt 2026-06-20 12:00:00 Asia/Shanghai\)$`,
		} {
			if !regexp.MustCompile(`(?m)` + line).MatchString(out) {
				t.Errorf("verify output lacks %q:\n%s", line, out)
			}
		}
		if strings.Contains(out, "drift (") {
			t.Errorf("verify with lag only shows drift:\n%s", out)
		}

		out, _, err = runStatsCLI("verify", "--strict", "--db", db)
		if exitCode(err) != 1 || !strings.Contains(err.Error(), "--strict: 1 rows and 0 participants differ on or after 2026-06-20") {
			t.Fatalf("verify --strict with lag: err = %v, want exit 1\n%s", err, out)
		}

		if _, err := s.DB().Exec(`UPDATE stat_daily SET value = value + 1 WHERE metric = 'attendance'`); err != nil {
			t.Fatal(err)
		}
		out, _, err = runStatsCLI("verify", "--db", db)
		if exitCode(err) != 1 || !strings.Contains(err.Error(), "on days before 2026-06-20 (1 rows, 0 participants)") {
			t.Fatalf("verify with drift and lag: err = %v, want exit 1 for 1 row of drift\n%s", err, out)
		}
		drift, lag, ok := strings.Cut(out, "lag (")
		if !ok || !regexp.MustCompile(`(?m)^`+day.String()+`  `+itoa(branch.ID)+` +attendance +3 +2 *$`).MatchString(drift) ||
			strings.Contains(drift, "bookings") || !strings.Contains(lag, "bookings") || strings.Contains(lag, "attendance") {
			t.Errorf("want attendance under drift and bookings under lag:\n%s", out)
		}
	})
}

// bookTodayCLI books, at statsCLINow, an activity of branch's that starts
// tomorrow: a booking made today, after the rebuild.
func bookTodayCLI(t *testing.T, s *sqlstore.Store, branch *culture.Unit) {
	t.Helper()
	ctx := context.Background()
	start := statsCLINow.Add(24 * time.Hour)
	a := &culture.Activity{UnitID: branch.ID, Title: "社区合唱排练", Category: "音乐", StartsAt: start,
		EndsAt: start.Add(time.Hour), Capacity: 20, Mode: culture.ModeFirstCome,
		OpensAt: statsCLINow.Add(-time.Hour), ClosesAt: start, MaxPerBooking: 1}
	_, err := s.CreateActivity(ctx, a, 1)
	must(t, err)
	r, err := s.FindOrCreateResident(ctx, "13800000009")
	must(t, err)
	_, err = s.CreateBooking(ctx, &culture.BookingRequest{ActivityID: a.ID, AccountID: r.ID, Self: true})
	must(t, err)
}

func TestStatsUsage(t *testing.T) {
	db := tempDB(t)
	tests := []struct {
		name string
		args []string
		out  string // in stdout
		err  string // in the error; "" for none
		code int
	}{
		{"Help", []string{"-h"}, "wenyun stats verify", "", 0},
		{"ErrNoSubcommand", []string{"--db", db}, "", `want "wenyun stats rebuild" or "wenyun stats verify"`, 2},
		{"ErrUnknownSubcommand", []string{"recount", "--db", db}, "", `want "wenyun stats rebuild"`, 2},
		{"ErrDB", []string{"rebuild", "--db", "mysql://x"}, "", `--db "mysql://x": use sqlite:PATH`, 2},
		{"ErrExtraArgument", []string{"verify", "--db", db, "now"}, "", `unexpected argument "now"`, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := runStatsCLI(tt.args...)
			if code := exitCode(err); code != tt.code || (err != nil && !strings.Contains(err.Error(), tt.err)) {
				t.Fatalf("err = %v (exit %d), want exit %d with %q", err, code, tt.code, tt.err)
			}
			if !strings.Contains(out, tt.out) {
				t.Errorf("stdout lacks %q:\n%s", tt.out, out)
			}
		})
	}
}
