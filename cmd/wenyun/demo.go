package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/demo"
	"github.com/wenyun/wenyun/internal/progress"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

const demoAbout = `Load the demo world of 解放区文化馆 (Jiaozuo) — the hub, its branches, staff,
residents and eight weeks of activities and bookings — into an empty
database, rebuild the statistics rollups, then print the sign-ins.
--scale N builds a bigger district for benchmarks: N times the residents
and N times the weeks before today (so about N times the bookings).
Progress goes to stderr.`

// maxDemoScale bounds --scale: 100 is 120,000 residents and nearly eight
// years of history, hours of loading.
const maxDemoScale = 100

// stageRollups is the progress stage of the rollup rebuild after a load.
const stageRollups = "rollups"

// runDemo loads the demo world into an empty database.
func runDemo(ctx context.Context, o Options, args []string) error {
	fs := newFlagSet("demo", demoAbout)
	db := dbFlag(fs)
	residents := fs.Int("residents", 0, "generate `N` residents (0: the demo's default), times the scale")
	scale := fs.Int("scale", 1, "multiply the residents and the weeks of history by `N` (1 to 100)")
	if err := fs.parse(o, args); err != nil {
		return err
	}
	if err := checkDB(fs.from("db"), *db); err != nil {
		return &usageError{err}
	}
	if *residents < 0 {
		return usageErrorf("--residents %d: want a number of residents, 0 or more", *residents)
	}
	if *scale < 1 || *scale > maxDemoScale {
		return usageErrorf("--scale %d: want a whole number from 1 to %d", *scale, maxDemoScale)
	}
	store, err := openTool(ctx, o, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	sum, err := loadDemoCLI(ctx, o, store, *residents, *scale)
	if err != nil {
		return err
	}
	fmt.Fprintf(o.Stdout, "Loaded the demo world: %d units, %d rooms, %d activities (%d bookable), "+
		"%d residents, %d bookings, %d check-ins; %d providers, %d menu items, %d deliveries (%d held).\n",
		sum.Units, sum.Rooms, sum.Activities, sum.Bookable, sum.Residents, sum.Bookings, sum.CheckIns,
		sum.Providers, sum.MenuItems, sum.Deliveries, sum.Held)
	printDemoLogins(o.Stdout, sum.Staff)
	return nil
}

// loadDemoCLI loads the demo into an empty store with a progress bar per
// stage on stderr; a failed rollup rebuild is a warning there.
func loadDemoCLI(ctx context.Context, o Options, store *sqlstore.Store, residents, scale int) (*demo.Summary, error) {
	if empty, err := demo.Empty(ctx, store); err != nil {
		return nil, err
	} else if !empty {
		return nil, fmt.Errorf("demo: the database already holds units; the demo loads only into an empty database")
	}
	bars := &stageBars{w: o.Stderr}
	defer bars.done()
	sum, _, err := loadDemo(ctx, store, demoLoad{
		residents: residents, scale: scale, progress: bars.report,
		warn: func(err error) {
			bars.done()
			fmt.Fprintf(o.Stderr, "demo: warning: the statistics rollups were not rebuilt (%v); serve rebuilds them within 5 minutes\n", err)
		},
	})
	return sum, err
}

// serveDemo loads the demo world when the database is empty and prints the
// sign-ins in either case: the demo passwords are fixed.
func serveDemo(ctx context.Context, store *sqlstore.Store, stdout io.Writer, log *slog.Logger) error {
	empty, err := demo.Empty(ctx, store)
	if err != nil {
		return err
	}
	var staff []demo.StaffLogin
	if empty {
		log.Info("loading the demo world")
		sum, rollup, err := loadDemo(ctx, store, demoLoad{progress: logProgress(log), warn: func(err error) {
			log.Warn("demo: the statistics rollups were not rebuilt; the rollups job will", "err", err)
		}})
		if err != nil {
			return err
		}
		log.Info("demo world loaded", "units", sum.Units, "activities", sum.Activities,
			"residents", sum.Residents, "bookings", sum.Bookings, "rollup_rows", rollup.Rows)
		staff = sum.Staff
	} else if staff, err = staffLogins(ctx, store, store); err != nil {
		return err
	}
	printDemoLogins(stdout, staff)
	return nil
}

// demoLoad is how loadDemo loads the world and reports.
type demoLoad struct {
	residents, scale int
	// progress is told of each stage, the rollup rebuild last.
	progress func(stage string, done, total int)
	// warn is told when the rollups could not be rebuilt: the world is
	// loaded all the same, and serve's rollups job rebuilds them.
	warn func(error)
	// rebuild rebuilds the rollups (default the store's RebuildRollups).
	rebuild func(ctx context.Context, progress func(done, total int)) (culture.RollupRun, error)
}

// loadDemo loads the demo world around now with seed 1, moving the store's
// clock through the past as the demo needs and resetting it to real time,
// then rebuilds the rollups once so that dashboards have figures at once.
// A failed rebuild is only a warning: it returns the zero RollupRun.
func loadDemo(ctx context.Context, store *sqlstore.Store, l demoLoad) (*demo.Summary, culture.RollupRun, error) {
	setClock := func(t time.Time) { store.Now = func() time.Time { return t } }
	sum, err := demo.Load(ctx, store, setClock, demo.Options{
		Now: time.Now(), Seed: 1, Residents: l.residents, Scale: l.scale, Progress: l.progress,
	})
	store.Now = time.Now
	if err != nil {
		return nil, culture.RollupRun{}, err
	}
	if l.rebuild == nil {
		l.rebuild = store.RebuildRollups
	}
	run, err := l.rebuild(ctx, func(done, total int) { l.progress(stageRollups, done, total) })
	if err != nil {
		l.warn(err)
	}
	return sum, run, nil
}

// staffLogins lists the staff of a database loaded earlier, each with the
// fixed demo password.
func staffLogins(ctx context.Context, accounts culture.AccountService, menu culture.MenuService) ([]demo.StaffLogin, error) {
	staff, _, err := accounts.FindAccounts(ctx, culture.AccountFilter{StaffOnly: true})
	if err != nil {
		return nil, fmt.Errorf("list staff: %w", err)
	}
	var logins []demo.StaffLogin
	for _, a := range staff {
		if a.Username == "" || len(a.Grants) == 0 {
			continue
		}
		g := a.Grants[0]
		login := demo.StaffLogin{Username: a.Username, Password: demo.Password, Role: g.Role, Unit: g.UnitName}
		if g.ProviderID != nil && a.Username == demo.ProviderUser {
			if p, err := menu.FindProviderByID(ctx, *g.ProviderID); err == nil {
				login.Provider = p.Name
			}
		}
		logins = append(logins, login)
	}
	return logins, nil
}

// printDemoLogins prints how to sign in to the demo.
func printDemoLogins(w io.Writer, staff []demo.StaffLogin) {
	fmt.Fprintln(w, "\n==================== 演示账号 / Demo sign-ins ====================")
	fmt.Fprintln(w, "工作人员 / Staff — sign in at /console/login with username and password:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	otherProviders := 0
	for _, s := range staff {
		unit := s.Unit
		if s.Role == culture.RoleProviderStaff {
			if s.Username != demo.ProviderUser {
				otherProviders++
				continue
			}
			if s.Provider != "" {
				unit = s.Provider
			}
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", s.Username, s.Password, s.Role, unit)
	}
	tw.Flush() //nolint:errcheck // w is stdout
	if otherProviders > 0 {
		fmt.Fprintf(w, "  (and %d more provider_staff accounts, one per provider, same password)\n", otherProviders)
	}
	fmt.Fprintf(w, "居民 / Resident — sign in with the phone %s (%s) and an SMS code.\n",
		demo.DemoPhone, demo.DemoName)
	fmt.Fprintln(w, "SMS codes are not sent: the console driver writes them to the log")
	fmt.Fprintln(w, `(stderr), in lines "sms code (console driver)" with the code.`)
	fmt.Fprintln(w, "==================================================================")
}

// stageBars shows a progress bar per stage of the demo on w: the bar of
// a stage ends when the next one begins.
type stageBars struct {
	w     io.Writer
	stage string
	bar   *progress.Bar
}

// report is the demo's progress callback.
func (s *stageBars) report(stage string, done, total int) {
	if stage != s.stage || s.bar == nil {
		s.bar.Done()
		s.stage, s.bar = stage, progress.New(s.w, "demo: "+stage, total)
	}
	s.bar.Set(done, total)
}

// done ends the bar of the last stage.
func (s *stageBars) done() {
	s.bar.Done()
	s.bar = nil
}

// logProgress logs a line per stage at each tenth of the way; the rollup
// rebuild, quick, shows only in the "demo world loaded" line.
func logProgress(log *slog.Logger) func(stage string, done, total int) {
	return func(stage string, done, total int) {
		if stage != stageRollups && tenth(done, total) {
			log.Info("demo progress", "stage", stage, "done", done, "total", total)
		}
	}
}

// tenth reports whether done is the end or a new tenth of total.
func tenth(done, total int) bool {
	if done >= total || total < 10 {
		return done >= total
	}
	return done%(total/10) == 0
}
