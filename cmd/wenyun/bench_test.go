package main

import (
	"context"
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
	err := run(context.Background(), []string{"bench", "grab", "--db", db, "--clients", "200",
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

func TestBenchGrabUsage(t *testing.T) {
	for _, args := range [][]string{
		{"bench"},
		{"bench", "grab", "--clients", "0"},
		{"bench", "grab", "--db", "mysql://x"},
	} {
		err := run(context.Background(), args, nil, nil, nil)
		if exitCode(err) != 2 {
			t.Errorf("%v: err = %v, want a usage error", args, err)
		}
	}
}
