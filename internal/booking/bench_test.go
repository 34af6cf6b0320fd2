package booking_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/booking"
	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// benchAccounts is how many residents a benchmark books for; each
// iteration books a fresh (activity, account) pair.
const benchAccounts = 2000

// BenchmarkGrab compares booking through the engine (batched commits) with
// one transaction per booking straight on the store, on a SQLite file with
// synchronous=FULL, 64 concurrent clients per core:
//
//	go test ./internal/booking -run '^$' -bench Grab -benchtime 4000x
func BenchmarkGrab(b *testing.B) {
	b.Run("Store", func(b *testing.B) {
		s := MustOpenDB(b, "sqlite")
		benchGrab(b, s, s)
	})
	b.Run("Engine", func(b *testing.B) {
		s := MustOpenDB(b, "sqlite")
		e := booking.New(s, booking.Options{FairWindow: -1, Now: func() time.Time { return testNow }})
		e.Start()
		defer e.Close(context.Background())
		benchGrab(b, s, e)
		st := e.Stats()
		b.ReportMetric(float64(st.Sent)/float64(max(st.Batches, 1)), "req/batch")
	})
}

func benchGrab(b *testing.B, s *sqlstore.Store, svc culture.BookingService) {
	fx := &fix{s: s}
	u := &culture.Unit{Kind: culture.UnitHub, Name: "区文化馆"}
	if err := s.CreateUnit(context.Background(), u); err != nil {
		b.Fatal(err)
	}
	fx.unit = u.ID
	accounts := benchResidents(b, s, benchAccounts)
	acts := make([]int64, b.N/benchAccounts+1)
	for i := range acts {
		acts[i] = fx.activity(b, benchAccounts).ID
	}
	var next atomic.Int64
	b.SetParallelism(64)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(next.Add(1) - 1)
			req := &culture.BookingRequest{ActivityID: acts[i/benchAccounts], AccountID: accounts[i%benchAccounts], Self: true}
			if _, err := svc.CreateBooking(context.Background(), req); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// benchResidents inserts n residents in one transaction.
func benchResidents(b *testing.B, s *sqlstore.Store, n int) []int64 {
	tx, err := s.DB().Begin()
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	ids := make([]int64, n)
	for i := range ids {
		err := tx.QueryRow(`INSERT INTO accounts (phone, created_at) VALUES (?, 0) RETURNING id`,
			fmt.Sprintf("138%08d", i)).Scan(&ids[i])
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return ids
}

// BenchmarkGrabCrowd is the flash crowd of docs/benchmarks.md without
// HTTP: per iteration 2,000 residents, each with its own idempotency key,
// grab 200 seats of a fresh activity at once, through the engine on a
// SQLite file. Most answers are "sold out"; the metrics show how many
// reached a batch, were refused from memory, or cost a read by key:
//
//	go test ./internal/booking -run '^$' -bench GrabCrowd -benchtime 5x
func BenchmarkGrabCrowd(b *testing.B) {
	const clients, seats = 2000, 200
	s := MustOpenDB(b, "sqlite")
	e := booking.New(s, booking.Options{FairWindow: -1, Now: func() time.Time { return testNow }})
	e.Start()
	defer e.Close(context.Background())
	fx := &fix{s: s}
	u := &culture.Unit{Kind: culture.UnitHub, Name: "区文化馆"}
	if err := s.CreateUnit(context.Background(), u); err != nil {
		b.Fatal(err)
	}
	fx.unit = u.ID
	accounts := benchResidents(b, s, clients)
	acts := make([]int64, b.N)
	for i := range acts {
		acts[i] = fx.activity(b, seats).ID
	}
	b.ResetTimer()
	for i := range b.N {
		var wg sync.WaitGroup
		for j, acc := range accounts {
			wg.Go(func() {
				req := &culture.BookingRequest{ActivityID: acts[i], AccountID: acc, Self: true,
					IdempotencyKey: fmt.Sprintf("crowd-%d-%d", i, j)}
				if _, err := e.CreateBooking(context.Background(), req); err != nil && !errors.Is(err, culture.ErrSoldOut) {
					b.Error(err)
				}
			})
		}
		wg.Wait()
	}
	b.StopTimer()
	st := e.Stats()
	n := float64(b.N)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n/clients, "ns/request")
	b.ReportMetric(float64(st.Sent)/n, "sent/crowd")
	b.ReportMetric(float64(st.FromMemory)/n, "memory/crowd")
	b.ReportMetric(float64(st.Replays)/n, "replays/crowd")
	b.ReportMetric(float64(st.Batches)/n, "batches/crowd")
}
