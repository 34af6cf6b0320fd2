package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wenyun/wenyun/internal/booking"
	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

const benchAbout = `Load-test ticket grabbing (抢票) on loopback. Creates --clients residents
with API tokens and a first_come activity with --seats seats opening at
now + --open-in, starts the real server as a child process (this binary
again, "wenyun serve" on 127.0.0.1:0; --in-process: in this process),
and at the opening fires every client at once (one booking request each,
with a unique Idempotency-Key). Prints throughput, latency percentiles and
counts per status, then checks in the database that exactly --seats
bookings are confirmed, every 201 is among them and no account holds two.
Then measures GET /healthz with the same crowd and prints the ratio. With
--conventional the same crowd books a second activity through a
one-transaction-per-booking SELECT … FOR UPDATE path, for comparison.
Prints the server's peak RSS (sampled every 50 ms, and its VmHWM).
Exits non-zero when a check fails. See docs/benchmarks.md.`

// benchConfig is the configuration of "bench grab".
type benchConfig struct {
	DB           string
	Clients      int
	Seats        int
	OpenIn       time.Duration
	Conventional bool
	Trivial      int
	Concurrency  int
	Warm         bool
	Timeout      time.Duration
	FairWindow   string // passed to serve when set
	InProcess    bool
	HeapProfile  string // diagnostic: the child writes heap profiles here
}

// runBench runs a benchmark scenario; "grab" is the only one.
func runBench(ctx context.Context, o Options, args []string) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		args = []string{"grab", "-h"}
	}
	if len(args) > 0 && args[0] == "serve" {
		return runBenchServe(ctx, o, args[1:]) // the child server of grab --conventional
	}
	if len(args) == 0 || args[0] != "grab" {
		return usageErrorf("bench: want a scenario: wenyun bench grab [flags]")
	}
	cfg, err := parseBenchConfig(o, args[1:])
	if err != nil {
		return err
	}
	return runGrab(ctx, o, cfg)
}

func parseBenchConfig(o Options, args []string) (*benchConfig, error) {
	c := &benchConfig{}
	fs := newFlagSet("bench grab", benchAbout)
	fs.StringVar(&c.DB, "db", "", "the database: sqlite:`PATH` or a postgres:// URL (default: a fresh SQLite file in\n"+
		"a temporary directory; on PostgreSQL a fresh schema bench_<time>, dropped afterwards)")
	fs.IntVar(&c.Clients, "clients", 10000, "residents in the crowd, one request each")
	fs.IntVar(&c.Seats, "seats", 500, "seats of the activity")
	fs.DurationVar(&c.OpenIn, "open-in", 3*time.Second, "the activity opens this long after setup ends")
	fs.BoolVar(&c.Conventional, "conventional", false, "also run the crowd through the conventional SELECT … FOR UPDATE path")
	fs.IntVar(&c.Trivial, "trivial", 0, "requests to GET /healthz for the trivial baseline (default: --clients)")
	fs.IntVar(&c.Concurrency, "concurrency", 0, "at most this many requests in flight (default: --clients)")
	fs.BoolVar(&c.Warm, "warm", true, "before the opening, each client connects and reads GET /api/v1/me with\n"+
		"its token (an app open on the countdown); false: cold connections at the opening")
	fs.DurationVar(&c.Timeout, "timeout", 60*time.Second, "give up on a request after this long")
	fs.StringVar(&c.FairWindow, "fair-window", "", "pass --fair-window `duration` to the server (default: serve's default, 2s);\n"+
		"requests of the window are answered after it ends: latency is printed both from\n"+
		"sending and from admission (the window's end for a request sent in it)")
	fs.BoolVar(&c.InProcess, "in-process", false, "run the server in this process, as before the child-process mode:\n"+
		"then the peak RSS covers the server and the client crowd together")
	fs.StringVar(&c.HeapProfile, "heap-profile", "", "diagnostic: the child server writes a heap profile to `FILE` (and MemStats to\n"+
		"FILE.txt) at each new peak of its RSS, for go tool pprof (not with --in-process)")
	if err := fs.parse(o, args); err != nil {
		return nil, err
	}
	if c.Trivial == 0 {
		c.Trivial = c.Clients
	}
	if c.Concurrency == 0 {
		c.Concurrency = c.Clients
	}
	if err := c.validate(); err != nil {
		return nil, &usageError{err}
	}
	return c, nil
}

func (c *benchConfig) validate() error {
	var errs []error
	if c.DB != "" {
		errs = append(errs, checkDB("--db", c.DB))
	}
	if c.Clients < 1 || c.Clients > 200_000 {
		errs = append(errs, fmt.Errorf("--clients %d: want 1 to 200000", c.Clients))
	}
	if c.Seats < 1 {
		errs = append(errs, fmt.Errorf("--seats %d: want at least 1", c.Seats))
	}
	if c.Trivial < 1 || c.Concurrency < 1 {
		errs = append(errs, errors.New("--trivial and --concurrency: want at least 1"))
	}
	if c.FairWindow != "" {
		if d, err := time.ParseDuration(c.FairWindow); err != nil || checkFairWindow("--fair-window", d) != nil {
			errs = append(errs, fmt.Errorf("--fair-window %q: want a duration from 0s to %s", c.FairWindow, maxFairWindow))
		}
	}
	if c.HeapProfile != "" && c.InProcess {
		errs = append(errs, errors.New("--heap-profile: not with --in-process"))
	}
	if c.OpenIn < 0 || c.Timeout <= 0 {
		errs = append(errs, errors.New("--open-in: want 0 or more; --timeout: want a positive duration"))
	}
	return errors.Join(errs...)
}

// bookings returns the booking service serve wires: b, or b wrapped by
// o.wrapBookings.
func (o Options) bookings(b culture.BookingService) culture.BookingService {
	if o.wrapBookings == nil {
		return b
	}
	return o.wrapBookings(b)
}

// conventionalBookings sends bookings of one activity through the store's
// conventional path and everything else to the wrapped service.
type conventionalBookings struct {
	culture.BookingService
	store    *sqlstore.Store
	activity atomic.Int64 // 0 until the bench creates it
}

func (c *conventionalBookings) CreateBooking(ctx context.Context, req *culture.BookingRequest) (*culture.Booking, error) {
	if req.ActivityID == c.activity.Load() {
		return c.store.ConventionalBook(ctx, req)
	}
	return c.BookingService.CreateBooking(ctx, req)
}

// benchDB returns the DSN the bench runs on and a function that removes
// what it made: a temporary SQLite file, or a fresh PostgreSQL schema.
func benchDB(ctx context.Context, dsn string) (string, func(), error) {
	switch {
	case dsn == "":
		dir, err := os.MkdirTemp("", "wenyun-bench-")
		if err != nil {
			return "", nil, err
		}
		return "sqlite:" + filepath.Join(dir, "bench.db"), func() { os.RemoveAll(dir) }, nil
	case strings.HasPrefix(dsn, "sqlite:"):
		return dsn, func() {}, nil
	}
	return benchSchema(ctx, dsn)
}

// benchSchema creates schema bench_<time> and returns dsn with that
// search_path; the cleanup drops the schema.
func benchSchema(ctx context.Context, dsn string) (string, func(), error) {
	schema := fmt.Sprintf("bench_%d", time.Now().UnixNano())
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return "", nil, err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	drop := func() {
		if db, err := sql.Open("pgx", dsn); err == nil {
			db.Exec("DROP SCHEMA " + schema + " CASCADE") //nolint:errcheck // best effort
			db.Close()
		}
	}
	u, err := url.Parse(dsn)
	if err != nil {
		drop()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

// benchActivity stores a first_come activity with seats seats, one per
// booking, opening at opens.
func benchActivity(ctx context.Context, s *sqlstore.Store, unitID int64, title string, seats int, opens time.Time) (*culture.Activity, error) {
	start := opens.Add(48 * time.Hour).Truncate(time.Hour)
	act := &culture.Activity{
		UnitID: unitID, Title: title, Category: "书法美术",
		StartsAt: start, EndsAt: start.Add(90 * time.Minute), Capacity: seats,
		Mode: culture.ModeFirstCome, OpensAt: opens, ClosesAt: start, MaxPerBooking: 1,
	}
	if _, err := s.CreateActivity(ctx, act, 1); err != nil {
		return nil, fmt.Errorf("create activity: %w", err)
	}
	return act, nil
}

// fairWindow returns the window the server runs with: --fair-window, or
// serve's default.
func (c *benchConfig) fairWindow() time.Duration {
	if d, err := time.ParseDuration(c.FairWindow); err == nil {
		return d
	}
	return booking.DefaultFairWindow
}

// benchServer is the server under test: a child process (pid, rss) or,
// with --in-process, serve in this process; stop shuts it down.
type benchServer struct {
	url     string
	log     *capWriter // warnings and errors of its log
	pid     int        // 0 in process
	cmdline string
	rss     *rssSampler // nil in process
	stop    func() error
}

func startBenchServer(ctx context.Context, dsn string, wrap func(culture.BookingService) culture.BookingService, extra ...string) (*benchServer, error) {
	ctx, cancel := context.WithCancel(ctx)
	s := &benchServer{log: &capWriter{max: 16 << 10}}
	ready, done := make(chan string, 1), make(chan error, 1)
	o := Options{Stderr: s.log, Stdout: io.Discard, Ready: func(addr string) { ready <- addr }, wrapBookings: wrap}
	go func() {
		args := append([]string{"--addr", "127.0.0.1:0", "--db", dsn, "--log-level", "warn"}, extra...)
		done <- runServe(ctx, o, args)
	}()
	var once sync.Once
	var stopErr error
	s.stop = func() error { once.Do(func() { cancel(); stopErr = <-done }); return stopErr }
	select {
	case addr := <-ready:
		s.url = "http://" + addr
		return s, nil
	case err := <-done:
		cancel()
		return nil, fmt.Errorf("serve: %w\n%s", err, s.log)
	}
}
