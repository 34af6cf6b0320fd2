package sqlstore_test

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
	"github.com/wenyun/wenyun/internal/sqlstore/sqltest"
)

// statSeeds returns n seeds from a base that is logged, so that a failure
// can be replayed with WENYUN_STATS_SEED=base.
func statSeeds(t *testing.T, n int) []uint64 {
	t.Helper()
	base := uint64(time.Now().UnixNano())
	if v := os.Getenv("WENYUN_STATS_SEED"); v != "" {
		var err error
		if base, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("WENYUN_STATS_SEED=%q: %v", v, err)
		}
	}
	t.Logf("seeds %d to %d (replay with WENYUN_STATS_SEED=%d)", base, base+uint64(n)-1, base)
	seeds := make([]uint64, n)
	for i := range seeds {
		seeds[i] = base + uint64(i)
	}
	return seeds
}

// TestRollupsProperty: over random histories, the stored rollup equals
// the Go oracle and the recount, for the whole tree and for random
// subtrees and ranges, and stays equal through random changes.
func TestRollupsProperty(t *testing.T) {
	seeds := statSeeds(t, 6)
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			for _, seed := range seeds {
				t.Run(strconv.FormatUint(seed, 10), func(t *testing.T) {
					w := newStatWorld(t, sqltest.Open(t, engine), seed, smallWorld)
					w.checkCoverage(t, w.expected())
					w.checkRebuild(t, "generated")
					for round := 1; round <= 3; round++ {
						w.mutate(t)
						w.checkRebuild(t, fmt.Sprintf("after changes %d", round))
					}
				})
			}
		})
	}
}

// statSpan is a range wide enough for every row of a world.
func (w *statWorld) statSpan() (culture.Day, culture.Day) {
	today := culture.DayOf(w.now)
	return today - 500, today + 500
}

// checkRebuild rebuilds and compares with the oracle.
func (w *statWorld) checkRebuild(t *testing.T, when string) {
	t.Helper()
	run, err := w.s.RebuildRollups(t.Context(), nil)
	if err != nil {
		t.Fatalf("%s: RebuildRollups: %v", when, err)
	}
	want := w.expected()
	if run.Rows != len(want) {
		t.Errorf("%s: RebuildRollups reports %d rows, the oracle has %d", when, run.Rows, len(want))
	}
	if diff := cmp.Diff(want, w.findAll(t)); diff != "" {
		t.Fatalf("%s: stored rollup differs from the oracle (-oracle +stored):\n%s", when, diff)
	}
	recount, err := w.s.RecountRollups(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, recount); diff != "" {
		t.Fatalf("%s: RecountRollups differs from the oracle (-oracle +recount):\n%s", when, diff)
	}
	for range 8 {
		w.checkSubtree(t, when, want)
	}
}

// checkCoverage fails unless the world gives every metric some rows, and
// some with more than one fact, so that no metric is compared vacuously.
func (w *statWorld) checkCoverage(t *testing.T, rows []culture.StatRow) {
	t.Helper()
	count, big := map[string]int{}, map[string]bool{}
	for _, r := range rows {
		count[r.Metric]++
		big[r.Metric] = big[r.Metric] || r.Value > 1
	}
	for _, m := range culture.Metrics {
		if count[m] == 0 || !big[m] {
			t.Fatalf("the world has %d rows of %s (any value above 1: %t); grow it", count[m], m, big[m])
		}
	}
}

// findAll reads the stored rows of every hub's tree.
func (w *statWorld) findAll(t *testing.T) []culture.StatRow {
	t.Helper()
	from, to := w.statSpan()
	all := []culture.StatRow{}
	for _, hub := range w.hubs {
		rows, err := w.s.FindRollups(t.Context(), culture.StatsQuery{UnitID: hub.ID, From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, rows...)
	}
	sortRowsForTest(all)
	return all
}

// randomRange returns a random range of days around now.
func (w *statWorld) randomRange() (culture.Day, culture.Day) {
	today := culture.DayOf(w.now)
	from := today - 100 + culture.Day(w.rng.IntN(150))
	return from, from + culture.Day(w.rng.IntN(90))
}

// checkSubtree compares FindRollups (in its own order) and
// UniqueParticipants for a random unit and range with the oracle.
func (w *statWorld) checkSubtree(t *testing.T, when string, want []culture.StatRow) {
	t.Helper()
	root := pick(w.rng, w.units)
	from, to := w.randomRange()
	got, err := w.s.FindRollups(t.Context(), culture.StatsQuery{UnitID: root.ID, From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(w.filterRows(want, root.ID, from, to), got); diff != "" {
		t.Fatalf("%s: FindRollups(%s, %s to %s) (-oracle +stored):\n%s", when, root.Name, from, to, diff)
	}
	roots := []int64{root.ID, pick(w.rng, w.units).ID, pick(w.rng, w.hubs).ID}
	n, err := w.s.UniqueParticipants(t.Context(), roots, from, to)
	if err != nil {
		t.Fatal(err)
	}
	wantN := map[int64]int{}
	for _, r := range roots {
		wantN[r] = w.uniqueParticipants(r, from, to)
	}
	if diff := cmp.Diff(wantN, n); diff != "" {
		t.Fatalf("%s: UniqueParticipants(%v, %s to %s) (-oracle +stored):\n%s", when, roots, from, to, diff)
	}
}

// mutate makes one change of each kind, to random rows, through the
// store where it has a method and with the store's UPDATE otherwise; then
// moves the clock.
func (w *statWorld) mutate(t *testing.T) {
	t.Helper()
	w.cancelActivity(t)
	w.moderate(t, true)
	w.moderate(t, false)
	w.leaveAndJoin(t)
	w.holdDelivery(t)
	w.checkIn(t)
	w.now = w.now.Add(time.Duration(1+w.rng.IntN(20))*24*time.Hour + time.Duration(w.rng.IntN(86400))*time.Second)
}

func (w *statWorld) cancelActivity(t *testing.T) {
	t.Helper()
	open := slices.DeleteFunc(slices.Clone(w.activities), func(a *wActivity) bool { return a.st == culture.ActivityCancelled })
	if len(open) == 0 {
		return
	}
	a := pick(w.rng, open)
	if err := w.s.CancelActivity(t.Context(), a.id); err != nil {
		t.Fatal(err)
	}
	a.st = culture.ActivityCancelled
	for _, b := range w.bookings {
		if b.activity == a.id && slices.Contains(cancelledWithActivity, b.status()) {
			b.path = append(slices.Clone(b.path), culture.BookingCancelled)
		}
	}
}

// moderate hides a visible rating, or shows a hidden one again.
func (w *statWorld) moderate(t *testing.T, hide bool) {
	t.Helper()
	var cand []*wRating
	for _, r := range w.ratings {
		if r.hidden != hide {
			cand = append(cand, r)
		}
	}
	if len(cand) == 0 {
		return
	}
	r, reason := pick(w.rng, cand), ""
	if hide {
		reason = "含广告内容"
	}
	if err := w.s.HideRating(t.Context(), r.id, hide, reason, w.moderator); err != nil {
		t.Fatal(err)
	}
	r.hidden = hide
}

// leaveAndJoin has a member leave and an account join a community now.
func (w *statWorld) leaveAndJoin(t *testing.T) {
	t.Helper()
	for m := range w.members { // map order: random enough
		if err := w.s.LeaveCommunity(t.Context(), m.account, m.unit); err != nil {
			t.Fatal(err)
		}
		delete(w.members, m)
		break
	}
	m := wMember{unit: pick(w.rng, w.sites).ID, account: pick(w.rng, w.accounts)}
	if _, ok := w.members[m]; ok {
		return
	}
	if err := w.s.JoinCommunity(t.Context(), m.account, m.unit); err != nil {
		t.Fatal(err)
	}
	w.members[m] = w.now.Unix()
}

// holdDelivery marks a confirmed or published delivery held.
func (w *statWorld) holdDelivery(t *testing.T) {
	t.Helper()
	var cand []*wDelivery
	for _, d := range w.deliveries {
		if d.status == culture.DeliveryConfirmed || d.status == culture.DeliveryPublished {
			cand = append(cand, d)
		}
	}
	if len(cand) == 0 {
		return
	}
	d := pick(w.rng, cand)
	w.exec(t, `UPDATE deliveries SET status = 'held' WHERE id = `+strconv.FormatInt(d.id, 10))
	d.status = culture.DeliveryHeld
}

// checkIn checks in a confirmed or no-show booking of a started activity.
func (w *statWorld) checkIn(t *testing.T) {
	t.Helper()
	var cand []*wBooking
	for _, b := range w.bookings {
		st := b.status()
		if (st == culture.BookingConfirmed || st == culture.BookingNoShow) && w.activity(b.activity).starts <= w.now.Unix() {
			cand = append(cand, b)
		}
	}
	if len(cand) == 0 {
		return
	}
	b := pick(w.rng, cand)
	if err := setBookingStatus(t.Context(), w.s.DB(), culture.BookingCheckedIn, []int64{b.id}); err != nil {
		t.Fatal(err)
	}
	b.path = append(slices.Clone(b.path), culture.BookingCheckedIn)
}

func (w *statWorld) exec(t *testing.T, q string) {
	t.Helper()
	if _, err := w.s.DB().ExecContext(t.Context(), q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// TestRebuildRollupsAgain: a second rebuild stores the same rows, reports
// its progress step by step, and LastRollup reports it.
func TestRebuildRollupsAgain(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		if run, err := s.LastRollup(t.Context()); err != nil || run != (culture.RollupRun{}) {
			t.Fatalf("LastRollup before any rebuild = %+v, %v; want the zero run", run, err)
		}
		w := newStatWorld(t, s, 42, smallWorld)
		first, err := s.RebuildRollups(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		rows := w.findAll(t)
		if len(rows) == 0 || first.Rows != len(rows) {
			t.Fatalf("first rebuild: %d rows reported, %d stored", first.Rows, len(rows))
		}
		var steps [][2]int
		second, err := s.RebuildRollups(t.Context(), func(done, total int) { steps = append(steps, [2]int{done, total}) })
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(rows, w.findAll(t)); diff != "" {
			t.Errorf("second rebuild changed the rows (-first +second):\n%s", diff)
		}
		if second.Rows != first.Rows || !second.Finished.Equal(w.now.Truncate(time.Second)) {
			t.Errorf("second run = %+v; want %d rows finished at %s", second, first.Rows, w.now)
		}
		if len(steps) < 2 || steps[len(steps)-1][0] != steps[0][1] || !stepsRise(steps) {
			t.Errorf("progress = %v; want done rising by one to total", steps)
		}
		last, err := s.LastRollup(t.Context())
		if err != nil || last != second {
			t.Errorf("LastRollup = %+v, %v; want %+v", last, err, second)
		}
	})
}

func stepsRise(steps [][2]int) bool {
	for i, st := range steps {
		if st[0] != i+1 || st[1] != steps[0][1] {
			return false
		}
	}
	return true
}

// TestFindRollupsErrors: unknown units and bad ranges are refused with
// the domain's errors.
func TestFindRollupsErrors(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		hub := unitFixtureCreate(t, s, culture.UnitHub, "区文化馆", nil)
		today := culture.DayOf(statWorldNow)
		rangeErr := culture.CheckRange(today, today-1)
		longErr := culture.CheckRange(today-culture.MaxStatsDays, today)
		tests := []struct {
			name     string
			unit     int64
			from, to culture.Day
			code     string
			msg      string
		}{
			{"ErrUnknownUnit", hub.ID + 1000, today - 7, today, culture.ENOTFOUND, "单位不存在。"},
			{"ErrReversed", hub.ID, today, today - 1, culture.EINVALID, culture.ErrorMessage(rangeErr)},
			{"ErrTooLong", hub.ID, today - culture.MaxStatsDays, today, culture.EINVALID, culture.ErrorMessage(longErr)},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rows, err := s.FindRollups(t.Context(), culture.StatsQuery{UnitID: tt.unit, From: tt.from, To: tt.to})
				if culture.ErrorCode(err) != tt.code || culture.ErrorMessage(err) != tt.msg || rows != nil {
					t.Errorf("FindRollups = %v, %v; want %s %q", rows, err, tt.code, tt.msg)
				}
				n, err := s.UniqueParticipants(t.Context(), []int64{hub.ID, tt.unit}, tt.from, tt.to)
				if culture.ErrorCode(err) != tt.code || culture.ErrorMessage(err) != tt.msg || n != nil {
					t.Errorf("UniqueParticipants = %v, %v; want %s %q", n, err, tt.code, tt.msg)
				}
			})
		}
		t.Run("OKEmpty", func(t *testing.T) {
			rows, err := s.FindRollups(t.Context(), culture.StatsQuery{UnitID: hub.ID, From: today, To: today})
			if err != nil || rows == nil || len(rows) != 0 {
				t.Errorf("FindRollups before any rebuild = %#v, %v; want no rows", rows, err)
			}
		})
	})
}

// TestRebuildRollupsConcurrent: rebuilds running at once, in two
// goroutines of each of two stores on one database (two processes), all
// succeed, and the rollup equals the oracle.
func TestRebuildRollupsConcurrent(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			dsn := sqltest.DSN(t, engine)
			var stores []*sqlstore.Store
			for range 2 {
				s, err := sqlstore.Open(t.Context(), dsn, sqlstore.Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				stores = append(stores, s)
			}
			w := newStatWorld(t, stores[0], 7, smallWorld)
			stores[1].Now = stores[0].Now
			var wg sync.WaitGroup
			runs := make([]culture.RollupRun, 4)
			for i := range runs {
				wg.Go(func() {
					var err error
					if runs[i], err = stores[i%2].RebuildRollups(t.Context(), nil); err != nil {
						t.Errorf("rebuild %d: %v", i, err)
					}
				})
			}
			wg.Wait()
			want := w.expected()
			for i, run := range runs {
				if run.Rows != len(want) {
					t.Errorf("rebuild %d stored %d rows, want %d", i, run.Rows, len(want))
				}
			}
			if diff := cmp.Diff(want, w.findAll(t)); diff != "" {
				t.Fatalf("after concurrent rebuilds (-oracle +stored):\n%s", diff)
			}
			w.s = stores[1]
			if diff := cmp.Diff(want, w.findAll(t)); diff != "" {
				t.Fatalf("read from the second store (-oracle +stored):\n%s", diff)
			}
		})
	}
}

// TestCheckRollups: the stored rollup checks equal to its recount; a
// changed, a removed and a stray row, and a lost participant, show.
func TestCheckRollups(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		w := newStatWorld(t, s, 11, smallWorld)
		if _, err := s.RebuildRollups(t.Context(), nil); err != nil {
			t.Fatal(err)
		}
		c, err := s.CheckRollups(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(c.Recount, c.Stored); diff != "" || c.MissingParticipants+c.ExtraParticipants != 0 {
			t.Fatalf("fresh rollup: %+d/%+d participants, rows (-recount +stored):\n%s",
				c.MissingParticipants, c.ExtraParticipants, diff)
		}
		want := w.expected()
		if diff := cmp.Diff(want, c.Recount); diff != "" {
			t.Fatalf("recount (-oracle +recount):\n%s", diff)
		}
		w.exec(t, `UPDATE stat_daily SET value = value + 1 WHERE metric = 'bookings'`)
		w.exec(t, `DELETE FROM stat_participants WHERE account_id IN (SELECT MIN(account_id) FROM stat_participants)`)
		w.exec(t, `INSERT INTO stat_participants (unit_id, day, account_id) VALUES (1, 1, 1)`)
		c, err = s.CheckRollups(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Recount) != len(c.Stored) {
			t.Fatalf("recount %d rows, stored %d; want only values changed", len(c.Recount), len(c.Stored))
		}
		differ := 0
		for i := range c.Recount {
			if c.Recount[i] != c.Stored[i] {
				differ++
				if c.Recount[i].Metric != culture.MetricBookings || c.Stored[i].Value != c.Recount[i].Value+1 {
					t.Errorf("row %d: recount %+v, stored %+v", i, c.Recount[i], c.Stored[i])
				}
			}
		}
		if differ == 0 || c.MissingParticipants == 0 || c.ExtraParticipants != 1 {
			t.Errorf("after tampering: %d rows differ, %d participants missing, %d extra; want some, some, 1",
				differ, c.MissingParticipants, c.ExtraParticipants)
		}
	})
}

// TestRollupBookingsThroughStore: through the store's own booking paths,
// a confirmed booking cancelled later still counts as made; a pending
// request and a waiting-list place (offered, then cancelled) never do.
func TestRollupBookingsThroughStore(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := t.Context()
		now := statWorldNow
		s.Now = func() time.Time { return now }
		hub := unitFixtureCreate(t, s, culture.UnitHub, "区文化馆", nil)
		branch := unitFixtureCreate(t, s, culture.UnitBranch, "解放分馆", hub)
		start := now.Add(48 * time.Hour)
		activity := func(mode string) int64 {
			a := &culture.Activity{UnitID: branch.ID, Title: "少儿书法体验课", Category: "书法美术", StartsAt: start,
				EndsAt: start.Add(time.Hour), Capacity: 1, Mode: mode, OpensAt: now.Add(-time.Hour), ClosesAt: start, MaxPerBooking: 1}
			if _, err := s.CreateActivity(ctx, a, 1); err != nil {
				t.Fatal(err)
			}
			return a.ID
		}
		firstCome, approval := activity(culture.ModeFirstCome), activity(culture.ModeApproval)
		r := dfxResidents(t, s, 3)
		book := func(activityID int64, acc *culture.Account, want string) *culture.Booking {
			b, err := s.CreateBooking(ctx, &culture.BookingRequest{ActivityID: activityID, AccountID: acc.ID, Self: true, Waitlist: true})
			if err != nil || b.Status != want {
				t.Fatalf("CreateBooking = %+v, %v; want %s", b, err, want)
			}
			return b
		}
		confirmed := book(firstCome, r[0], culture.BookingConfirmed)
		waiting := book(firstCome, r[1], culture.BookingWaitlisted)
		pending := book(approval, r[2], culture.BookingPending)
		count := func(n int64) {
			t.Helper()
			if _, err := s.RebuildRollups(ctx, nil); err != nil {
				t.Fatal(err)
			}
			today := culture.DayOf(now)
			rows, err := s.FindRollups(ctx, culture.StatsQuery{UnitID: hub.ID, From: today, To: today})
			if err != nil {
				t.Fatal(err)
			}
			want := []culture.StatRow{{UnitID: branch.ID, Day: today, Metric: culture.MetricBookings, Value: n}}
			if diff := cmp.Diff(want, rows); diff != "" {
				t.Errorf("rollup of today (-want +got):\n%s", diff)
			}
		}
		count(1)
		for _, b := range []*culture.Booking{confirmed, waiting, pending} {
			if _, err := s.CancelBooking(ctx, b.AccountID, b.ID); err != nil {
				t.Fatal(err)
			}
		}
		count(1)
	})
}
