package notifyq

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivermigrate"
)

// migrateLockKey is the PostgreSQL advisory lock ("wenyun" in ASCII) held
// while river migrates; goose's lock is another key.
const migrateLockKey = 0x77656e79756e

// migrate brings river's tables up to date. rivermigrate takes no lock of
// its own, so processes starting together would both apply a version:
// on SQLite the whole run is one immediate transaction, on PostgreSQL it
// runs under an advisory lock (not one transaction, as some of river's
// PostgreSQL migrations cannot share one).
func migrate(ctx context.Context, driver riverdriver.Driver[*sql.Tx], db *sql.DB, engine string) error {
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	if engine == "sqlite" {
		return migrateSQLite(ctx, m, db)
	}
	return migratePostgres(ctx, m, db)
}

// migrateSQLite migrates in one transaction on db, whose DSN makes BEGIN
// take the write lock: a second process waits, then finds nothing to do.
func migrateSQLite(ctx context.Context, m *rivermigrate.Migrator[*sql.Tx], db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit, a no-op
	//nolint:staticcheck // deprecated for PostgreSQL's enum migrations; SQLite runs them in one transaction fine
	if _, err := m.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil); err != nil {
		return err
	}
	return tx.Commit()
}

// migratePostgres migrates while holding a session advisory lock on a
// connection of its own.
func migratePostgres(ctx context.Context, m *rivermigrate.Migrator[*sql.Tx], db *sql.DB) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrateLockKey); err != nil {
		return err
	}
	defer func() {
		_, uerr := conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrateLockKey)
		err = errors.Join(err, uerr)
	}()
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}
