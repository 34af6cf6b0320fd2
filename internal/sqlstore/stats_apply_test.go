package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// hookWriteTimeout bounds a write made from the rebuild hook. It is no
// timing assertion: were the rebuild holding the writer, the write would
// wait for the hook to return, that is for ever, and fail at this bound.
const hookWriteTimeout = 10 * time.Second

// bounded runs fn in a goroutine with a context that ends after
// hookWriteTimeout, and returns its result; or an error if fn has not
// returned a little after that (a write queued behind a writer that the
// calling goroutine holds may not even give up).
func bounded[T any](fn func(ctx context.Context) (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), hookWriteTimeout)
		defer cancel()
		v, err := fn(ctx)
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-time.After(hookWriteTimeout + 5*time.Second):
		var zero T
		return zero, errors.New("still waiting past its deadline")
	}
}

// TestRebuildRollupsWriterFree: between a rebuild's recount and its
// apply, a resident joins a community through the store, and succeeds —
// the recount holds no write lock (on SQLite a rebuild that recounted in
// its write transaction would keep the one writer, and the join would
// fail at its deadline). The rebuild then stores its snapshot, taken
// before the join; the next one adds the join.
func TestRebuildRollupsWriterFree(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		w := newStatWorld(t, s, 21, smallWorld)
		if _, err := s.RebuildRollups(t.Context(), nil); err != nil {
			t.Fatal(err)
		}
		before := w.expected()
		calls := 0
		sqlstore.SetRollupApplyHook(t, func(st *sqlstore.Store) {
			if st != s || calls > 0 {
				return
			}
			calls++
			m := w.newMember()
			_, err := bounded(func(ctx context.Context) (any, error) { return nil, s.JoinCommunity(ctx, m.account, m.unit) })
			if err != nil {
				t.Errorf("join during a rebuild (call %d): %v", calls, err)
				return
			}
			w.members[m] = w.now.Unix()
		})
		if _, err := s.RebuildRollups(t.Context(), nil); err != nil {
			t.Fatal(err)
		}
		if calls != 1 || t.Failed() {
			t.Fatalf("hook ran %d times; want once, with the join succeeding", calls)
		}
		if diff := cmp.Diff(before, w.findAll(t)); diff != "" {
			t.Fatalf("the rebuild stored other than its snapshot (-before the join +stored):\n%s", diff)
		}
		w.checkRebuild(t, "the rebuild after the join")
	})
}

// newMember returns a (site, account) that is not a member yet.
func (w *statWorld) newMember() wMember {
	for {
		m := wMember{unit: pick(w.rng, w.sites).ID, account: pick(w.rng, w.accounts)}
		if _, ok := w.members[m]; !ok {
			return m
		}
	}
}

// TestRebuildRollupsOvertaken: a rating is hidden; between a rebuild's
// snapshot and its apply, the rating is shown again and another rebuild
// (nested in the hook, with a deadline: it must not wait for the first)
// is applied. The first rebuild, whose snapshot has the rating hidden,
// must not store that stale difference: overtaken once, it counts again;
// overtaken twice (the rating hidden again after the first nested
// rebuild, so that its second count is stale too), it applies nothing and
// returns the newer run. Either way the rollup equals the oracle.
func TestRebuildRollupsOvertaken(t *testing.T) {
	for _, overtakes := range []int{1, 2} {
		t.Run(fmt.Sprintf("%dTimes", overtakes), func(t *testing.T) {
			forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
				w := newStatWorld(t, s, 23, smallWorld)
				if _, err := s.RebuildRollups(t.Context(), nil); err != nil {
					t.Fatal(err)
				}
				r := w.visibleRating(t)
				w.hide(t, r, true)
				outer, nested := 0, atomic.Bool{}
				var last culture.RollupRun
				sqlstore.SetRollupApplyHook(t, func(st *sqlstore.Store) {
					if st != s || nested.Load() {
						return
					}
					if outer++; outer > overtakes {
						return
					}
					if err := w.hideBounded(r, false); err != nil {
						t.Errorf("showing a rating between a rebuild's recount and apply: %v", err)
						return
					}
					nested.Store(true)
					var err error
					if last, err = bounded(func(ctx context.Context) (culture.RollupRun, error) { return s.RebuildRollups(ctx, nil) }); err != nil {
						t.Errorf("a rebuild between another's recount and apply: %v", err)
					}
					nested.Store(false)
					if outer < overtakes {
						if err := w.hideBounded(r, true); err != nil {
							t.Errorf("hiding a rating between a rebuild's recount and apply: %v", err)
						}
					}
				})
				run, err := s.RebuildRollups(t.Context(), nil)
				if err != nil {
					t.Fatal(err)
				}
				want := w.expected()
				if diff := cmp.Diff(want, w.findAll(t)); diff != "" {
					t.Fatalf("after an overtaken rebuild (-oracle +stored):\n%s", diff)
				}
				if outer != 2 { // overtaken once: counts again; twice: gives up after its second count
					t.Errorf("the overtaken rebuild counted %d times, want 2", outer)
				}
				if overtakes == 2 && run != last {
					t.Errorf("overtaken twice, the rebuild returned %+v; want the newer run %+v", run, last)
				}
				if run.Rows != len(want) {
					t.Errorf("run reports %d rows, want %d", run.Rows, len(want))
				}
				got, err := s.LastRollup(t.Context())
				if err != nil || got != run {
					t.Errorf("LastRollup = %+v, %v; want %+v", got, err, run)
				}
			})
		})
	}
}

// visibleRating returns a visible rating.
func (w *statWorld) visibleRating(t *testing.T) *wRating {
	t.Helper()
	for _, r := range w.ratings {
		if !r.hidden {
			return r
		}
	}
	t.Fatal("the world has no visible rating")
	return nil
}

// hide hides or shows a rating through the store.
func (w *statWorld) hide(t *testing.T, r *wRating, hide bool) {
	t.Helper()
	if err := w.hideBounded(r, hide); err != nil {
		t.Fatal(err)
	}
}

// hideBounded hides or shows a rating through the store, bounded.
func (w *statWorld) hideBounded(r *wRating, hide bool) error {
	reason := ""
	if hide {
		reason = "含广告内容"
	}
	_, err := bounded(func(ctx context.Context) (any, error) {
		return nil, w.s.HideRating(ctx, r.id, hide, reason, w.moderator)
	})
	if err == nil {
		r.hidden = hide
	}
	return err
}

// statWrite is a row write seen by the audit triggers: table, operation
// and key.
type statWrite struct {
	table, op string
	unit, day int64
	key       string // metric|dim, or the account id
}

// auditStatWrites adds triggers that record every row written to
// stat_daily and stat_participants in stat_audit: a side channel that
// counts what a rebuild writes, independent of the store's code.
func auditStatWrites(t *testing.T, w *statWorld) {
	t.Helper()
	daily, parts := `new.metric || '|' || new.dim`, `CAST(new.account_id AS TEXT)`
	stmts := []string{`CREATE TABLE stat_audit (tbl TEXT, op TEXT, unit_id BIGINT, day BIGINT, k TEXT)`}
	if w.s.Engine() == "postgres" {
		for _, tb := range []struct{ name, key string }{{"stat_daily", daily}, {"stat_participants", parts}} {
			old := strings.ReplaceAll(tb.key, "new.", "OLD.")
			stmts = append(stmts, `CREATE FUNCTION `+tb.name+`_audit() RETURNS trigger AS $$ BEGIN
				IF TG_OP = 'DELETE' THEN
					INSERT INTO stat_audit VALUES ('`+tb.name+`', 'delete', OLD.unit_id, OLD.day, `+old+`);
					RETURN OLD;
				END IF;
				INSERT INTO stat_audit VALUES ('`+tb.name+`', lower(TG_OP), NEW.unit_id, NEW.day, `+strings.ReplaceAll(tb.key, "new.", "NEW.")+`);
				RETURN NEW;
			END $$ LANGUAGE plpgsql`,
				`CREATE TRIGGER `+tb.name+`_audit AFTER INSERT OR UPDATE OR DELETE ON `+tb.name+` FOR EACH ROW EXECUTE FUNCTION `+tb.name+`_audit()`)
		}
	} else {
		for _, tb := range []struct{ name, key string }{{"stat_daily", daily}, {"stat_participants", parts}} {
			for _, op := range []string{"insert", "update", "delete"} {
				row, key := "new", tb.key
				if op == "delete" {
					row, key = "old", strings.ReplaceAll(tb.key, "new.", "old.")
				}
				stmts = append(stmts, `CREATE TRIGGER `+tb.name+`_a`+op+` AFTER `+strings.ToUpper(op)+` ON `+tb.name+` BEGIN
					INSERT INTO stat_audit VALUES ('`+tb.name+`', '`+op+`', `+row+`.unit_id, `+row+`.day, `+key+`); END`)
			}
		}
	}
	for _, q := range stmts {
		w.exec(t, q)
	}
}

// takeStatWrites returns the writes recorded since the last call, sorted,
// and clears them.
func takeStatWrites(t *testing.T, w *statWorld) []statWrite {
	t.Helper()
	rows, err := w.s.DB().QueryContext(t.Context(), `SELECT tbl, op, unit_id, day, k FROM stat_audit`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := []statWrite{}
	for rows.Next() {
		var r statWrite
		if err := rows.Scan(&r.table, &r.op, &r.unit, &r.day, &r.key); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	w.exec(t, `DELETE FROM stat_audit`)
	sortStatWrites(out)
	return out
}

func sortStatWrites(ws []statWrite) {
	slices.SortFunc(ws, func(a, b statWrite) int {
		return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
	})
}

// expectedWrites derives, from the oracle before and after a change, the
// row writes a rebuild that writes only differences makes.
func expectedWrites(before, after []culture.StatRow, pBefore, pAfter map[participation]bool) []statWrite {
	key := func(r culture.StatRow) statKey { return statKey{r.UnitID, r.Day, r.Metric, r.Dim} }
	old := map[statKey]int64{}
	for _, r := range before {
		old[key(r)] = r.Value
	}
	out := []statWrite{}
	write := func(op string, k statKey) {
		out = append(out, statWrite{"stat_daily", op, k.unit, int64(k.day), k.metric + "|" + k.dim})
	}
	for _, r := range after {
		v, ok := old[key(r)]
		switch {
		case !ok:
			write("insert", key(r))
		case v != r.Value:
			write("update", key(r))
		}
		delete(old, key(r))
	}
	for k := range old {
		write("delete", k)
	}
	for p := range pAfter {
		if !pBefore[p] {
			out = append(out, statWrite{"stat_participants", "insert", p.unit, int64(p.day), fmt.Sprint(p.account)})
		}
	}
	for p := range pBefore {
		if !pAfter[p] {
			out = append(out, statWrite{"stat_participants", "delete", p.unit, int64(p.day), fmt.Sprint(p.account)})
		}
	}
	sortStatWrites(out)
	return out
}

// TestRebuildRollupsWritesOnlyChanges: with triggers recording every row
// written to the rollup tables, a rebuild with nothing changed writes no
// row, and one after a check-in, a hidden rating and a member leaving
// writes exactly the rows whose values changed, appeared or vanished.
func TestRebuildRollupsWritesOnlyChanges(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		w := newStatWorld(t, s, 31, smallWorld)
		first, err := s.RebuildRollups(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		auditStatWrites(t, w)
		again, err := s.RebuildRollups(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := takeStatWrites(t, w); len(got) != 0 || again.Rows != first.Rows {
			t.Fatalf("a rebuild with nothing changed wrote %d rows (%v) and reports %d rows, want none and %d", len(got), got, again.Rows, first.Rows)
		}
		before, pBefore := w.expected(), w.participations()
		w.checkIn(t)
		w.moderate(t, true)
		w.leaveAndJoin(t)
		want := expectedWrites(before, w.expected(), pBefore, w.participations())
		if len(want) < 3 {
			t.Fatalf("the changes changed only %d rollup rows; want a few", len(want))
		}
		w.checkRebuild(t, "after the changes")
		if diff := cmp.Diff(want, takeStatWrites(t, w), cmp.AllowUnexported(statWrite{})); diff != "" {
			t.Errorf("rows written by the rebuild after a few changes (-changed rows +written):\n%s", diff)
		}
	})
}

// TestRebuildRollupsRepairs: a stored rollup far off — values changed,
// half the rows lost, hundreds of stray rows and participants — is made
// equal to the oracle by one rebuild (hundreds of upserts and deletes,
// more than one batch of each).
func TestRebuildRollupsRepairs(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		w := newStatWorld(t, s, 37, smallWorld)
		if _, err := s.RebuildRollups(t.Context(), nil); err != nil {
			t.Fatal(err)
		}
		want := w.expected()
		w.exec(t, `UPDATE stat_daily SET value = value + 3 WHERE metric IN ('bookings', 'supports')`)
		w.exec(t, `DELETE FROM stat_daily WHERE (unit_id + day) % 2 = 0`)
		w.exec(t, `DELETE FROM stat_participants WHERE account_id % 3 = 0`)
		for i := range 300 {
			w.exec(t, fmt.Sprintf(`INSERT INTO stat_daily (unit_id, day, metric, dim, value) VALUES (%d, %d, 'ratings', 'x', 1)`, 1+i%7, 10+i))
			w.exec(t, fmt.Sprintf(`INSERT INTO stat_participants (unit_id, day, account_id) VALUES (%d, %d, %d)`, 1+i%7, 10+i, 5+i))
		}
		c, err := s.CheckRollups(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if c.ExtraParticipants != 300 || c.MissingParticipants == 0 || len(c.Stored) < 300 {
			t.Fatalf("tampered: %d stored rows, %d participants missing, %d extra; want ≥ 300, some, 300",
				len(c.Stored), c.MissingParticipants, c.ExtraParticipants)
		}
		w.checkRebuild(t, "after tampering")
		c, err = s.CheckRollups(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, c.Stored); diff != "" || c.MissingParticipants+c.ExtraParticipants != 0 || len(c.ParticipantDays) != 0 {
			t.Fatalf("after the repair: %d/%d participants (%v), rows (-oracle +stored):\n%s",
				c.MissingParticipants, c.ExtraParticipants, c.ParticipantDays, diff)
		}
	})
}
