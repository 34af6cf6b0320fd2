// Command wenyun is the Wenyun public culture platform in one binary: the
// web server and the tools that operate its database.
//
//	wenyun serve --db sqlite:./wenyun-data/wenyun.db --demo
//
// Run "wenyun help" for the commands and "wenyun <command> -h" for flags.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// version is set at build time: go build -ldflags "-X main.version=v1.2.3".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second signal kills the process at once
	}()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		for line := range strings.Lines(err.Error()) {
			fmt.Fprint(os.Stderr, "wenyun: ", line)
		}
		fmt.Fprintln(os.Stderr)
		os.Exit(exitCode(err))
	}
}

// run is the program. main calls it with the process's surroundings; tests
// call it (or Options.Run, to learn serve's address) in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return Options{Getenv: getenv, Stdout: stdout, Stderr: stderr}.Run(ctx, args)
}

// Options is what the program takes from its surroundings besides its
// arguments. The zero value reads no environment and discards output.
type Options struct {
	Getenv func(string) string
	Stdout io.Writer
	Stderr io.Writer
	// Ready, when set, is called by serve with the address it listens on,
	// once it accepts connections: with --addr 127.0.0.1:0 a test learns
	// the port the kernel chose.
	Ready func(addr string)
	// wrapBookings, when set, wraps the booking service serve wires: bench
	// uses it to send one activity through the conventional path.
	wrapBookings func(culture.BookingService) culture.BookingService
	// now, when set, is serve's clock (store, booking engine, pages, API):
	// browser tests move it past an activity's end.
	now func() time.Time
}

// clock returns o.now, or time.Now.
func (o Options) clock() func() time.Time {
	if o.now != nil {
		return o.now
	}
	return time.Now
}

// Run runs the command named by args[0] until it is done or, for serve,
// until ctx is cancelled; then it shuts down gracefully and returns nil.
func (o Options) Run(ctx context.Context, args []string) error {
	o = o.withDefaults()
	if len(args) == 0 {
		return o.help(nil)
	}
	name, rest := args[0], args[1:]
	for _, c := range commands {
		if c.name == name {
			return ignoreHelp(c.run(ctx, o, rest))
		}
	}
	switch name {
	case "help", "-h", "-help", "--help":
		return o.help(rest)
	}
	return usageErrorf("unknown command %q (run \"wenyun help\")", name)
}

func (o Options) withDefaults() Options {
	if o.Getenv == nil {
		o.Getenv = func(string) string { return "" }
	}
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	return o
}

// command is a subcommand of wenyun.
type command struct {
	name, summary string
	run           func(ctx context.Context, o Options, args []string) error
}

// commands lists the subcommands in the order help shows them.
var commands = []command{
	{"serve", "run the web server: resident pages, staff console, /api/v1, /metrics", runServe},
	{"migrate", "apply the database migrations and exit", runMigrate},
	{"demo", "load the demo world of 解放区文化馆 into an empty database", runDemo},
	{"token", "print an API bearer token for an account", runToken},
	{"lottery", "verify a lottery draw: \"wenyun lottery verify ACTIVITY\"", runLottery},
	{"stats", "rebuild or verify the statistics rollups (\"wenyun stats rebuild\")", runStats},
	{"export", "write a service report or booking export (\"wenyun export report -h\")", runExport},
	{"bench", "load-test ticket grabbing on loopback (\"wenyun bench grab -h\")", runBench},
	{"version", "print the version", runVersion},
}

// help prints the usage of wenyun, or of one command ("help serve").
func (o Options) help(args []string) error {
	if len(args) > 0 {
		for _, c := range commands {
			if c.name == args[0] {
				return ignoreHelp(c.run(context.Background(), o, []string{"-h"}))
			}
		}
		return usageErrorf("unknown command %q (run \"wenyun help\")", args[0])
	}
	fmt.Fprint(o.Stdout, "wenyun — 文韵, the public culture platform of 解放区文化馆\n\n"+
		"Usage: wenyun <command> [flags]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(o.Stdout, "  %-8s  %s\n", c.name, c.summary)
	}
	fmt.Fprint(o.Stdout, "  help      this help; \"wenyun help <command>\" shows a command's flags\n\n"+
		"Flags can also be set by WENYUN_* environment variables (--db is WENYUN_DB);\n"+
		"a flag wins over the environment, which wins over the default.\n")
	return nil
}

func runVersion(_ context.Context, o Options, args []string) error {
	fs := newFlagSet("version", "print the version of wenyun and of Go that built it")
	if err := fs.parse(o, args); err != nil {
		return err
	}
	fmt.Fprintf(o.Stdout, "wenyun %s %s %s/%s\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}

// usageError is a mistake in the command line or the environment: main
// exits with status 2 instead of 1.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// errHelp reports that -h was asked for and the usage printed.
var errHelp = errors.New("help shown")

func ignoreHelp(err error) error {
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
}

// exitCode maps run's error to the process exit status.
func exitCode(err error) int {
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		return 2
	}
	return 1
}
