package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// rssEvery is how often the bench samples the server's resident set size.
const rssEvery = 50 * time.Millisecond

// startChildServer runs the server as a child process: this binary again,
// as "wenyun serve" on 127.0.0.1:0, or, when convActivity is not 0, as
// "wenyun bench serve --conventional-activity ID" (the same serve with
// that one activity routed to the conventional path). It learns the
// address from the "listening" log line and samples the child's RSS until
// stop, which sends SIGTERM and waits.
func startChildServer(ctx context.Context, dsn string, convActivity int64, fairWindow time.Duration, heapProfile string) (*benchServer, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find own binary: %w", err)
	}
	args := []string{"serve"}
	if convActivity != 0 || heapProfile != "" {
		args = []string{"bench", "serve"}
	}
	if convActivity != 0 {
		args = append(args, "--conventional-activity", strconv.FormatInt(convActivity, 10))
	}
	if heapProfile != "" {
		args = append(args, "--heap-profile", heapProfile)
	}
	args = append(args, "--addr", "127.0.0.1:0", "--db", dsn, "--fair-window", fairWindow.String(),
		"--log-format", "json", "--log-level", "info")
	s := &benchServer{log: &capWriter{max: 16 << 10}}
	logw := &childLog{warn: s.log, ready: make(chan string, 1)}
	cmd := exec.Command(exe, args...)
	cmd.Env = benchChildEnv()
	cmd.Stderr = logw
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", exe, err)
	}
	s.pid = cmd.Process.Pid
	shown := slices.Clone(args)
	if i := slices.Index(shown, "--db"); i >= 0 {
		shown[i+1] = redactDSN(dsn)
	}
	s.cmdline = "wenyun " + strings.Join(shown, " ")
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var once sync.Once
	var stopErr error
	s.stop = func() error {
		once.Do(func() {
			if s.rss != nil {
				s.rss.stop()
			}
			cmd.Process.Signal(syscall.SIGTERM) //nolint:errcheck // it may be gone; Wait says
			select {
			case stopErr = <-done:
			case <-time.After(30 * time.Second):
				cmd.Process.Kill() //nolint:errcheck // it did not stop on SIGTERM
				stopErr = fmt.Errorf("no exit within 30 s of SIGTERM, killed: %v", <-done)
			}
		})
		return stopErr
	}
	select {
	case addr := <-logw.ready:
		s.url = "http://" + addr
		s.rss = startRSSSampler(s.pid, heapProfile != "")
		return s, nil
	case err := <-done:
		return nil, fmt.Errorf("%s: %v before listening\n%s", s.cmdline, err, logw.tail())
	case <-ctx.Done():
		s.stop() //nolint:errcheck // giving up
		return nil, ctx.Err()
	case <-time.After(2 * time.Minute):
		s.stop() //nolint:errcheck // giving up
		return nil, fmt.Errorf("%s: no listening line within 2 minutes\n%s", s.cmdline, logw.tail())
	}
}

// redactDSN hides the password of a postgres:// URL, for printing.
func redactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		return u.Redacted()
	}
	return dsn
}

// benchChildEnv is this process's environment without WENYUN_* variables,
// so that the child runs with the bench's flags and serve's defaults only.
func benchChildEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "WENYUN_") {
			env = append(env, kv)
		}
	}
	return env
}

// childLog takes the child's JSON log: the address of the "listening"
// line goes to ready, warnings and errors to warn, and the last lines are
// kept for an error message.
type childLog struct {
	warn    *capWriter
	ready   chan string
	mu      sync.Mutex
	partial []byte
	last    []string
}

func (w *childLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		w.line(w.partial[:i])
		w.partial = w.partial[i+1:]
	}
	if len(w.partial) > 64<<10 { // a line this long is not ours to parse
		w.partial = w.partial[:0]
	}
	return len(p), nil
}

func (w *childLog) line(b []byte) {
	w.last = append(w.last, string(b))
	if len(w.last) > 20 {
		w.last = w.last[1:]
	}
	var v struct{ Level, Msg, Addr string }
	if json.Unmarshal(b, &v) != nil {
		w.warn.Write(append(b, '\n')) //nolint:errcheck // capWriter does not fail
		return
	}
	switch {
	case v.Msg == "listening" && v.Addr != "":
		select {
		case w.ready <- v.Addr:
		default:
		}
	case v.Level == "WARN" || v.Level == "ERROR":
		w.warn.Write(append(b, '\n')) //nolint:errcheck // capWriter does not fail
	}
}

func (w *childLog) tail() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.last, "\n")
}

// rssSampler reads VmRSS of a process every rssEvery and keeps the peak,
// over the whole run and since the last call of phase.
type rssSampler struct {
	pid       int
	mu        sync.Mutex
	peak      int64 // kB
	phasePeak int64 // kB
	samples   int
	profile   bool      // send SIGUSR1 at new peaks (bench grab --heap-profile)
	profiled  int64     // kB: the peak when SIGUSR1 was last sent
	lastProf  time.Time // when SIGUSR1 was last sent
	quit      chan struct{}
	done      chan struct{}
}

func startRSSSampler(pid int, profile bool) *rssSampler {
	r := &rssSampler{pid: pid, profile: profile, quit: make(chan struct{}), done: make(chan struct{})}
	r.sample()
	go func() {
		defer close(r.done)
		t := time.NewTicker(rssEvery)
		defer t.Stop()
		for {
			select {
			case <-r.quit:
				return
			case <-t.C:
				r.sample()
			}
		}
	}()
	return r
}

func (r *rssSampler) sample() {
	kb, err := procStatusKB(r.pid, "VmRSS")
	if err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.samples++
	r.peak = max(r.peak, kb)
	r.phasePeak = max(r.phasePeak, kb)
	if r.profile && kb == r.peak && kb >= r.profiled+heapProfileStep && time.Since(r.lastProf) >= heapProfileEvery {
		r.profiled, r.lastProf = kb, time.Now()
		syscall.Kill(r.pid, syscall.SIGUSR1) //nolint:errcheck // diagnostic only
	}
}

// phase samples once more and returns the peak since the previous call (or
// the start), then starts a new phase.
func (r *rssSampler) phase() int64 {
	r.sample()
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.phasePeak
	r.phasePeak = 0
	return p
}

// result returns the peak over the run and the number of samples.
func (r *rssSampler) result() (int64, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.peak, r.samples
}

func (r *rssSampler) stop() {
	select {
	case <-r.quit:
	default:
		close(r.quit)
		<-r.done
	}
}

// procStatusKB reads a "… kB" field of /proc/<pid>/status (pid 0: this
// process).
func procStatusKB(pid int, field string) (int64, error) {
	path := "/proc/self/status"
	if pid != 0 {
		path = "/proc/" + strconv.Itoa(pid) + "/status"
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && k == field {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("%s: no %s", path, field)
}

// mib formats kB as MiB with one decimal.
func mib(kb int64) string {
	return strconv.FormatFloat(float64(kb)/1024, 'f', 1, 64) + " MiB"
}

// openFileLimit reads the soft and hard "Max open files" of a process from
// /proc/<pid>/limits.
func openFileLimit(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/limits")
	if err != nil {
		return "n/a"
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "Max open files"); ok {
			f := strings.Fields(rest)
			if len(f) >= 2 {
				return f[0] + "/" + f[1]
			}
		}
	}
	return "n/a"
}

// runBenchServe is the hidden "wenyun bench serve [--conventional-activity
// ID] [--heap-profile FILE] [serve flags]": serve, with bookings of
// activity ID sent through Store.ConventionalBook, and with heap profiles
// written to FILE on SIGUSR1 (bench_heap.go). Only "bench grab" starts it,
// as its child server (--conventional or --heap-profile); it is not a
// command for operators.
func runBenchServe(ctx context.Context, o Options, args []string) error {
	var id int64
	var heapProfile string
	for len(args) >= 2 && (args[0] == "--conventional-activity" || args[0] == "--heap-profile") {
		if args[0] == "--heap-profile" {
			heapProfile = args[1]
		} else {
			n, err := strconv.ParseInt(args[1], 10, 64)
			if err != nil || n < 1 {
				return usageErrorf("bench serve: --conventional-activity %q: want an activity id", args[1])
			}
			id = n
		}
		args = args[2:]
	}
	if id == 0 && heapProfile == "" {
		return usageErrorf("bench serve: want --conventional-activity ID and/or --heap-profile FILE [serve flags] (used by bench grab only)")
	}
	if heapProfile != "" {
		writeHeapProfilesOnSignal(ctx, heapProfile)
	}
	if id == 0 {
		err := runServe(ctx, o, args)
		if errors.Is(err, errHelp) {
			return nil
		}
		return err
	}
	cfg, err := parseConfig(o, args)
	if err != nil {
		return err
	}
	store, err := sqlstore.Open(ctx, cfg.DB, sqlstore.Options{})
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer store.Close()
	conv := &conventionalBookings{store: store}
	conv.activity.Store(id)
	o.wrapBookings = func(b culture.BookingService) culture.BookingService {
		conv.BookingService = b
		return conv
	}
	err = runServe(ctx, o, args)
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
}
