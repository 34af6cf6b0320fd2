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
	"syscall"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// Crash test parameters: each round a crowd of crashResidents books a
// fresh activity of crashSeats seats (and crashRetries of them try the
// previous round's activity again) while serve is killed with SIGKILL at a
// random moment.
const (
	crashSeats     = 150
	crashResidents = 400
	crashRetries   = 100
	crashInFlight  = 64
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
	t.Run("sqlite", func(t *testing.T) { testCrash(t, bin, tempDB(t), 10) })
	t.Run("postgres", func(t *testing.T) { testCrash(t, bin, postgresDB(t), 6) })
}

func testCrash(t *testing.T, bin, db string, rounds int) {
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
	for round := range rounds {
		act, err := benchActivity(ctx, store, hub.ID, "crash "+strconv.Itoa(round), crashSeats, time.Now().Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		acts = append(acts, act.ID)
		p := startProcess(t, bin, db)
		checkBookings(t, store, acts, acked) // after the restart, before the crowd
		reqs := crashCrowd(p.url, round, tokens, acts)
		delay := time.Duration(50+rand.IntN(351)) * time.Millisecond
		shots := crashRound(p, reqs, delay)
		n := recordAcks(acked, reqs, shots)
		t.Logf("round %d: killed after %s, %d of %d requests acknowledged", round, delay, n, len(reqs))
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

// crashRound fires the crowd and kills the process after delay; it returns
// what the clients saw.
func crashRound(p *process, reqs []*http.Request, delay time.Duration) []shot {
	client := newBenchClient(crashInFlight, 10*time.Second)
	defer client.CloseIdleConnections()
	done := make(chan *crowd, 1)
	go func() { done <- fire(context.Background(), client, "crash", reqs, crashInFlight, time.Now()) }()
	time.Sleep(delay)
	p.kill()
	return (<-done).shots
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
