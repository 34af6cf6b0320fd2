// Package sqltest opens fresh, migrated stores for tests: a temporary
// SQLite file always, and a schema of its own in the test PostgreSQL
// database when WENYUN_TEST_POSTGRES names one. Every package whose tests
// need a real store uses it, so all run on both engines the same way.
package sqltest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver for schema set-up

	"github.com/wenyun/wenyun/internal/sqlstore"
)

// Engines lists the engines tests run on: "sqlite", and "postgres" when
// WENYUN_TEST_POSTGRES is set.
//
// In CI (CI set) PostgreSQL is required: a missing WENYUN_TEST_POSTGRES
// there would otherwise drop every PostgreSQL subtest without a word.
func Engines() []string {
	e := []string{"sqlite"}
	switch {
	case os.Getenv("WENYUN_TEST_POSTGRES") != "":
		e = append(e, "postgres")
	case os.Getenv("CI") != "":
		panic("sqltest: CI is set but WENYUN_TEST_POSTGRES is empty; .ci/run sets it")
	}
	return e
}

// ForEachEngine runs fn as a subtest, named by engine, on a fresh store of
// each engine.
func ForEachEngine(t *testing.T, fn func(t *testing.T, s *sqlstore.Store)) {
	t.Helper()
	for _, engine := range Engines() {
		t.Run(engine, func(t *testing.T) { fn(t, Open(t, engine)) })
	}
}

// Open opens a fresh, migrated store of the engine, closed at cleanup.
func Open(tb testing.TB, engine string) *sqlstore.Store {
	tb.Helper()
	s, err := sqlstore.Open(context.Background(), DSN(tb, engine), sqlstore.Options{})
	if err != nil {
		tb.Fatalf("open %s: %v", engine, err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// DSN returns the DSN of a fresh database of the engine: a SQLite file in
// the test's temporary directory, or a new PostgreSQL schema (dropped at
// cleanup; the test is skipped when WENYUN_TEST_POSTGRES is unset).
func DSN(tb testing.TB, engine string) string {
	tb.Helper()
	if engine == "postgres" {
		return postgresSchema(tb)
	}
	return "sqlite:" + filepath.Join(tb.TempDir(), "test.db")
}

var seq atomic.Int64

// postgresSchema creates a schema for one test and returns a DSN whose
// search_path points at it, so tests run in parallel without sharing tables.
func postgresSchema(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv("WENYUN_TEST_POSTGRES")
	if base == "" && os.Getenv("CI") != "" {
		tb.Fatal("CI is set but WENYUN_TEST_POSTGRES is empty; .ci/run sets it")
	} else if base == "" {
		tb.Skip("WENYUN_TEST_POSTGRES not set")
	}
	schema := fmt.Sprintf("t%d_%d", os.Getpid(), seq.Add(1))
	exec(tb, base, "CREATE SCHEMA "+schema)
	tb.Cleanup(func() { exec(nil, base, "DROP SCHEMA "+schema+" CASCADE") })
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

// exec runs one statement on the base database; with tb nil (at cleanup)
// errors are ignored.
func exec(tb testing.TB, dsn, stmt string) {
	db, err := sql.Open("pgx", dsn)
	if err == nil {
		_, err = db.Exec(stmt)
		db.Close()
	}
	if err != nil && tb != nil {
		tb.Fatalf("%s: %v", stmt, err)
	}
}
