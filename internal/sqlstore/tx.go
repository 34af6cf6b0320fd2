package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// Tx wraps a database transaction with the dialect (so SQL is written once,
// with ? placeholders) and the time fixed when it began.
type Tx struct {
	tx  *sql.Tx
	d   dialect
	now time.Time
	// grab holds the booking rules and the ID key (see grab.go).
	grab *grabConfig
	// stmts caches prepared statements (SQLite only; nil otherwise).
	stmts *stmtCache
	// onSends queues notification sends for delivery (see notify_core.go).
	onSends SendHook
	// onWebhooks queues webhook deliveries (see webhook_events.go).
	onWebhooks WebhookHook
}

func (tx *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := tx.stmts.get(q); st != nil {
		return tx.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.tx.ExecContext(ctx, tx.d.rebind(q), args...)
}

func (tx *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := tx.stmts.get(q); st != nil {
		return tx.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return tx.tx.QueryContext(ctx, tx.d.rebind(q), args...)
}

func (tx *Tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if st := tx.stmts.get(q); st != nil {
		return tx.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return tx.tx.QueryRowContext(ctx, tx.d.rebind(q), args...)
}

// queryIDs runs a query of one integer column and returns its values.
func (tx *Tx) queryIDs(ctx context.Context, q string, args ...any) ([]int64, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return scanIDs(rows)
}

// scanIDs reads one integer column from rows and closes them.
func scanIDs(rows *sql.Rows) ([]int64, error) {
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// rowScanner is a *sql.Row or *sql.Rows.
type rowScanner interface{ Scan(...any) error }

// scanAll reads every row with scan and closes rows. None gives an empty,
// non-nil slice, so JSON shows [] rather than null.
func scanAll[T any](rows *sql.Rows, scan func(rowScanner) (T, error)) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// nowUnix returns the transaction's time in Unix seconds.
func (tx *Tx) nowUnix() int64 { return tx.now.Unix() }

// update runs fn in a write transaction and commits it if fn succeeds.
// SQLite "database is locked" errors (another process holds the lock past
// busy_timeout) are retried with backoff.
func (s *Store) update(ctx context.Context, fn func(*Tx) error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = s.run(ctx, s.write, false, fn)
		if !s.dialect.isBusy(err) {
			return err
		}
		time.Sleep(time.Duration(50<<attempt) * time.Millisecond)
	}
	return err
}

// view runs fn in a read-only transaction.
func (s *Store) view(ctx context.Context, fn func(*Tx) error) error {
	return s.run(ctx, s.read, true, fn)
}

func (s *Store) run(ctx context.Context, db *sql.DB, readOnly bool, fn func(*Tx) error) error {
	stmts := s.stmtsFor(db)
	defer stmts.prepareMissed(context.WithoutCancel(ctx))
	opts := &sql.TxOptions{ReadOnly: readOnly && s.dialect.name() == "postgres"}
	sqlTx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	tx := &Tx{tx: sqlTx, d: s.dialect, now: s.Now().UTC().Truncate(time.Second), grab: s.grab, stmts: stmts, onSends: s.onSends, onWebhooks: s.onWebhooks}
	if err := fn(tx); err != nil {
		rbErr := ignoreDone(sqlTx.Rollback())
		if s.dialect.isBadInput(err) {
			// Text the database cannot store (invalid UTF-8, NUL bytes) is
			// the client's mistake, not ours: refuse it like any bad field.
			return errors.Join(errBadText, rbErr)
		}
		return errors.Join(err, rbErr)
	}
	return sqlTx.Commit()
}

var errBadText = culture.Errorf(culture.EINVALID, "输入包含无效字符，请检查后重试。")

func ignoreDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}

// unix converts a time to stored Unix seconds.
func unix(t time.Time) int64 { return t.Unix() }

// fromUnix converts stored Unix seconds to a UTC time.
func fromUnix(s int64) time.Time { return time.Unix(s, 0).UTC() }

// nullUnix converts a nullable stored time.
func nullUnix(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromUnix(n.Int64)
	return &t
}
