package sqlstore_test

import (
	"testing"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore/sqltest"
)

// districtWorld is a district's year: a hub with 12 branches of 3 points,
// 300 activities a month, about 40,000 bookings, 300 menu items.
var districtWorld = worldSize{
	branches: []int{12}, points: 3, accounts: 8000, items: 300, activities: 3650, maxBookings: 28,
	maxRatings: 4, supports: 6000, requests: 600, deliveries: 400, members: 4000,
	pastDays: 365, futureDays: 14, analyze: true,
}

// BenchmarkRebuildRollups times a whole rebuild of districtWorld's rollup
// (go test -run '^$' -bench RebuildRollups ./internal/sqlstore; the
// PostgreSQL half runs when WENYUN_TEST_POSTGRES is set).
func BenchmarkRebuildRollups(b *testing.B) {
	for _, engine := range sqltest.Engines() {
		b.Run(engine, func(b *testing.B) {
			s := sqltest.Open(b, engine)
			w := newStatWorld(b, s, 1, districtWorld)
			var rows int
			for b.Loop() {
				run, err := s.RebuildRollups(b.Context(), nil)
				if err != nil {
					b.Fatal(err)
				}
				rows = run.Rows
			}
			b.ReportMetric(float64(rows), "rows")
			b.ReportMetric(float64(len(w.bookings)), "bookings")
			b.ReportMetric(float64(len(w.activities)), "activities")
		})
	}
}

// BenchmarkFindRollups times the read behind a hub's dashboard: a year of
// its whole tree.
func BenchmarkFindRollups(b *testing.B) {
	for _, engine := range sqltest.Engines() {
		b.Run(engine, func(b *testing.B) {
			s := sqltest.Open(b, engine)
			w := newStatWorld(b, s, 1, districtWorld)
			if _, err := s.RebuildRollups(b.Context(), nil); err != nil {
				b.Fatal(err)
			}
			today := culture.DayOf(w.now)
			q := culture.StatsQuery{UnitID: w.hubs[0].ID, From: today - 364, To: today}
			var n int
			for b.Loop() {
				rows, err := s.FindRollups(b.Context(), q)
				if err != nil {
					b.Fatal(err)
				}
				n = len(rows)
			}
			b.ReportMetric(float64(n), "rows")
		})
	}
}
