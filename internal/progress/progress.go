// Package progress reports the progress of long command-line work (loading
// the demo at scale, exports, rollup rebuilds) on stderr: one line
// rewritten in place on a terminal, a line per tenth otherwise (logs and
// CI), and a final line with the time taken.
package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Bar reports one piece of work. Its methods are safe for concurrent use;
// a nil *Bar reports nothing.
type Bar struct {
	mu       sync.Mutex
	w        io.Writer
	label    string
	done     int
	total    int
	tty      bool
	start    time.Time
	lastDraw time.Time
	lastTen  int // tenths reported so far (non-terminal output)
	finished bool
	now      func() time.Time
}

// New starts a bar writing to w; total may be 0 when unknown yet (Set
// gives it later).
func New(w io.Writer, label string, total int) *Bar {
	b := &Bar{w: w, label: label, total: total, tty: isTerminal(w), now: time.Now}
	b.start = b.now()
	return b
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Add records n more units done.
func (b *Bar) Add(n int) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done += n
	b.draw(false)
}

// Set records done of total units.
func (b *Bar) Set(done, total int) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done, b.total = done, total
	b.draw(false)
}

// Func returns Set as a callback, for APIs that take func(done, total).
func (b *Bar) Func() func(done, total int) {
	if b == nil {
		return nil
	}
	return b.Set
}

// Done prints the final line with the time taken; later calls do nothing.
func (b *Bar) Done() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.finished {
		return
	}
	b.draw(true)
	b.finished = true
}

// draw writes the bar when it changed enough: on a terminal at most five
// times a second, otherwise at each new tenth; always when final.
func (b *Bar) draw(final bool) {
	if b.finished {
		return
	}
	now := b.now()
	line := b.line(now, final)
	switch {
	case final && b.tty:
		fmt.Fprintf(b.w, "\r%s\x1b[K\n", line)
	case final:
		fmt.Fprintln(b.w, line)
	case b.tty:
		if now.Sub(b.lastDraw) < 200*time.Millisecond {
			return
		}
		b.lastDraw = now
		fmt.Fprintf(b.w, "\r%s\x1b[K", line)
	default:
		if b.total <= 0 {
			return
		}
		ten := 10 * b.done / b.total
		if ten <= b.lastTen || ten >= 10 {
			return
		}
		b.lastTen = ten
		fmt.Fprintln(b.w, line)
	}
}

// line is "label  120/300  40%  3.2s" (no total: "label  120  3.2s").
func (b *Bar) line(now time.Time, final bool) string {
	took := now.Sub(b.start).Round(100 * time.Millisecond)
	suffix := ""
	if final {
		suffix = " done"
	}
	if b.total <= 0 {
		return fmt.Sprintf("%s  %d  %s%s", b.label, b.done, took, suffix)
	}
	pct := 100 * b.done / b.total
	return fmt.Sprintf("%s  %d/%d  %d%%  %s%s", b.label, b.done, b.total, pct, took, suffix)
}
