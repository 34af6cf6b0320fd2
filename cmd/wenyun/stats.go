package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/progress"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

const statsAbout = `Rebuild or verify the statistics rollups (docs/statistics.md):

  wenyun stats rebuild --db sqlite:wenyun-data/wenyun.db
  wenyun stats verify --db sqlite:wenyun-data/wenyun.db

rebuild recounts every rollup row from the raw rows (activities, bookings,
supports, requests, deliveries, members, ratings) and replaces the stored
rollup in one transaction, as serve does every 5 minutes; progress goes to
stderr. verify recounts without storing and compares with the stored
rollup, both read from one snapshot; it prints each difference and exits
with status 1 when there is any.`

// runStats is "wenyun stats rebuild|verify".
func runStats(ctx context.Context, o Options, args []string) error {
	fs := newFlagSet("stats", statsAbout)
	db := dbFlag(fs)
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
	return verifyRollups(ctx, o, store)
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

// verifyRollups compares a recount with the stored rollup.
func verifyRollups(ctx context.Context, o Options, store *sqlstore.Store) error {
	c, err := store.CheckRollups(ctx)
	if err != nil {
		return fmt.Errorf("verify rollups: %w", err)
	}
	diffs := rollupDiffs(c.Recount, c.Stored)
	printRollupDiffs(o.Stdout, diffs)
	if c.MissingParticipants+c.ExtraParticipants > 0 {
		fmt.Fprintf(o.Stdout, "participants: %d check-ins (unit, day, account) missing from the stored detail, %d stored that the raw rows lack\n",
			c.MissingParticipants, c.ExtraParticipants)
	}
	if len(diffs) > 0 || c.MissingParticipants+c.ExtraParticipants > 0 {
		return fmt.Errorf("the stored rollup differs from a recount of the raw rows (%d rows differ); run \"wenyun stats rebuild\"", len(diffs))
	}
	last, err := store.LastRollup(ctx)
	if err != nil {
		return err
	}
	built := "never rebuilt"
	if !last.Finished.IsZero() {
		built = "rebuilt " + last.Finished.In(culture.Shanghai).Format("2006-01-02 15:04:05") + " Asia/Shanghai"
	}
	fmt.Fprintf(o.Stdout, "verified: the %d stored rollup rows equal a recount of the raw rows (%s)\n", len(c.Stored), built)
	return nil
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
