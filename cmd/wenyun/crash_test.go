package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// Crash test parameters: each round a crowd of crashResidents books a
// fresh activity of crashSeats seats (and crashRetries of them try the
// previous round's activity again) while serve is killed with SIGKILL at a
// random moment after the client has seen 1..crashKillAfter bookings
// acknowledged (201), plus up to crashKillJitter, so that every round
// leaves acknowledged bookings to check whatever the machine's speed.
const (
	crashSeats      = 150
	crashResidents  = 400
	crashRetries    = 100
	crashInFlight   = 64
	crashKillAfter  = 50
	crashKillJitter = 20 * time.Millisecond
	crashWait       = 15 * time.Second // longest wait for the acknowledgements
)

// TestCrash kills serve under a crowd and restarts it on the same
// database: every booking a client saw acknowledged must survive, no
// activity may hold more confirmed seats than it has, and no account may
// hold two active bookings of one activity.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it")
	}
	bin := buildBinary(t)
	t.Run("sqlite", func(t *testing.T) { testCrash(t, bin, tempDB(t), 10, 50) })
	t.Run("postgres", func(t *testing.T) { testCrash(t, bin, postgresDB(t), 6, 20) })
}

// testCrash runs the rounds; every round must leave at least one
// acknowledged booking to check, and all of them at least minAcked.
func testCrash(t *testing.T, bin, db string, rounds, minAcked int) {
	ctx := context.Background()
	store := openStore(t, db)
	hub := &culture.Unit{Kind: culture.UnitHub, Name: "解放区文化馆"}
	if err := store.CreateUnit(ctx, hub); err != nil {
		t.Fatal(err)
	}
	_, tokens, err := store.BenchResidents(ctx, crashResidents, "18")
	if err != nil {
		t.Fatal(err)
	}
	acked := map[int64]map[int64]bool{} // activity → acknowledged booking ids
	var acts []int64
	var perRound []int
	total := 0
	for round := range rounds {
		act, err := benchActivity(ctx, store, hub.ID, "crash "+strconv.Itoa(round), crashSeats, time.Now().Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		acts = append(acts, act.ID)
		p := startProcess(t, bin, db)
		checkBookings(t, store, acts, acked) // after the restart, before the crowd
		reqs := crashCrowd(p.url, round, tokens, acts)
		k := 1 + rand.IntN(crashKillAfter)
		jitter := rand.N(crashKillJitter + time.Millisecond)
		shots, killedAt := crashRound(p, reqs, k, jitter)
		n := recordAcks(acked, reqs, shots)
		perRound = append(perRound, n)
		total += n
		t.Logf("round %d: killed %s after the %d-th 201 (%s after the start), %d of %d requests acknowledged",
			round, jitter.Round(time.Millisecond), k, killedAt.Round(time.Millisecond), n, len(reqs))
		if n < 1 {
			t.Errorf("round %d: no booking acknowledged before the kill; the round checks nothing", round)
		}
	}
	t.Logf("acknowledged bookings checked: %v, %d in all", perRound, total)
	if total < minAcked {
		t.Errorf("%d acknowledged bookings checked over %d rounds, want at least %d", total, rounds, minAcked)
	}
	startProcess(t, bin, db)
	checkBookings(t, store, acts, acked)
}

// crashCrowd returns this round's requests: every resident books the
// newest activity, and the first crashRetries residents try the previous
// one again with a new key.
func crashCrowd(url string, round int, tokens []string, acts []int64) []*http.Request {
	var reqs []*http.Request
	add := func(act int64, i int) {
		path := url + "/api/v1/activities/" + strconv.FormatInt(act, 10) + "/bookings"
		req, _ := http.NewRequest(http.MethodPost, path, http.NoBody)
		req.Header.Set("Authorization", "Bearer "+tokens[i])
		req.Header.Set("Idempotency-Key", fmt.Sprintf("crash-%d-%d-%d", round, act, i))
		reqs = append(reqs, req)
	}
	for i := range tokens {
		add(acts[len(acts)-1], i)
	}
	if len(acts) > 1 {
		for i := range min(crashRetries, len(tokens)) {
			add(acts[len(acts)-2], i)
		}
	}
	rand.Shuffle(len(reqs), func(i, j int) { reqs[i], reqs[j] = reqs[j], reqs[i] })
	return reqs
}

// crashRound fires the crowd, crashInFlight requests at a time, and kills
// the process jitter after the k-th booking is acknowledged (or when the
// crowd is over, or after crashWait, whichever comes first). It returns
// what the clients saw and when the kill came, counted from the start.
func crashRound(p *process, reqs []*http.Request, k int, jitter time.Duration) ([]shot, time.Duration) {
	client := newBenchClient(crashInFlight, 10*time.Second)
	defer client.CloseIdleConnections()
	shots := make([]shot, len(reqs))
	reached, over := make(chan struct{}), make(chan struct{})
	var acks atomic.Int64
	sem := make(chan struct{}, crashInFlight)
	var wg sync.WaitGroup
	start := time.Now()
	for i, req := range reqs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			shots[i] = send(client, req)
			if shots[i].status == http.StatusCreated && acks.Add(1) == int64(k) {
				close(reached)
			}
		})
	}
	go func() { wg.Wait(); close(over) }()
	select {
	case <-reached:
		time.Sleep(jitter)
	case <-over:
	case <-time.After(crashWait):
	}
	killedAt := time.Since(start)
	p.kill()
	<-over
	return shots, killedAt
}

// recordAcks adds the bookings answered 201 to acked and counts them.
func recordAcks(acked map[int64]map[int64]bool, reqs []*http.Request, shots []shot) int {
	n := 0
	for i, s := range shots {
		if s.status != http.StatusCreated {
			continue
		}
		act, _ := strconv.ParseInt(strings.Split(reqs[i].URL.Path, "/")[4], 10, 64)
		if acked[act] == nil {
			acked[act] = map[int64]bool{}
		}
		acked[act][s.id] = true
		n++
	}
	return n
}

// checkBookings checks every activity in the database: acknowledged
// bookings confirmed, confirmed seats within capacity and matching the
// seats left, one active booking per account.
func checkBookings(t *testing.T, store *sqlstore.Store, acts []int64, acked map[int64]map[int64]bool) {
	t.Helper()
	g := &grabRun{store: store}
	for _, act := range acts {
		confirmed, doubles, err := g.bookingsOf(context.Background(), act)
		if err != nil {
			t.Fatal(err)
		}
		for id := range acked[act] {
			if !confirmed[id] {
				t.Errorf("activity %d: booking %d was acknowledged but is not confirmed after a crash", act, id)
			}
		}
		if len(confirmed) > crashSeats {
			t.Errorf("activity %d: %d confirmed, capacity %d", act, len(confirmed), crashSeats)
		}
		if doubles > 0 {
			t.Errorf("activity %d: %d accounts hold two active bookings", act, doubles)
		}
		a, err := store.FindActivityByID(context.Background(), act)
		if err != nil {
			t.Fatal(err)
		}
		if a.SeatsLeft+len(confirmed) != crashSeats {
			t.Errorf("activity %d: %d seats left + %d confirmed ≠ %d seats", act, a.SeatsLeft, len(confirmed), crashSeats)
		}
	}
}

// process is serve running as a subprocess of the test.
type process struct {
	cmd  *exec.Cmd
	url  string
	kill func()
}

// startProcess starts the binary's serve on db and 127.0.0.1:0; it is
// killed when the test ends if still running.
func startProcess(tb testing.TB, bin, db string) *process {
	tb.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", db, "--log-format", "json", "--log-level", "info")
	cmd.Env = os.Environ()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	p := &process{cmd: cmd}
	p.kill = sync.OnceFunc(func() {
		cmd.Process.Signal(syscall.SIGKILL) //nolint:errcheck // may be gone
		cmd.Wait()                          //nolint:errcheck // killed
	})
	tb.Cleanup(p.kill)
	p.url = "http://" + listeningAddr(tb, stderr)
	go io.Copy(io.Discard, stderr) //nolint:errcheck // drain the log
	return p
}
