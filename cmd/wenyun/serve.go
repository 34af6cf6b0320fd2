package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/wenyun/wenyun/internal/api"
	"github.com/wenyun/wenyun/internal/booking"
	"github.com/wenyun/wenyun/internal/clientip"
	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/obs"
	"github.com/wenyun/wenyun/internal/sqlstore"
	"github.com/wenyun/wenyun/internal/web"
	"github.com/wenyun/wenyun/internal/webhook"
)

// sessionCleanupEvery is how often expired sessions are deleted.
const sessionCleanupEvery = time.Hour

// runServe serves HTTP until ctx is cancelled, then shuts down gracefully.
func runServe(ctx context.Context, o Options, args []string) error {
	cfg, err := parseConfig(o, args)
	if err != nil {
		return err
	}
	log := newLogger(o.Stderr, cfg.LogLevel, cfg.LogFormat)
	applyMemoryLimit(cfg.MemoryLimit, log)
	store, err := sqlstore.Open(ctx, cfg.DB, sqlstore.Options{Logger: log})
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer closeStore(store, log)
	now := o.clock()
	store.Now = now
	if err := applyGrabRules(store, &cfg.Grab, log); err != nil {
		return err
	}
	queue, err := startNotify(ctx, store, cfg, log) // before the demo, so its notifications are sent
	if err != nil {
		return err
	}
	defer stopNotify(queue, cfg.ShutdownTimeout, log) // after the engine, before the store closes
	if cfg.Demo {
		if err := serveDemo(ctx, store, o.Stdout, log); err != nil {
			return err
		}
	}
	engine := booking.New(store, booking.Options{FairWindow: fairWindow(cfg.FairWindow), Logger: log, Now: now})
	engine.Start()
	defer closeEngine(engine, cfg.ShutdownTimeout, log) // before the store closes
	metrics := obs.NewMetrics()
	h, err := newHandler(store, o.bookings(engine), cfg, metrics, log, now)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	cfg.webhookGuard().AddListener(ln.Addr().String()) //nolint:errcheck // a listener's address
	s := &server{
		srv: newHTTPServer(h, log), ln: ln, timeout: cfg.ShutdownTimeout, log: log,
		attrs: []any{"db", store.Engine(), "version", version},
		jobs: []func(context.Context){
			func(ctx context.Context) { cleanSessions(ctx, store.SessionStore(), log) },
			runJobs(jobTasks(store, log), log, cfg.ShutdownTimeout),
		},
	}
	if cfg.MetricsAddr != "" {
		if s.metricsLn, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			ln.Close() //nolint:errcheck // failing anyway
			return fmt.Errorf("listen for metrics: %w", err)
		}
		cfg.webhookGuard().AddListener(s.metricsLn.Addr().String()) //nolint:errcheck // a listener's address
		s.metricsSrv = newHTTPServer(metricsMux(metrics), log)
	}
	return s.run(ctx, o.Ready)
}

// newHandler composes the web pages, the API, health checks and, unless
// --metrics-addr moves it, /metrics. Bookings go through bookings;
// everything else through the store. The client address that rate limits
// key on sees through the --trusted-proxies.
func newHandler(store *sqlstore.Store, bookings culture.BookingService, cfg *Config, metrics *obs.Metrics, log *slog.Logger, now func() time.Time) (http.Handler, error) {
	trusted, err := clientip.Parse(cfg.TrustedProxies)
	if err != nil {
		return nil, err // Validate has checked it
	}
	clientIP := clientip.New(trusted).IP
	webhooks := webhook.Guarded(store, cfg.webhookGuard())
	sender, err := cfg.Notify.codeSender(cfg.SMS, log)
	if err != nil {
		return nil, fmt.Errorf("sign-in codes: %w", err)
	}
	w, err := web.New(web.Config{
		Units: store, Accounts: store, Activities: store, Bookings: bookings, Lotteries: store, Grab: store, Menu: store, Images: store,
		Notifications: store, Communities: store, News: store, Moderation: store,
		Stats: store, Feeds: store, Webhooks: webhooks,
		Sessions: store.SessionStore(), SMS: sender, Logger: log,
		Secure: cfg.SecureCookies, TemplateDir: cfg.DevTemplates, Now: now,
		FairWindow: cfg.FairWindow, ClientIP: clientIP,
		PublicURL: cfg.Notify.PublicURL,
	})
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	a := api.New(api.Config{
		Units: store, Accounts: store, Activities: store, Bookings: bookings, Lotteries: store, Grab: store, Menu: store,
		Notifications: store, Communities: store, News: store, Moderation: store,
		Stats: store, Feeds: store, Webhooks: webhooks,
		SMS: sender, Logger: log, Now: now, ClientIP: clientIP,
		PublicURL: cfg.Notify.PublicURL,
	})
	mux := http.NewServeMux()
	mux.Handle(api.Prefix+"/", a.Handler())
	mux.HandleFunc("GET /healthz", handleHealthz)
	mux.Handle("GET /readyz", handleReadyz(store, log))
	if cfg.MetricsAddr == "" {
		mux.Handle("GET /metrics", metrics.Handler())
	}
	mux.Handle("/", w.Handler())
	return metrics.Middleware(mux), nil
}

// metricsMux serves /metrics alone, for the --metrics-addr server.
func metricsMux(metrics *obs.Metrics) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler())
	return mux
}

// handleHealthz answers while the process is alive.
func handleHealthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	io.WriteString(w, "ok\n") //nolint:errcheck // the client may be gone
}

// pinger is the part of the store that readiness needs.
type pinger interface{ Ping(context.Context) error }

// handleReadyz answers 200 when the database answers within two seconds.
func handleReadyz(db pinger, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := db.Ping(ctx); err != nil {
			log.WarnContext(r.Context(), "not ready: database does not answer", "err", err)
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok\n") //nolint:errcheck // the client may be gone
	})
}

func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// server is an http.Server with its listener and background jobs.
type server struct {
	srv     *http.Server
	ln      net.Listener
	timeout time.Duration // for in-flight requests at shutdown
	// metricsSrv, when set, serves /metrics on metricsLn (--metrics-addr);
	// it starts before and stops with srv.
	metricsSrv *http.Server
	metricsLn  net.Listener
	log        *slog.Logger
	attrs      []any                   // logged with "listening"
	jobs       []func(context.Context) // run until shutdown begins
}

// run serves until ctx is cancelled, then stops accepting connections,
// waits up to the timeout for in-flight requests and stops the jobs. The
// caller closes the store afterwards.
func (s *server) run(ctx context.Context, ready func(addr string)) error {
	var metricsServed chan error // nil, so never ready, without a metrics server
	if s.metricsSrv != nil {
		metricsServed = make(chan error, 1)
		go func() { metricsServed <- s.metricsSrv.Serve(s.metricsLn) }()
		s.log.Info("metrics listening", "addr", s.metricsLn.Addr().String())
	}
	served := make(chan error, 1)
	go func() { served <- s.srv.Serve(s.ln) }()
	addr := s.ln.Addr().String()
	s.log.Info("listening", append([]any{"addr", addr}, s.attrs...)...)
	if ready != nil {
		ready(addr)
	}
	jobsCtx, stopJobs := context.WithCancel(ctx)
	var jobs sync.WaitGroup
	for _, job := range s.jobs {
		jobs.Go(func() { job(jobsCtx) })
	}
	defer jobs.Wait()
	defer stopJobs()

	select {
	case err := <-served:
		if s.metricsSrv != nil {
			s.metricsSrv.Close() //nolint:errcheck // stopping anyway
		}
		return fmt.Errorf("serve: %w", err)
	case err := <-metricsServed:
		s.srv.Close() //nolint:errcheck // stopping anyway
		return fmt.Errorf("serve metrics: %w", err)
	case <-ctx.Done():
	}
	return s.shutdown(served, metricsServed)
}

func (s *server) shutdown(served, metricsServed <-chan error) error {
	s.log.Info("shutting down", "timeout", s.timeout.String())
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	// The metrics server stops alongside srv, within the same timeout.
	var metricsDone sync.WaitGroup
	if s.metricsSrv != nil {
		metricsDone.Go(func() {
			if err := s.metricsSrv.Shutdown(ctx); err != nil {
				s.metricsSrv.Close() //nolint:errcheck // cutting off what is left
				s.log.Warn("metrics shutdown: scrapes cut off", "err", err)
			}
			<-metricsServed
		})
	}
	err := s.srv.Shutdown(ctx)
	if err != nil {
		s.srv.Close() //nolint:errcheck // cutting off what is left
		err = fmt.Errorf("shutdown: requests still running after %s were cut off: %w", s.timeout, err)
	} else if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
		err = fmt.Errorf("serve: %w", serr)
	}
	metricsDone.Wait()
	if err != nil {
		return err
	}
	s.log.Info("stopped")
	return nil
}

// sessionCleaner is the part of the session store the cleanup job needs.
type sessionCleaner interface {
	Cleanup(ctx context.Context) (int64, error)
}

// cleanSessions deletes expired sessions at start and then every hour,
// until ctx is cancelled.
func cleanSessions(ctx context.Context, ss sessionCleaner, log *slog.Logger) {
	t := time.NewTicker(sessionCleanupEvery)
	defer t.Stop()
	for {
		n, err := ss.Cleanup(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			log.Error("session cleanup", "err", err)
		case n > 0:
			log.Info("session cleanup", "deleted", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// applyMemoryLimit sets the runtime's soft memory limit when configured
// (it replaces GOMEMLIMIT then) and logs the limit in force. The limit
// makes the collector run sooner as the heap nears it, trading CPU for
// resident memory; it never refuses an allocation or a request.
func applyMemoryLimit(limit byteSize, log *slog.Logger) {
	if limit > 0 {
		debug.SetMemoryLimit(int64(limit))
	}
	if cur := debug.SetMemoryLimit(-1); cur != math.MaxInt64 {
		log.Info("memory limit", "bytes", cur, "limit", byteSize(cur).String())
	}
}

// fairWindow turns the configured window into booking.Options: 0 there
// means the default, so "no fair start" is negative.
func fairWindow(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// closeEngine stops taking bookings and commits and answers every queued
// one; serve calls it after the HTTP server stopped, before the store
// closes.
func closeEngine(e *booking.Engine, timeout time.Duration, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := e.Close(ctx); err != nil {
		log.Error("close booking engine", "err", err)
	}
}

func closeStore(store *sqlstore.Store, log *slog.Logger) {
	if err := store.Close(); err != nil {
		log.Error("close database", "err", err)
	}
}
