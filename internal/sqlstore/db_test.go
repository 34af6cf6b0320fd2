package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/wenyun/wenyun/internal/sqlstore"
)

// engines lists the engines every store test runs on: SQLite always, and
// PostgreSQL when WENYUN_TEST_POSTGRES holds a DSN.
func engines(t *testing.T) []string {
	e := []string{"sqlite"}
	if os.Getenv("WENYUN_TEST_POSTGRES") != "" {
		e = append(e, "postgres")
	}
	return e
}

// forEachEngine runs fn as a subtest on a fresh, migrated database of each engine.
func forEachEngine(t *testing.T, fn func(t *testing.T, s *sqlstore.Store)) {
	t.Helper()
	for _, engine := range engines(t) {
		t.Run(engine, func(t *testing.T) { fn(t, MustOpenDB(t, engine)) })
	}
}

var pgSeq atomic.Int64

// MustOpenDB opens a fresh database: a temporary SQLite file, or a new
// schema in the test PostgreSQL database, dropped at cleanup.
func MustOpenDB(tb testing.TB, engine string) *sqlstore.Store {
	tb.Helper()
	ctx := context.Background()
	dsn := "sqlite:" + filepath.Join(tb.TempDir(), "test.db")
	if engine == "postgres" {
		dsn = pgSchemaDSN(tb)
	}
	s, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		tb.Fatalf("open %s: %v", engine, err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// pgSchemaDSN creates a schema for one test and returns a DSN whose
// search_path points at it, so tests run in parallel without sharing tables.
func pgSchemaDSN(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv("WENYUN_TEST_POSTGRES")
	schema := fmt.Sprintf("t%d_%d", os.Getpid(), pgSeq.Add(1))
	db, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err == nil {
			db.Exec("DROP SCHEMA " + schema + " CASCADE")
			db.Close()
		}
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

func TestOpen(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
