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
	"github.com/wenyun/wenyun/internal/sqlstore"
)

const demoAbout = `Load the demo world of 解放区文化馆 (Jiaozuo) — the hub, its branches, staff,
residents and eight weeks of activities and bookings — into an empty
database, then print the sign-ins. Progress goes to stderr.`

// runDemo loads the demo world into an empty database.
func runDemo(ctx context.Context, o Options, args []string) error {
	fs := newFlagSet("demo", demoAbout)
	db := dbFlag(fs)
	residents := fs.Int("residents", 0, "generate `N` residents (0: the demo's default)")
	if err := fs.parse(o, args); err != nil {
		return err
	}
	if err := checkDB(fs.from("db"), *db); err != nil {
		return &usageError{err}
	}
	if *residents < 0 {
		return usageErrorf("--residents %d: want a number of residents, 0 or more", *residents)
	}
	store, err := openTool(ctx, o, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	if empty, err := demo.Empty(ctx, store); err != nil {
		return err
	} else if !empty {
		return fmt.Errorf("demo: the database already holds units; the demo loads only into an empty database")
	}
	sum, err := loadDemo(ctx, store, *residents, printProgress(o.Stderr))
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
		sum, err := loadDemo(ctx, store, 0, logProgress(log))
		if err != nil {
			return err
		}
		log.Info("demo world loaded", "units", sum.Units, "activities", sum.Activities,
			"residents", sum.Residents, "bookings", sum.Bookings)
		staff = sum.Staff
	} else if staff, err = staffLogins(ctx, store, store); err != nil {
		return err
	}
	printDemoLogins(stdout, staff)
	return nil
}

// loadDemo loads the demo world around now with seed 1, moving the store's
// clock through the past as the demo needs and resetting it to real time.
func loadDemo(ctx context.Context, store *sqlstore.Store, residents int,
	progress func(string, int, int)) (*demo.Summary, error) {
	defer func() { store.Now = time.Now }()
	setClock := func(t time.Time) { store.Now = func() time.Time { return t } }
	return demo.Load(ctx, store, setClock, demo.Options{
		Now: time.Now(), Seed: 1, Residents: residents, Progress: progress,
	})
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

// printProgress writes a line per stage at each tenth of the way.
func printProgress(w io.Writer) func(stage string, done, total int) {
	return func(stage string, done, total int) {
		if tenth(done, total) {
			fmt.Fprintf(w, "demo: %-10s %d/%d\n", stage, done, total)
		}
	}
}

// logProgress logs a line per stage at each tenth of the way.
func logProgress(log *slog.Logger) func(stage string, done, total int) {
	return func(stage string, done, total int) {
		if tenth(done, total) {
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
