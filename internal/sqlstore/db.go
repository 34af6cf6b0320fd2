// Package sqlstore implements Wenyun's domain services on database/sql with
// one set of hand-written SQL for SQLite (modernc.org/sqlite) and PostgreSQL
// (pgx). Dialect differences live in dialect.go.
package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations
var migrations embed.FS

// Store is the database. It implements the culture service interfaces.
type Store struct {
	// write takes every write transaction. On SQLite it holds one
	// connection, so writers queue in Go instead of spinning on the lock.
	write *sql.DB
	// read serves read-only transactions; on PostgreSQL it is write.
	read    *sql.DB
	dialect dialect
	log     *slog.Logger

	// Now returns the current time; tests replace it.
	Now func() time.Time
	// grab holds the booking rules and the ID key (see grab.go).
	grab *grabConfig
	// writeStmts and readStmts cache prepared statements per pool (SQLite).
	writeStmts, readStmts *stmtCache
	// onSends queues new notification sends (SetSendHook); nil leaves them
	// pending in notification_sends.
	onSends SendHook
	// onWebhooks queues new webhook deliveries (SetWebhookHook); nil leaves
	// them pending.
	onWebhooks WebhookHook
}

// Options tune Open.
type Options struct {
	Logger *slog.Logger
	// ReadConns bounds the read pool (default 8).
	ReadConns int
}

// Open opens and migrates the database named by dsn: "sqlite:PATH" or a
// "postgres://" URL.
func Open(ctx context.Context, dsn string, opt Options) (*Store, error) {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.ReadConns <= 0 {
		opt.ReadConns = 8
	}
	s := &Store{log: opt.Logger, Now: time.Now, grab: newGrabConfig()}
	var err error
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		err = s.openSQLite(strings.TrimPrefix(dsn, "sqlite:"), opt)
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		err = s.openPostgres(dsn, opt)
	default:
		return nil, fmt.Errorf("database %q: use sqlite:PATH or a postgres:// URL", dsn)
	}
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.loadIDKey(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// sqlitePragmas go in the DSN so that every pooled connection gets them;
// busy_timeout comes first so the others wait for a lock instead of failing.
// synchronous=FULL: an acknowledged booking must survive a power cut.
const sqlitePragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
	"&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)"

func (s *Store) openSQLite(path string, opt Options) error {
	if path == "" {
		return errors.New("sqlite: empty path")
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
	}
	u := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + sqlitePragmas
	w, err := sql.Open("sqlite", u+"&_txlock=immediate")
	if err != nil {
		return err
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite", u+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return err
	}
	r.SetMaxOpenConns(opt.ReadConns)
	s.write, s.read, s.dialect = w, r, sqliteDialect{}
	s.writeStmts, s.readStmts = newStmtCache(w), newStmtCache(r)
	return w.Ping()
}

func (s *Store) openPostgres(dsn string, opt Options) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(opt.ReadConns + 8)
	db.SetMaxIdleConns(opt.ReadConns + 8)
	db.SetConnMaxIdleTime(5 * time.Minute)
	s.write, s.read, s.dialect = db, db, postgresDialect{}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return fmt.Errorf("postgres: %w", err)
	}
	return nil
}

// migrate runs the embedded migrations of the dialect. On PostgreSQL a
// session lock keeps several starting processes from racing.
func (s *Store) migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations/"+s.dialect.name())
	if err != nil {
		return err
	}
	var opts []goose.ProviderOption
	gd := goose.DialectSQLite3
	if s.dialect.name() == "postgres" {
		gd = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(gd, s.write, sub, opts...)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Engine returns "sqlite" or "postgres".
func (s *Store) Engine() string { return s.dialect.name() }

// Ping checks that the database answers; /readyz uses it.
func (s *Store) Ping(ctx context.Context) error { return s.write.PingContext(ctx) }

// Close closes both pools.
func (s *Store) Close() error {
	s.writeStmts.close()
	s.readStmts.close()
	err := s.write.Close()
	if s.read != s.write {
		err = errors.Join(err, s.read.Close())
	}
	return err
}

// DB returns the write pool, for tools that need raw access (tests, bench).
func (s *Store) DB() *sql.DB { return s.write }
