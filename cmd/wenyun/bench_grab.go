package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// fdReserve is the file descriptors kept for the databases, the log and
// the listener beside the crowd's connections.
const fdReserve = 512

// grabRun is one run of "bench grab": its fixtures and its server.
type grabRun struct {
	cfg     *benchConfig
	out     io.Writer
	store   *sqlstore.Store
	ids     []int64
	tokens  []string
	unitID  int64
	srv     *benchServer
	client  *http.Client
	conv    *conventionalBookings
	window  time.Duration // the server's fair window
	convAct *culture.Activity
	failed  []string
}

// runGrab runs the grab scenario and returns an error when a check fails.
func runGrab(ctx context.Context, o Options, cfg *benchConfig) error {
	g := &grabRun{cfg: cfg, out: o.Stdout, window: cfg.fairWindow()}
	g.limitConcurrency()
	dsn, cleanup, err := benchDB(ctx, cfg.DB)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	defer cleanup()
	if err := g.setup(ctx, dsn); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	defer g.store.Close()
	defer g.srv.stop() //nolint:errcheck // shutdown after the run
	if err := g.run(ctx); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	g.printMemory()
	if err := g.srv.stop(); err != nil {
		fmt.Fprintf(g.out, "note: the server did not stop cleanly: %v\n", err)
	}
	if len(g.failed) > 0 {
		fmt.Fprintln(g.out, "FAIL")
		return fmt.Errorf("bench: FAIL: %s", strings.Join(g.failed, "; "))
	}
	fmt.Fprintln(g.out, "PASS")
	return nil
}

// limitConcurrency raises the soft limit on open files to the hard one
// and, when the crowd's connections would still not fit, lowers the
// concurrency to fit. A connection takes one descriptor here with a child
// server (which inherits the raised limit; Go raises its own soft limit to
// the hard one at start anyway) and two --in-process, where the server's
// ends live in this process too.
func (g *grabRun) limitConcurrency() {
	perConn := 1
	if g.cfg.InProcess {
		perConn = 2
	}
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return
	}
	if rl.Cur < rl.Max {
		rl.Cur = rl.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl) //nolint:errcheck // checked by the next Getrlimit
		syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) //nolint:errcheck // rl keeps the old value
	}
	if fit := (int(rl.Cur) - fdReserve) / perConn; g.cfg.Concurrency > fit {
		fmt.Fprintf(g.out, "note: open-file limit %d (hard %d): at most %d requests in flight "+
			"(each connection uses %d descriptor(s) in this process)\n", rl.Cur, rl.Max, fit, perConn)
		g.cfg.Concurrency = max(fit, 1)
	}
}

// setup opens the store, creates the residents and starts the server.
func (g *grabRun) setup(ctx context.Context, dsn string) error {
	var err error
	t0 := time.Now()
	g.store, err = sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	hub := &culture.Unit{Kind: culture.UnitHub, Name: "解放区文化馆"}
	if err := g.store.CreateUnit(ctx, hub); err != nil {
		g.store.Close()
		return err
	}
	g.unitID = hub.ID
	g.ids, g.tokens, err = g.store.BenchResidents(ctx, g.cfg.Clients, "19")
	if err != nil {
		g.store.Close()
		return err
	}
	fmt.Fprintf(g.out, "setup: %s, %d residents with tokens in %s\n", g.store.Engine(), len(g.ids), ms(time.Since(t0)))
	// The conventional activity exists before the server starts, so that a
	// child server can be told its id; it opens now, and its crowd comes
	// after the engine's.
	var convID int64
	if g.cfg.Conventional {
		if g.convAct, err = benchActivity(ctx, g.store, g.unitID, "少儿书法体验课（conventional）", g.cfg.Seats, time.Now()); err != nil {
			g.store.Close()
			return err
		}
		convID = g.convAct.ID
	}
	if g.cfg.InProcess {
		g.conv = &conventionalBookings{store: g.store}
		g.conv.activity.Store(convID)
		g.srv, err = startBenchServer(ctx, dsn, func(b culture.BookingService) culture.BookingService {
			g.conv.BookingService = b
			return g.conv
		}, "--fair-window", g.window.String())
	} else {
		g.srv, err = startChildServer(ctx, dsn, convID, g.window, g.cfg.HeapProfile)
	}
	if err != nil {
		g.store.Close()
		return err
	}
	if g.srv.pid != 0 {
		fmt.Fprintf(g.out, "server: child pid %d, open-file limit %s: %s\n", g.srv.pid, openFileLimit(g.srv.pid), g.srv.cmdline)
	} else {
		fmt.Fprintln(g.out, "server: in this process (--in-process)")
	}
	g.client = newBenchClient(g.cfg.Concurrency, g.cfg.Timeout)
	return nil
}

// run warms the crowd, creates the activities and fires the crowds.
func (g *grabRun) run(ctx context.Context) error {
	if g.cfg.Warm {
		if err := g.warm(ctx); err != nil {
			return err
		}
	}
	opens := time.Now().Add(g.cfg.OpenIn)
	act, err := benchActivity(ctx, g.store, g.unitID, "少儿书法体验课（bench）", g.cfg.Seats, opens)
	if err != nil {
		return err
	}
	fmt.Fprintf(g.out, "crowd: %d clients, %d seats, at most %d in flight, opening at %s, fair window %s\n",
		g.cfg.Clients, g.cfg.Seats, g.cfg.Concurrency, act.OpensAt.Format("15:04:05.000"), g.window)
	if g.srv.rss != nil {
		g.srv.rss.phase() // the engine crowd's phase starts here
	}
	grab := g.grab(ctx, act, "engine", opens)
	if g.srv.rss != nil {
		fmt.Fprintf(g.out, "server peak RSS during the engine crowd: %s (sampled every %s)\n", mib(g.srv.rss.phase()), rssEvery)
	}
	trivial := fire(ctx, g.client, "trivial", g.trivialRequests(), g.cfg.Concurrency, time.Now()).stats()
	trivial.print(g.out, "trivial GET /healthz")
	fmt.Fprintf(g.out, "ratio grab/trivial: %.2f\n", grab.perSec/trivial.perSec)
	if g.convAct != nil {
		conv := g.grab(ctx, g.convAct, "conventional", time.Now())
		fmt.Fprintf(g.out, "ratio engine/conventional: %.2f\n", grab.perSec/conv.perSec)
	}
	if s := g.srv.log.String(); s != "" {
		fmt.Fprintf(g.out, "server log (warnings and errors, first %d bytes):\n%s\n", g.srv.log.max, s)
	}
	return nil
}

// grab fires the crowd at the activity when it opens, prints the numbers
// and checks the database.
func (g *grabRun) grab(ctx context.Context, act *culture.Activity, name string, at time.Time) stats {
	reqs := g.bookingRequests(act.ID, name)
	cr := fire(ctx, g.client, name, reqs, g.cfg.Concurrency, at)
	st := cr.stats()
	st.print(g.out, "grab ("+name+")")
	if name == "engine" && g.window > 0 {
		end := act.OpensAt.Add(g.window)
		ad := cr.fromAdmission(end)
		fmt.Fprintf(g.out, "  latency from admission, max(send, opens + %s window): p50 %s, p99 %s, max %s "+
			"(%d answers held by the window)\n", g.window, ms(ad.p50), ms(ad.p99), ms(ad.max), ad.held)
	}
	g.check(ctx, act.ID, name, cr)
	return st
}

// warm has every client read GET /api/v1/me with its token before the
// opening, as an app showing the countdown would: the connections are open
// and the server has seen the tokens.
func (g *grabRun) warm(ctx context.Context) error {
	reqs := make([]*http.Request, len(g.tokens))
	for i, tok := range g.tokens {
		reqs[i] = g.request(http.MethodGet, "/api/v1/me", tok, "")
	}
	t0 := time.Now()
	st := fire(ctx, g.client, "warm", reqs, g.cfg.Concurrency, t0).stats()
	fmt.Fprintf(g.out, "warm: %d of %d clients read /api/v1/me in %s\n", st.counts["200"], st.n, ms(time.Since(t0)))
	if st.counts["200"] != st.n {
		return fmt.Errorf("warm-up failed: %v\n%s", st.counts, g.srv.log)
	}
	return nil
}

func (g *grabRun) bookingRequests(activityID int64, name string) []*http.Request {
	path := "/api/v1/activities/" + strconv.FormatInt(activityID, 10) + "/bookings"
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	reqs := make([]*http.Request, len(g.tokens))
	for i, tok := range g.tokens {
		reqs[i] = g.request(http.MethodPost, path, tok, name+"-"+run+"-"+strconv.Itoa(i))
	}
	return reqs
}

func (g *grabRun) trivialRequests() []*http.Request {
	reqs := make([]*http.Request, g.cfg.Trivial)
	for i := range reqs {
		reqs[i] = g.request(http.MethodGet, "/healthz", "", "")
	}
	return reqs
}

// request builds a request without a body (a booking for oneself).
func (g *grabRun) request(method, path, token, key string) *http.Request {
	req, err := http.NewRequest(method, g.srv.url+path, http.NoBody)
	if err != nil {
		panic(err) // the URL is ours
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	return req
}

// check verifies the crowd's outcome in the database: every request
// answered, exactly min(clients, seats) confirmed, each 201 among them,
// no account with two active bookings.
func (g *grabRun) check(ctx context.Context, activityID int64, name string, cr *crowd) {
	failedBefore := len(g.failed)
	confirmed, doubles, err := g.bookingsOf(ctx, activityID)
	if err != nil {
		g.fail("%s: read bookings: %v", name, err)
		return
	}
	want := min(g.cfg.Clients, g.cfg.Seats)
	acked, lost := 0, 0
	for _, s := range cr.shots {
		switch {
		case s.status == 0:
			lost++
		case s.status == http.StatusCreated:
			acked++
			if !confirmed[s.id] {
				g.fail("%s: booking %d was acknowledged but is not confirmed in the database", name, s.id)
			}
		}
	}
	checks := []struct {
		ok   bool
		what string
	}{
		{lost == 0, fmt.Sprintf("%d of %d requests got no answer", lost, len(cr.shots))},
		{len(confirmed) == want, fmt.Sprintf("%d bookings confirmed, want %d", len(confirmed), want)},
		{acked == want, fmt.Sprintf("%d answered 201, want %d", acked, want)},
		{doubles == 0, fmt.Sprintf("%d accounts hold two active bookings", doubles)},
	}
	for _, c := range checks {
		if !c.ok {
			g.fail("%s: %s", name, c.what)
		}
	}
	fmt.Fprintf(g.out, "check (%s): %d confirmed of %d seats, %d acknowledged, %d unanswered, %d accounts with two: %s\n",
		name, len(confirmed), g.cfg.Seats, acked, lost, doubles, passFail(len(g.failed) == failedBefore))
}

// bookingsOf returns the confirmed booking ids of the activity and the
// number of accounts holding more than one active booking of it.
func (g *grabRun) bookingsOf(ctx context.Context, activityID int64) (map[int64]bool, int, error) {
	db := g.store.DB()
	rebind := func(q string) string {
		if g.store.Engine() == "postgres" {
			return strings.Replace(q, "?", "$1", 1)
		}
		return q
	}
	rows, err := db.QueryContext(ctx, rebind(`SELECT id FROM bookings WHERE activity_id = ? AND status = 'confirmed'`), activityID)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	confirmed := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, 0, err
		}
		confirmed[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	var doubles int
	err = db.QueryRowContext(ctx, rebind(`SELECT COUNT(*) FROM (SELECT account_id FROM bookings
		WHERE activity_id = ? AND status IN ('pending', 'confirmed', 'checked_in')
		GROUP BY account_id HAVING COUNT(*) > 1) d`), activityID).Scan(&doubles)
	return confirmed, doubles, err
}

func (g *grabRun) fail(format string, args ...any) {
	g.failed = append(g.failed, fmt.Sprintf(format, args...))
}

func passFail(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

// printMemory prints the peak resident set size of the server (a child:
// the peak of the samples and its VmHWM, read before it stops) and of this
// process.
func (g *grabRun) printMemory() {
	self := "n/a"
	if kb, err := procStatusKB(0, "VmHWM"); err == nil {
		self = mib(kb)
	}
	if g.srv.rss == nil {
		fmt.Fprintf(g.out, "memory: peak RSS (VmHWM) %s — server and the client crowd in one process (--in-process)\n", self)
		return
	}
	g.srv.rss.stop()
	peak, n := g.srv.rss.result()
	hwm := "n/a"
	if kb, err := procStatusKB(g.srv.pid, "VmHWM"); err == nil {
		hwm = mib(kb)
	}
	fmt.Fprintf(g.out, "server peak RSS: %s (VmRSS of pid %d, %d samples every %s from listening to the end)\n",
		mib(peak), g.srv.pid, n, rssEvery)
	fmt.Fprintf(g.out, "server VmHWM: %s (high-water mark since its start, read before SIGTERM)\n", hwm)
	fmt.Fprintf(g.out, "bench process (clients only) peak RSS (VmHWM): %s\n", self)
}

// capWriter keeps the first max bytes written to it; safe for concurrent
// use.
type capWriter struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (w *capWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if room := w.max - len(w.b); room > 0 {
		w.b = append(w.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (w *capWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.b)
}
