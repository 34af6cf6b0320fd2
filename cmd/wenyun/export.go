package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/progress"
	"github.com/wenyun/wenyun/internal/report"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

const exportAbout = `Write a file from the database, as the operator:

  wenyun export report   --unit ID --period 2026Q3 --out report.xlsx
  wenyun export bookings --unit ID --from 2026-07-01 --to 2026-09-30 --out bookings.csv

"wenyun export report -h" and "wenyun export bookings -h" show their flags.`

// runExport is "wenyun export report|bookings".
func runExport(ctx context.Context, o Options, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "report":
			return runExportReport(ctx, o, args[1:])
		case "bookings":
			return runExportBookings(ctx, o, args[1:])
		}
	}
	if len(args) > 0 && args[0] != "-h" && args[0] != "-help" && args[0] != "--help" {
		return usageErrorf("export: unknown kind %q: want report or bookings (see \"wenyun export -h\")", args[0])
	} else if len(args) == 0 {
		return usageErrorf("export: say what to export: report or bookings (see \"wenyun export -h\")")
	}
	fmt.Fprintf(o.Stdout, "Usage: wenyun export report|bookings [flags]\n\n%s\n", exportAbout)
	return errHelp
}

// exportFile is what both exports share: the database, the unit, the
// output file and its format.
type exportFile struct {
	db, unit, out, format string
}

// parseExport parses an export's flags into e and the caller's own.
func parseExport(o Options, fs *flagSet, e *exportFile, args []string) error {
	db := dbFlag(fs)
	fs.StringVar(&e.unit, "unit", "", "the `unit` (its id or exact name), with its subtree (required)")
	fs.StringVar(&e.out, "out", "", "write to this `file` (required; - for standard output)")
	fs.StringVar(&e.format, "format", "", "the file `format`: csv or xlsx (default: from --out's extension, else csv)")
	if err := fs.parse(o, args); err != nil {
		return err
	}
	e.db = *db
	if e.format == "" {
		e.format = strings.TrimPrefix(strings.ToLower(filepath.Ext(e.out)), ".")
		if e.format != "xlsx" {
			e.format = "csv"
		}
	}
	var err error
	switch {
	case checkDB(fs.from("db"), e.db) != nil:
		err = checkDB(fs.from("db"), e.db)
	case e.unit == "":
		err = errors.New("--unit is required")
	case e.out == "":
		err = errors.New("--out is required (a file, or - for standard output)")
	case e.format != "csv" && e.format != "xlsx":
		err = fmt.Errorf("--format %q: want csv or xlsx", e.format)
	case e.format == "xlsx" && e.out == "-":
		err = errors.New("--format xlsx cannot go to standard output: give a file")
	}
	if err != nil {
		return &usageError{err}
	}
	return nil
}

const exportReportAbout = `Write the service report of a unit (one section per branch, month by
month) for a quarter (--period 2026Q3), a year (--period 2026) or a custom
range (--from and --to, at most one year), as an Excel workbook or CSV.
It reads the statistics rollups as the server last rebuilt them; --rebuild
recounts them first.`

// runExportReport is "wenyun export report".
func runExportReport(ctx context.Context, o Options, args []string) error {
	var e exportFile
	var period, from, to string
	var rebuild bool
	fs := newFlagSet("export report", exportReportAbout)
	fs.StringVar(&period, "period", "", "a quarter (`2026Q3`) or a year (2026)")
	fs.StringVar(&from, "from", "", "first `day` of a custom range (2026-07-01)")
	fs.StringVar(&to, "to", "", "last `day` of a custom range, inclusive")
	fs.BoolVar(&rebuild, "rebuild", false, "recount the statistics rollups before reading them")
	if err := parseExport(o, fs, &e, args); err != nil {
		return err
	}
	p, err := report.ParseQuery(period, from, to, culture.DayOf(o.clock()()))
	if err != nil {
		return &usageError{fmt.Errorf("export report: %s", culture.ErrorMessage(err))}
	}
	store, err := openTool(ctx, o, e.db)
	if err != nil {
		return err
	}
	defer store.Close()
	unit, err := findUnit(ctx, store, e.unit)
	if err != nil {
		return err
	}
	if err := readyRollups(ctx, o, store, rebuild); err != nil {
		return err
	}
	bar := progress.New(o.Stderr, "服务报表", 0)
	rep, err := report.Build(ctx, report.Source{Stats: store, Units: store, Progress: bar.Func()}, unit, p, o.clock()())
	bar.Done()
	if err != nil {
		return err
	}
	err = writeOut(o, e.out, 0o644, func(w io.Writer) error {
		if e.format == "xlsx" {
			return report.WriteXLSX(w, rep)
		}
		return report.WriteCSV(w, rep)
	})
	if err != nil {
		return err
	}
	summary(o, e.out, "%s: %s, %s, %d sections\n", e.out, unit.Name, p.Label(), len(rep.Sections))
	return nil
}

// readyRollups rebuilds the rollups when asked, and warns when they were
// never built.
func readyRollups(ctx context.Context, o Options, store *sqlstore.Store, rebuild bool) error {
	if rebuild {
		bar := progress.New(o.Stderr, "统计汇总", 0)
		_, err := store.RebuildRollups(ctx, bar.Func())
		bar.Done()
		if err != nil {
			return fmt.Errorf("rebuild rollups: %w", err)
		}
		return nil
	}
	last, err := store.LastRollup(ctx)
	if err != nil {
		return fmt.Errorf("read rollups: %w", err)
	}
	if last.Finished.IsZero() {
		fmt.Fprintln(o.Stderr, "warning: the statistics rollups were never built; the report shows zeros (add --rebuild)")
	} else {
		fmt.Fprintf(o.Stderr, "rollups of %s\n", last.Finished.In(culture.Shanghai).Format("2006-01-02 15:04"))
	}
	return nil
}

const exportBookingsAbout = `Write the bookings of the activities of a unit (with its subtree) that
start from --from to --to (at most one year), as CSV or an Excel workbook.
Ticket codes, names and mobile numbers are masked (******XA2B, 李**,
138****5678) unless --full is given; an export in full is written to the
audit log.`

// runExportBookings is "wenyun export bookings".
func runExportBookings(ctx context.Context, o Options, args []string) error {
	var e exportFile
	var from, to string
	var full bool
	fs := newFlagSet("export bookings", exportBookingsAbout)
	fs.StringVar(&from, "from", "", "first `day` (2026-07-01) of the activities' start (required)")
	fs.StringVar(&to, "to", "", "last `day`, inclusive (required)")
	fs.BoolVar(&full, "full", false, "show ticket codes, names and mobile numbers in full (audited)")
	fs.BoolVar(&full, "full-phones", false, "the same as --full (its former name)")
	if err := parseExport(o, fs, &e, args); err != nil {
		return err
	}
	now := o.clock()()
	first, last, err := report.BookingRange(from, to, culture.DayOf(now))
	if err != nil {
		return &usageError{fmt.Errorf("export bookings: %s", culture.ErrorMessage(err))}
	}
	store, err := openTool(ctx, o, e.db)
	if err != nil {
		return err
	}
	defer store.Close()
	unit, err := findUnit(ctx, store, e.unit)
	if err != nil {
		return err
	}
	x := report.BookingExport{Unit: unit, From: first, To: last, Generated: now}
	lines, shown, err := exportBookingLines(ctx, o, store, x, full)
	if err != nil {
		return err
	}
	err = writeOut(o, e.out, 0o600, func(w io.Writer) error {
		if e.format == "xlsx" {
			return report.WriteBookingsXLSX(w, x, lines)
		}
		return report.WriteBookingsCSV(w, lines)
	})
	if err != nil {
		return err
	}
	shows := "masked"
	if full {
		shows = fmt.Sprintf("in full, %d phone numbers (audited)", shown)
	}
	summary(o, e.out, "%s: %d bookings of %s, %s to %s, %s\n", e.out, len(lines), unit.Name, first, last, shows)
	return nil
}

// exportBookingLines finds the bookings and masks them, or with full
// audits the export first (when it shows any number in full).
func exportBookingLines(ctx context.Context, o Options, store *sqlstore.Store, x report.BookingExport, full bool) ([]report.BookingLine, int, error) {
	bar := progress.New(o.Stderr, "预约明细", 2)
	defer bar.Done()
	bs, err := store.FindBookingsWithin(ctx, x.Unit.ID, x.From, x.To, report.MaxBookingRows)
	if err != nil {
		return nil, 0, fmt.Errorf("find bookings: %s", errorText(err))
	}
	bar.Add(1)
	lines, shown := report.BookingLines(bs, func(*culture.Booking) bool { return full })
	if shown > 0 {
		reason := fmt.Sprintf("命令行 wenyun export bookings --full：%s（含下属单位）%s 至 %s，%d 条预约，含 %d 个完整手机号",
			x.Unit.Name, x.From, x.To, len(lines), shown)
		if err := store.AuditExport(ctx, 0, report.AuditBookings, fmt.Sprintf("unit:%d", x.Unit.ID), reason); err != nil {
			return nil, 0, fmt.Errorf("audit: %w", err)
		}
	}
	bar.Add(1)
	return lines, shown, nil
}

// errorText is a domain error's message, else the error.
func errorText(err error) string {
	if culture.ErrorCode(err) != culture.EINTERNAL {
		return culture.ErrorMessage(err)
	}
	return err.Error()
}

// writeOut writes the file write writes to standard output ("-") or to
// out, through a temporary file renamed into place, so a failure leaves no
// half file.
func writeOut(o Options, out string, mode os.FileMode, write func(io.Writer) error) error {
	if out == "-" {
		return write(o.Stdout)
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), ".wenyun-export-*")
	if err != nil {
		return fmt.Errorf("--out %s: %w", out, err)
	}
	defer os.Remove(tmp.Name()) // after the rename, nothing is there
	bw := bufio.NewWriter(tmp)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), mode)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), out)
	}
	if err != nil {
		return fmt.Errorf("--out %s: %w", out, err)
	}
	return nil
}

// summary reports what was written: on standard output, or on standard
// error when the file itself went to standard output.
func summary(o Options, out, format string, args ...any) {
	w := io.Writer(o.Stdout)
	if out == "-" {
		w = o.Stderr
	}
	fmt.Fprintf(w, format, args...)
}
