package progress

import (
	"strings"
	"testing"
	"time"
)

func TestBarPlainOutput(t *testing.T) {
	var out strings.Builder
	b := New(&out, "rollups", 20)
	clock := b.start
	b.now = func() time.Time { clock = clock.Add(time.Second); return clock }
	for range 20 {
		b.Add(1)
	}
	b.Done()
	b.Done()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 10 { // tenths 1..9, then the final line
		t.Fatalf("got %d lines:\n%s", len(lines), out.String())
	}
	if lines[0] != "rollups  2/20  10%  2s" {
		t.Errorf("first line %q", lines[0])
	}
	if !strings.HasPrefix(lines[9], "rollups  20/20  100%") || !strings.HasSuffix(lines[9], " done") {
		t.Errorf("last line %q", lines[9])
	}
}

func TestBarUnknownTotalAndNil(t *testing.T) {
	var out strings.Builder
	b := New(&out, "rows", 0)
	b.Add(5)
	if out.Len() != 0 {
		t.Fatalf("progress without a total printed %q", out.String())
	}
	b.Done()
	if !strings.HasPrefix(out.String(), "rows  5  ") {
		t.Errorf("final %q", out.String())
	}
	var nb *Bar
	nb.Add(1)
	nb.Set(1, 2)
	nb.Done()
	if nb.Func() != nil {
		t.Error("nil bar's Func is not nil")
	}
}
