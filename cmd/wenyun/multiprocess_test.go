package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// TestMultiProcess runs three serve processes on one PostgreSQL schema and
// spreads a crowd across them; every resident asks twice, at two different
// processes with different idempotency keys. The database must confirm
// exactly the seats, each to a different account, and hold every booking
// answered 201.
func TestMultiProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	db := postgresDB(t) // skips without WENYUN_TEST_POSTGRES
	const seats, residents, procs = 50, 300, 3
	ctx := context.Background()
	store := openStore(t, db)
	hub := &culture.Unit{Kind: culture.UnitHub, Name: "解放区文化馆"}
	if err := store.CreateUnit(ctx, hub); err != nil {
		t.Fatal(err)
	}
	_, tokens, err := store.BenchResidents(ctx, residents, "17")
	if err != nil {
		t.Fatal(err)
	}
	act, err := benchActivity(ctx, store, hub.ID, "三进程抢票", seats, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	bin := buildBinary(t)
	var urls []string
	for range procs {
		urls = append(urls, startProcess(t, bin, db).url)
	}

	var reqs []*http.Request
	for i, tok := range tokens {
		for k := range 2 {
			url := urls[(i+k)%procs] + "/api/v1/activities/" + strconv.FormatInt(act.ID, 10) + "/bookings"
			req, _ := http.NewRequest(http.MethodPost, url, http.NoBody)
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Idempotency-Key", fmt.Sprintf("multi-%d-%d", i, k))
			reqs = append(reqs, req)
		}
	}
	client := newBenchClient(len(reqs), 30*time.Second)
	defer client.CloseIdleConnections()
	cr := fire(ctx, client, "multi", reqs, 150, time.Now())

	g := &grabRun{store: store}
	confirmed, doubles, err := g.bookingsOf(ctx, act.ID)
	if err != nil {
		t.Fatal(err)
	}
	created := map[int]int{} // resident → 201 answers
	for i, s := range cr.shots {
		switch {
		case s.status == 0:
			t.Errorf("request %d: no answer (%s)", i, s.code)
		case s.status == http.StatusCreated:
			created[i/2]++
			if !confirmed[s.id] {
				t.Errorf("booking %d answered 201 but not confirmed in the database", s.id)
			}
		}
	}
	if len(confirmed) != seats {
		t.Errorf("%d confirmed, want exactly %d", len(confirmed), seats)
	}
	if doubles > 0 {
		t.Errorf("%d accounts hold two active bookings", doubles)
	}
	for r, n := range created {
		if n > 1 {
			t.Errorf("resident %d got %d bookings answered 201", r, n)
		}
	}
	t.Logf("statuses: %v", cr.stats().counts)
}
