package main

import (
	"context"
	"os/exec"
	"strings"
	"testing"
)

func TestBenchGrab(t *testing.T) {
	if testing.Short() {
		t.Skip("fires a crowd")
	}
	t.Run("sqlite", func(t *testing.T) {
		testBenchGrab(t, "sqlite:"+t.TempDir()+"/bench.db")
	})
	t.Run("postgres", func(t *testing.T) { testBenchGrab(t, postgresDB(t)) })
}

func testBenchGrab(t *testing.T, db string) {
	out := &syncBuffer{}
	err := run(context.Background(), []string{"bench", "grab", "--in-process", "--db", db, "--clients", "200",
		"--seats", "20", "--open-in", "500ms", "--conventional"}, nil, out, out)
	if err != nil {
		t.Fatalf("bench grab: %v\n%s", err, out)
	}
	for _, want := range []string{
		"grab (engine): 200 requests, 200 answered",
		"check (engine): 20 confirmed of 20 seats, 20 acknowledged, 0 unanswered, 0 accounts with two: PASS",
		"check (conventional): 20 confirmed of 20 seats",
		"ratio grab/trivial: ", "ratio engine/conventional: ", "peak RSS", "\nPASS\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestBenchGrabChild runs the built binary's bench, which re-executes the
// binary as its server (a test binary cannot serve as that child).
func TestBenchGrabChild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and fires a crowd")
	}
	bin := buildBinary(t)
	for _, tc := range []struct{ name, window string }{{"conventional", "1s"}, {"plain", "0s"}} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"bench", "grab", "--db", "sqlite:" + t.TempDir() + "/bench.db", "--clients", "150",
				"--seats", "15", "--open-in", "300ms", "--fair-window", tc.window}
			want := []string{
				"server: child pid ", " --addr 127.0.0.1:0 --db sqlite:",
				"check (engine): 15 confirmed of 15 seats, 15 acknowledged, 0 unanswered, 0 accounts with two: PASS",
				"server peak RSS during the engine crowd: ", "server peak RSS: ", " MiB (VmRSS of pid ",
				"server VmHWM: ", "bench process (clients only) peak RSS", "\nPASS\n",
			}
			if tc.name == "conventional" {
				args = append(args, "--conventional")
				want = append(want, "wenyun bench serve --conventional-activity ",
					"latency from admission, max(send, opens + 1s window): p50 ",
					"check (conventional): 15 confirmed of 15 seats", "ratio engine/conventional: ")
			}
			out, err := exec.Command(bin, args...).CombinedOutput()
			if err != nil {
				t.Fatalf("bench grab: %v\n%s", err, out)
			}
			for _, w := range want {
				if !strings.Contains(string(out), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if tc.name == "plain" && strings.Contains(string(out), "latency from admission") {
				t.Errorf("--fair-window 0s printed a latency from admission:\n%s", out)
			}
		})
	}
}

func TestBenchGrabUsage(t *testing.T) {
	for _, args := range [][]string{
		{"bench"},
		{"bench", "grab", "--clients", "0"},
		{"bench", "grab", "--db", "mysql://x"},
		{"bench", "grab", "--fair-window", "2 seconds"},
		{"bench", "serve", "--addr", ":0"},
	} {
		err := run(context.Background(), args, nil, nil, nil)
		if exitCode(err) != 2 {
			t.Errorf("%v: err = %v, want a usage error", args, err)
		}
	}
}
