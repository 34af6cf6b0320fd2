package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/wenyun/wenyun/internal/culture"
)

const lotteryAbout = `Recompute a lottery draw from its public record and check it:

  wenyun lottery verify ACTIVITY --db sqlite:wenyun-data/wenyun.db

It checks that SHA-256 of the revealed seed equals the commitment published
when the activity was created, recomputes the draw (docs/lottery.md) from
the seed, the application ids and their recorded weights, and compares the
order and the winners with what was stored. Exit status 0 means verified.`

// runLottery runs "lottery verify ACTIVITY".
func runLottery(ctx context.Context, o Options, args []string) error {
	fs := newFlagSet("lottery", lotteryAbout)
	db := dbFlag(fs)
	if len(args) == 0 || args[0] != "verify" {
		if err := fs.parse(o, args); err != nil {
			return err
		}
		return usageErrorf("lottery: want \"wenyun lottery verify ACTIVITY\"")
	}
	id, flags, err := lotteryActivityArg(args[1:])
	if err == nil {
		err = fs.parse(o, flags)
	}
	if err != nil {
		return err
	}
	if err := checkDB(fs.from("db"), *db); err != nil {
		return &usageError{err}
	}
	return verifyLottery(ctx, o, *db, id)
}

// lotteryActivityArg takes the activity id from before or after the flags
// and returns the flags.
func lotteryActivityArg(args []string) (int64, []string, error) {
	pos, n := -1, len(args)
	if n > 0 && !strings.HasPrefix(args[0], "-") {
		pos = 0
	} else if n > 1 && !strings.HasPrefix(args[n-1], "-") && !isDBFlag(args[n-2]) {
		pos = n - 1
	}
	if pos < 0 {
		if slices.ContainsFunc(args, isHelpFlag) {
			return 0, []string{"-h"}, nil
		}
		return 0, nil, usageErrorf("lottery verify: give the activity id (wenyun lottery verify ACTIVITY)")
	}
	id, err := strconv.ParseInt(args[pos], 10, 64)
	if err != nil || id <= 0 {
		return 0, nil, usageErrorf("lottery verify: activity %q: want a positive whole number", args[pos])
	}
	return id, slices.Delete(slices.Clone(args), pos, pos+1), nil
}

func isHelpFlag(s string) bool { return s == "-h" || s == "-help" || s == "--help" }

func isDBFlag(s string) bool { return s == "--db" || s == "-db" }

// verifyLottery loads the lottery, prints it and checks it.
func verifyLottery(ctx context.Context, o Options, dsn string, id int64) error {
	store, err := openTool(ctx, o, dsn)
	if err != nil {
		return err
	}
	defer store.Close()
	a, err := store.FindActivityByID(ctx, id)
	if err != nil {
		return fmt.Errorf("activity %d: %s", id, culture.ErrorMessage(err))
	}
	if a.Mode != culture.ModeLottery {
		return fmt.Errorf("activity %d is not a lottery (mode %s)", id, a.Mode)
	}
	l, err := store.FindLottery(ctx, id)
	if err != nil {
		return err
	}
	printLottery(o.Stdout, a, l)
	if !l.Drawn() {
		return fmt.Errorf("activity %d: not drawn yet; the draw is due at %s, nothing to verify",
			id, l.DrawAt.In(culture.Shanghai).Format("2006-01-02 15:04"))
	}
	if err := l.Verify(); err != nil {
		return errors.New("MISMATCH: " + err.Error())
	}
	fmt.Fprintln(o.Stdout, "verified: SHA-256(seed) equals the commitment, and recomputing the draw gives the recorded order and winners")
	return nil
}

func printLottery(w io.Writer, a *culture.Activity, l *culture.Lottery) {
	fmt.Fprintf(w, "activity   %d %s\n", a.ID, a.Title)
	fmt.Fprintf(w, "commitment %s\n", l.Commitment)
	if !l.Drawn() {
		fmt.Fprintf(w, "seed       (secret until the draw)\napplied    %d\n", l.Applications)
		return
	}
	fmt.Fprintf(w, "seed       %s\n", l.Seed)
	fmt.Fprintf(w, "drawn at   %s (Asia/Shanghai)\n", l.DrawnAt.In(culture.Shanghai).Format("2006-01-02 15:04:05"))
	fmt.Fprintf(w, "seats      %d, weighted %t, %d applications, %d won\n\n", l.Seats, l.Weighted, len(l.Entries), l.Winners())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "rank\tbooking\tseats\tweight\tresult\tname\t")
	for _, e := range l.Entries {
		result := "waitlist"
		if e.Won {
			result = "won"
		}
		fmt.Fprintf(tw, "%d\t%d\t%d\t%g\t%s\t%s\t\n", e.Rank, e.BookingID, e.Seats, e.Weight, result, e.Name)
	}
	tw.Flush()
	fmt.Fprintln(w)
}
