package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/sqlstore"
	"github.com/wenyun/wenyun/internal/sqlstore/sqltest"
)

// forEachEngine runs fn on a fresh store of each engine (sqltest).
var forEachEngine = sqltest.ForEachEngine

// MustOpenDB opens a fresh, migrated store of the engine (sqltest).
var MustOpenDB = sqltest.Open

func TestOpen(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
