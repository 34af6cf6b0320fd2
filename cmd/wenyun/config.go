package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wenyun/wenyun/internal/booking"
	"github.com/wenyun/wenyun/internal/clientip"
	"github.com/wenyun/wenyun/internal/webhook"
)

// defaultDB is where serve keeps its data when told nothing else.
const defaultDB = "sqlite:./wenyun-data/wenyun.db"

// Config is the configuration of serve, read from flags and WENYUN_*
// environment variables: a flag wins over the environment, which wins over
// the default.
type Config struct {
	Addr            string
	DB              string
	Demo            bool
	SMS             string
	LogLevel        string
	LogFormat       string
	SecureCookies   bool
	DevTemplates    string
	ShutdownTimeout time.Duration
	// FairWindow is how long after a first-come activity opens requests
	// are collected and admitted in random order; 0 turns it off.
	FairWindow time.Duration
	// MemoryLimit is the Go runtime's soft memory limit in bytes
	// (debug.SetMemoryLimit); 0 leaves the runtime's own (GOMEMLIMIT, or
	// none).
	MemoryLimit byteSize
	// TrustedProxies lists the reverse proxies (IPs and CIDRs, comma
	// separated) whose X-Forwarded-For names the client; empty trusts none.
	TrustedProxies string
	// MetricsAddr, when set, serves /metrics there alone, not on Addr.
	MetricsAddr string
	// Grab holds the per-person booking rules and the ID key.
	Grab grabFlags
	// Notify configures the notification channels (notify.go).
	Notify notifyFlags
	// Webhook configures webhook delivery (notify.go).
	Webhook webhookFlags

	// source names where each setting came from ("--addr" or
	// "WENYUN_ADDR"), so that a message points at what the user typed.
	source map[string]string
	// guard is the process's webhook guard (webhookGuard, notify.go).
	guard *webhook.Guard
}

const serveAbout = `Serve the resident pages, the staff console, the JSON API (/api/v1), and
/healthz, /readyz and /metrics, until SIGINT or SIGTERM; then stop accepting
connections, let in-flight requests finish, and close the database.`

// parseConfig reads serve's configuration from args and the environment and
// validates it.
func parseConfig(o Options, args []string) (*Config, error) {
	c := &Config{}
	fs := newFlagSet("serve", serveAbout)
	fs.StringVar(&c.Addr, "addr", ":8080", "listen on `host:port`")
	fs.StringVar(&c.DB, "db", defaultDB, "the database: sqlite:`PATH` or a postgres:// URL")
	fs.BoolVar(&c.Demo, "demo", false, "load the demo world when the database is empty, and print its sign-ins")
	fs.StringVar(&c.SMS, "sms", "console", "send sign-in codes with this `driver`: console (write them to the log) or\n"+
		"http (the SMS gateway of the --sms-* flags, with --sms-code-template)")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log `level`: debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", "json", "log `format`: json or text")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", false, "mark cookies Secure (set it when served over TLS)")
	fs.StringVar(&c.DevTemplates, "dev-templates", "", "development: read templates from `DIR` (the directory holding\n"+
		"templates/, i.e. internal/web) on every request")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 15*time.Second, "on a signal, wait this long for in-flight requests")
	fs.DurationVar(&c.FairWindow, "fair-window", booking.DefaultFairWindow, "admit booking requests of the first `duration` after a first-come\n"+
		"activity opens in random order, not by the millisecond (0 to 60s; 0 turns it off)")
	fs.Var(&c.MemoryLimit, "memory-limit", "soft memory limit of the Go runtime, such as 256MiB (B, KiB, MiB or GiB):\n"+
		"past it the garbage collector runs more often (more CPU, never a refused request);\n"+
		"0 leaves the runtime's own, i.e. GOMEMLIMIT when set, else none")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", "", "comma-separated `IPs and CIDRs` of reverse proxies whose X-Forwarded-For\n"+
		"names the client (rate limits key on it); empty trusts none, i.e. the peer is the client")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", "", "serve /metrics only on `host:port` (such as 127.0.0.1:9090), not on --addr;\n"+
		"empty serves it on --addr: then block /metrics at the proxy in production")
	fs.bindEnv("addr", "db", "demo", "sms", "log-level", "log-format", "secure-cookies", "dev-templates", "shutdown-timeout",
		"fair-window", "memory-limit", "trusted-proxies", "metrics-addr")
	c.Grab.define(fs)
	fs.bindEnv(grabFlagNames...)
	c.Notify.define(fs)
	fs.bindEnv(notifyFlagNames...)
	c.Webhook.define(fs)
	fs.bindEnv(webhookFlagNames...)
	if err := fs.parse(o, args); err != nil {
		return nil, err
	}
	c.source = fs.source
	if err := c.Validate(); err != nil {
		return nil, &usageError{err}
	}
	return c, nil
}

// Validate reports every mistake in the configuration, one per line.
func (c *Config) Validate() error {
	return errors.Join(
		checkAddr(c.name("addr"), c.Addr),
		checkDB(c.name("db"), c.DB),
		checkOneOf(c.name("sms"), c.SMS, "want console or http", "console", "http"),
		checkOneOf(c.name("log-level"), c.LogLevel, "want debug, info, warn or error", "debug", "info", "warn", "error"),
		checkOneOf(c.name("log-format"), c.LogFormat, "want json or text", "json", "text"),
		checkTemplateDir(c.name("dev-templates"), c.DevTemplates),
		checkPositive(c.name("shutdown-timeout"), c.ShutdownTimeout),
		checkFairWindow(c.name("fair-window"), c.FairWindow),
		checkMemoryLimit(c.name("memory-limit"), c.MemoryLimit),
		checkTrustedProxies(c.name("trusted-proxies"), c.TrustedProxies),
		checkMetricsAddr(c.name("metrics-addr"), c.MetricsAddr, c.Addr),
		c.Grab.validate(c),
		c.Notify.validate(c),
		c.Webhook.validate(c),
	)
}

// name returns how the user set the setting: its flag or its variable.
func (c *Config) name(flagName string) string {
	if s, ok := c.source[flagName]; ok {
		return s
	}
	return "--" + flagName
}

func checkAddr(name, addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err == nil {
		_, err = strconv.ParseUint(port, 10, 16)
	}
	if err != nil {
		return fmt.Errorf("%s %q: want host:port such as :8080", name, addr)
	}
	return nil
}

func checkTrustedProxies(name, list string) error {
	if _, err := clientip.Parse(list); err != nil {
		return fmt.Errorf("%s %q: %v; want IPs or CIDRs separated by commas, such as 127.0.0.1,10.0.0.0/8", name, list, err)
	}
	return nil
}

func checkMetricsAddr(name, addr, mainAddr string) error {
	switch {
	case addr == "":
		return nil
	case addr == mainAddr && !strings.HasSuffix(addr, ":0"):
		return fmt.Errorf("%s %q: the same as --addr; give another port, such as 127.0.0.1:9090", name, addr)
	case checkAddr(name, addr) != nil:
		return fmt.Errorf("%s %q: want host:port such as 127.0.0.1:9090", name, addr)
	}
	return nil
}

func checkDB(name, dsn string) error {
	switch {
	case dsn == "sqlite:":
		return fmt.Errorf("%s %q: give a file after sqlite:, such as %s", name, dsn, defaultDB)
	case strings.HasPrefix(dsn, "sqlite:"):
		return nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		// The URL may hold a password: never echo it.
		if u, err := url.Parse(dsn); err != nil || u.Host == "" {
			return fmt.Errorf("%s: not a valid postgres:// URL (want postgres://user:password@host/dbname)", name)
		}
		return nil
	}
	return fmt.Errorf("%s %q: use sqlite:PATH or postgres://…", name, dsn)
}

func checkOneOf(name, value, want string, allowed ...string) error {
	if !slices.Contains(allowed, value) {
		return fmt.Errorf("%s %q: %s", name, value, want)
	}
	return nil
}

func checkTemplateDir(name, dir string) error {
	if dir == "" {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, "templates", "layout.html")); err != nil {
		return fmt.Errorf("%s %q: no templates/layout.html there; give the directory holding templates/ (internal/web)", name, dir)
	}
	return nil
}

func checkPositive(name string, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("%s %v: want a positive duration such as 15s", name, d)
	}
	return nil
}

// maxFairWindow bounds --fair-window: a longer wait is a queue, not a start.
const maxFairWindow = time.Minute

func checkFairWindow(name string, d time.Duration) error {
	if d < 0 || d > maxFairWindow {
		return fmt.Errorf("%s %v: want a duration from 0 to 60s, such as 2s", name, d)
	}
	return nil
}

// minMemoryLimit bounds --memory-limit from below: under it the collector
// would run almost continuously for an idle server.
const minMemoryLimit = 32 << 20

func checkMemoryLimit(name string, b byteSize) error {
	if b != 0 && b < minMemoryLimit {
		return fmt.Errorf("%s %s: want 0 (off) or at least 32MiB, such as 256MiB", name, b)
	}
	return nil
}

// byteSize is a flag of bytes written as GOMEMLIMIT is: an integer with
// an optional unit B, KiB, MiB, GiB or TiB ("256MiB", "1GiB", "0").
type byteSize int64

var byteUnits = []struct {
	suffix string
	shift  uint
}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}}

func (b *byteSize) Set(s string) error {
	num, shift := s, uint(0)
	for _, u := range byteUnits {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			num, shift = n, u.shift
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > (1<<62)>>shift {
		return fmt.Errorf("want a size such as 256MiB (units B, KiB, MiB, GiB, TiB), or 0")
	}
	*b = byteSize(n << shift)
	return nil
}

func (b *byteSize) Get() any { return *b }

func (b byteSize) String() string {
	for _, u := range byteUnits {
		if b != 0 && b%(1<<u.shift) == 0 {
			return strconv.FormatInt(int64(b)>>u.shift, 10) + u.suffix
		}
	}
	return "0"
}

// newLogger returns the process logger; level and format are validated.
func newLogger(w io.Writer, level, format string) *slog.Logger {
	var l slog.Level
	l.UnmarshalText([]byte(level)) //nolint:errcheck // validated: debug, info, warn or error
	opts := &slog.HandlerOptions{Level: l}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// flagSet is a command's flags. A flag bound to the environment takes its
// value from WENYUN_<NAME> when the command line leaves it out.
type flagSet struct {
	*flag.FlagSet
	about  string
	bound  []string          // flag names read from the environment
	source map[string]string // flag name → "--name" or "WENYUN_NAME"
}

func newFlagSet(name, about string) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), about: about, source: map[string]string{}}
	fs.SetOutput(io.Discard) // parse reports errors itself, once
	fs.Usage = func() {}
	return fs
}

// bindEnv makes the named flags, already defined, readable from WENYUN_*.
func (fs *flagSet) bindEnv(names ...string) { fs.bound = append(fs.bound, names...) }

// envName returns the variable for a flag: "log-level" → WENYUN_LOG_LEVEL.
func envName(flagName string) string {
	return "WENYUN_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parse parses args, then fills the bound flags that args left out from
// the environment. -h prints the usage on stdout and returns errHelp.
func (fs *flagSet) parse(o Options, args []string) error {
	o = o.withDefaults()
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		fs.printUsage(o.Stdout)
		return errHelp
	} else if err != nil {
		return usageErrorf("%s: %v (see \"wenyun %s -h\")", fs.Name(), err, fs.Name())
	}
	if fs.NArg() > 0 {
		return usageErrorf("%s: unexpected argument %q (see \"wenyun %s -h\")", fs.Name(), fs.Arg(0), fs.Name())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	for _, name := range fs.bound {
		v := o.Getenv(envName(name))
		if set[name] || v == "" {
			continue
		}
		fs.source[name] = envName(name)
		if err := fs.Set(name, v); err != nil {
			errs = append(errs, fmt.Errorf("%s %q: %s", envName(name), v, wantValue(fs.Lookup(name))))
		}
	}
	if len(errs) > 0 {
		return &usageError{errors.Join(errs...)}
	}
	return nil
}

// from returns how the user set a flag: "--name" or its variable.
func (fs *flagSet) from(name string) string {
	if s, ok := fs.source[name]; ok {
		return s
	}
	return "--" + name
}

// wantValue describes the values a flag takes, for a bad variable.
func wantValue(f *flag.Flag) string {
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return "want true or false"
	}
	switch f.Value.(flag.Getter).Get().(type) {
	case time.Duration:
		return "want a duration such as 15s"
	case int, int64, uint, uint64:
		return "want a whole number"
	case byteSize:
		return "want a size such as 256MiB (units B, KiB, MiB, GiB, TiB), or 0"
	}
	return "not a valid value"
}

func (fs *flagSet) printUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: wenyun %s [flags]\n\n%s\n", fs.Name(), fs.about)
	n := 0
	fs.VisitAll(func(f *flag.Flag) {
		if n++; n == 1 {
			fmt.Fprintf(w, "\nFlags:\n")
		}
		typ, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(w, "  %s\n        %s", strings.TrimSpace("--"+f.Name+" "+typ), strings.ReplaceAll(usage, "\n", "\n        "))
		var notes []string
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			notes = append(notes, fmt.Sprintf("default %q", f.DefValue))
		}
		if slices.Contains(fs.bound, f.Name) {
			notes = append(notes, "env "+envName(f.Name))
		}
		if len(notes) > 0 {
			fmt.Fprintf(w, " (%s)", strings.Join(notes, "; "))
		}
		fmt.Fprintln(w)
	})
}
