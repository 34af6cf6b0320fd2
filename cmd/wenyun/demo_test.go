package main

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/demo"
)

// demoStages are the stages of a demo load as stderr shows them, in order.
var demoStages = []string{
	demo.StageUnits, demo.StageStaff, demo.StageResidents, demo.StageActivities, demo.StageBookings,
	demo.StageProviders, demo.StageMenu, demo.StageSupports, demo.StageDeliveries,
	demo.StageCommunities, demo.StageNews, stageRollups,
}

// TestDemoProgressAndRollups runs `wenyun demo`: stderr shows a bar per
// stage, each ended with its time, the rollup rebuild last; afterwards the
// rollups hold the figures, so that dashboards show them at once.
func TestDemoProgressAndRollups(t *testing.T) {
	db := tempDB(t)
	var stdout, stderr bytes.Buffer
	o := Options{Stdout: &stdout, Stderr: &stderr}
	if err := o.Run(context.Background(), []string{"demo", "--db", db, "--residents", "5"}); err != nil {
		t.Fatalf("demo: %v\n%s", err, stderr.String())
	}
	doneLine := regexp.MustCompile(`^demo: (\w+)  \d+(/\d+  \d+%)?  [\d.]+m?s done$`)
	var ended []string
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		if m := doneLine.FindStringSubmatch(line); m != nil {
			ended = append(ended, m[1])
		} else if !strings.HasPrefix(line, "demo: ") {
			t.Errorf("stderr line %q is not progress", line)
		}
	}
	if strings.Join(ended, " ") != strings.Join(demoStages, " ") {
		t.Errorf("stages ended %v, want %v\n%s", ended, demoStages, stderr.String())
	}
	store := openStore(t, db)
	run, err := store.LastRollup(context.Background())
	if err != nil || run.Rows == 0 {
		t.Fatalf("LastRollup = %+v, %v; want the rebuild of the demo", run, err)
	}
	units, _, err := store.FindUnits(context.Background(), culture.UnitFilter{Limit: 1})
	if err != nil || len(units) == 0 {
		t.Fatalf("FindUnits: %v", err)
	}
	today := culture.DayOf(store.Now())
	rows, err := store.FindRollups(context.Background(), culture.StatsQuery{UnitID: units[0].ID, From: today - 60, To: today})
	held := int64(0)
	for _, r := range rows {
		if r.Metric == culture.MetricActivities {
			held += r.Value
		}
	}
	if err != nil || held == 0 {
		t.Errorf("rollups of the last 60 days: %d activities held, %v; want the demo's", held, err)
	}
}

// TestDemoRollupsFailing: a rebuild that fails (as before the rollups
// existed) is a warning; the world is loaded all the same.
func TestDemoRollupsFailing(t *testing.T) {
	store := openStore(t, tempDB(t))
	var warned []error
	var stages []string
	sum, _, err := loadDemo(context.Background(), store, demoLoad{
		residents: 5,
		progress: func(stage string, _, _ int) {
			if len(stages) == 0 || stages[len(stages)-1] != stage {
				stages = append(stages, stage)
			}
		},
		warn: func(err error) { warned = append(warned, err) },
		rebuild: func(context.Context, func(int, int)) (culture.RollupRun, error) {
			return culture.RollupRun{}, errors.New("sqlstore: rollups not built yet")
		},
	})
	if err != nil || sum == nil || sum.Activities == 0 {
		t.Fatalf("loadDemo = %+v, %v; want the world loaded", sum, err)
	}
	if len(warned) != 1 || !strings.Contains(warned[0].Error(), "rollups not built yet") {
		t.Errorf("warnings %v, want the rebuild's error once", warned)
	}
	if stages[len(stages)-1] != demo.StageNews {
		t.Errorf("stages %v: a failed rebuild reported progress", stages)
	}
}

// TestDemoScaleFlag refuses scales outside 1 to 100 before touching the
// database.
func TestDemoScaleFlag(t *testing.T) {
	for _, tc := range []struct{ arg, want string }{
		{"0", "--scale 0: want a whole number from 1 to 100"},
		{"101", "--scale 101: want a whole number from 1 to 100"},
		{"-2", "--scale -2"},
		{"two", `invalid value "two" for flag -scale`},
	} {
		t.Run(tc.arg, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), []string{"demo", "--db", tempDB(t), "--scale", tc.arg}, mapEnv(nil), &stdout, &stderr)
			if code := exitCode(err); code != 2 || !strings.Contains(err.Error()+stderr.String(), tc.want) {
				t.Errorf("err = %v (exit %d), stderr %q; want exit 2 with %q", err, code, stderr.String(), tc.want)
			}
		})
	}
}

// TestDemoScale loads a world at scale 2: twice the residents asked for,
// and the summary says so.
func TestDemoScale(t *testing.T) {
	db := tempDB(t)
	var stdout, stderr bytes.Buffer
	o := Options{Stdout: &stdout, Stderr: &stderr}
	if err := o.Run(context.Background(), []string{"demo", "--db", db, "--residents", "4", "--scale", "2"}); err != nil {
		t.Fatalf("demo: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), " 9 residents,") {
		t.Errorf("stdout lacks the 2×4 residents and the demo resident:\n%s", stdout.String())
	}
}
