package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/progress"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

const statsAbout = `Rebuild or verify the statistics rollups (docs/statistics.md):

  wenyun stats rebuild --db sqlite:wenyun-data/wenyun.db
  wenyun stats verify --db sqlite:wenyun-data/wenyun.db [--strict]

rebuild recounts every rollup row from the raw rows (activities, bookings,
supports, requests, deliveries, members, ratings) in a read snapshot and
writes only the rows that differ from the stored rollup, as serve does
every 5 minutes; progress goes to stderr.

verify recounts without storing and compares with the stored rollup, both
read from one snapshot, and prints each difference. Differences on days
from the day of the last rebuild on are lag: raw rows written since that
rebuild, which the next one stores. Differences on earlier days are drift
(or changes to older facts since the last rebuild: rebuild and verify
again to tell). verify exits with status 1 when there is drift, or with
--strict when there is any difference.`

// runStats is "wenyun stats rebuild|verify".
func runStats(ctx context.Context, o Options, args []string) error {
	fs := newFlagSet("stats", statsAbout)
	db := dbFlag(fs)
	strict := fs.Bool("strict", false, "verify: fail on any difference, lag since the last rebuild too")
	sub := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, args = args[0], args[1:]
	}
	if err := fs.parse(o, args); err != nil {
		return err
	}
	if sub != "rebuild" && sub != "verify" {
		return usageErrorf("stats: want \"wenyun stats rebuild\" or \"wenyun stats verify\" (see \"wenyun stats -h\")")
	}
	if err := checkDB(fs.from("db"), *db); err != nil {
		return &usageError{err}
	}
	store, err := openTool(ctx, o, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	store.Now = o.clock()
	if sub == "rebuild" {
		return rebuildRollups(ctx, o, store)
	}
	return verifyRollups(ctx, o, store, *strict)
}

// rebuildRollups rebuilds the rollup with a progress bar on stderr.
func rebuildRollups(ctx context.Context, o Options, store *sqlstore.Store) error {
	bar := progress.New(o.Stderr, "rollups", 0)
	run, err := store.RebuildRollups(ctx, bar.Func())
	bar.Done()
	if err != nil {
		return fmt.Errorf("rebuild rollups: %w", err)
	}
	fmt.Fprintf(o.Stdout, "rebuilt %d rollup rows in %s\n", run.Rows, run.Took)
	return nil
}

// maxShownDiffs bounds the differences verify prints.
const maxShownDiffs = 50

// verifyRollups compares a recount with the stored rollup. Differences on
// days from the last rebuild's day on are lag; earlier ones are drift,
// which fails (with strict, any difference fails).
func verifyRollups(ctx context.Context, o Options, store *sqlstore.Store, strict bool) error {
	c, err := store.CheckRollups(ctx)
	if err != nil {
		return fmt.Errorf("verify rollups: %w", err)
	}
	v := splitRollupCheck(c)
	v.drift.print(o.Stdout, v.driftHead())
	v.lag.print(o.Stdout, "lag (on or after "+v.cutoff.String()+": written since the last rebuild, "+v.built+
		"; expected, the next rebuild stores them)")
	switch {
	case v.never && v.drift.n() > 0:
		return fmt.Errorf("the rollup was never rebuilt (%d rows differ from a recount); run \"wenyun stats rebuild\"", len(v.drift.rows))
	case v.drift.n() > 0:
		return fmt.Errorf("drift: the stored rollup differs from a recount of the raw rows on days before %s (%d rows, %d participants); run \"wenyun stats rebuild\" and verify again",
			v.cutoff, len(v.drift.rows), v.drift.missing+v.drift.extra)
	case strict && v.lag.n() > 0:
		return fmt.Errorf("--strict: %d rows and %d participants differ on or after %s (lag since the last rebuild)",
			len(v.lag.rows), v.lag.missing+v.lag.extra, v.cutoff)
	case v.lag.n() > 0:
		fmt.Fprintf(o.Stdout, "verified: no drift; the stored rollup equals a recount of the raw rows before %s (%d rows); "+
			"%d rows and %d participants on or after it lag (last rebuilt %s)\n",
			v.cutoff, v.before, len(v.lag.rows), v.lag.missing+v.lag.extra, v.built)
	default:
		fmt.Fprintf(o.Stdout, "verified: the %d stored rollup rows equal a recount of the raw rows (%s)\n", len(c.Stored), v.rebuilt())
	}
	return nil
}

// rollupVerdict is a check's differences split at cutoff, the
// Asia/Shanghai day on which the last rebuild began: drift on earlier
// days, lag on it and later. Before any rebuild (never) everything is
// drift.
type rollupVerdict struct {
	cutoff culture.Day
	never  bool
	built  string // the last rebuild's finish time
	drift  rollupSide
	lag    rollupSide
	before int // recounted rows before cutoff
}

// rollupSide holds one side's rows that differ and its participants rows
// missing from and extra in stat_participants.
type rollupSide struct {
	rows           []rollupDiff
	missing, extra int
}

func (s rollupSide) n() int { return len(s.rows) + s.missing + s.extra }

func splitRollupCheck(c sqlstore.RollupCheck) rollupVerdict {
	v := rollupVerdict{cutoff: math.MaxInt32, never: c.Last.Finished.IsZero()}
	if !v.never {
		v.built = c.Last.Finished.In(culture.Shanghai).Format("2006-01-02 15:04:05") + " Asia/Shanghai"
		v.cutoff = culture.DayOf(c.Last.Finished.Add(-c.Last.Took))
	}
	side := func(d culture.Day) *rollupSide {
		if d >= v.cutoff {
			return &v.lag
		}
		return &v.drift
	}
	for _, d := range rollupDiffs(c.Recount, c.Stored) {
		sd := side(d.row.Day)
		sd.rows = append(sd.rows, d)
	}
	for _, p := range c.ParticipantDays {
		sd := side(p.Day)
		sd.missing, sd.extra = sd.missing+p.Missing, sd.extra+p.Extra
	}
	for _, r := range c.Recount {
		if r.Day < v.cutoff {
			v.before++
		}
	}
	return v
}

func (v rollupVerdict) driftHead() string {
	if v.never {
		return "drift (the rollup was never rebuilt)"
	}
	return "drift (days before " + v.cutoff.String() + ", the day of the last rebuild)"
}

func (v rollupVerdict) rebuilt() string {
	if v.never {
		return "never rebuilt"
	}
	return "rebuilt " + v.built
}

// print writes the side's differences under head, if any.
func (s rollupSide) print(w io.Writer, head string) {
	if s.n() == 0 {
		return
	}
	fmt.Fprintf(w, "%s: %d rows differ\n", head, len(s.rows))
	printRollupDiffs(w, s.rows)
	if s.missing+s.extra > 0 {
		fmt.Fprintf(w, "participants: %d check-ins (unit, day, account) missing from the stored detail, %d stored that the raw rows lack\n",
			s.missing, s.extra)
	}
}

// rollupDiff is a row whose stored value differs from the recount's; a
// row missing on one side has 0 there.
type rollupDiff struct {
	row             culture.StatRow
	stored, recount int64
}

// rollupDiffs merges two lists in FindRollups order.
func rollupDiffs(recount, stored []culture.StatRow) []rollupDiff {
	at := map[string]int{}
	var out []rollupDiff
	for _, r := range stored {
		at[r.Key()] = len(out)
		out = append(out, rollupDiff{row: r, stored: r.Value})
	}
	for _, r := range recount {
		if i, ok := at[r.Key()]; ok {
			out[i].recount = r.Value
		} else {
			out = append(out, rollupDiff{row: r, recount: r.Value})
		}
	}
	diffs := slices.DeleteFunc(out, func(d rollupDiff) bool { return d.stored == d.recount })
	slices.SortFunc(diffs, func(a, b rollupDiff) int {
		return cmp.Or(cmp.Compare(a.row.Day, b.row.Day), cmp.Compare(a.row.UnitID, b.row.UnitID),
			strings.Compare(a.row.Metric, b.row.Metric), strings.Compare(a.row.Dim, b.row.Dim))
	})
	return diffs
}

func printRollupDiffs(w io.Writer, diffs []rollupDiff) {
	if len(diffs) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "day\tunit\tmetric\tdim\tstored\trecount")
	for i, d := range diffs {
		if i == maxShownDiffs {
			fmt.Fprintf(tw, "… and %d more\n", len(diffs)-maxShownDiffs)
			break
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%d\t%d\n", d.row.Day, d.row.UnitID, d.row.Metric, d.row.Dim, d.stored, d.recount)
	}
	tw.Flush()
}
