package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/alexedwards/scs/v2"
)

// SessionStore keeps scs sessions in the sessions table, with the same SQL
// on both engines, so that every process behind a load balancer sees every
// session. Expiry is stored in Unix seconds; an expired row is never found
// and Cleanup removes it.
type SessionStore struct {
	s *Store
}

var _ scs.CtxStore = (*SessionStore)(nil)

// SessionStore returns the session store backed by s.
func (s *Store) SessionStore() *SessionStore { return &SessionStore{s: s} }

// Find returns the data of an unexpired session; see FindCtx.
func (ss *SessionStore) Find(token string) ([]byte, bool, error) {
	return ss.FindCtx(context.Background(), token)
}

// Commit stores a session; see CommitCtx.
func (ss *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return ss.CommitCtx(context.Background(), token, b, expiry)
}

// Delete removes a session; see DeleteCtx.
func (ss *SessionStore) Delete(token string) error {
	return ss.DeleteCtx(context.Background(), token)
}

// FindCtx returns the data of the session and true, or false (and no error)
// when the token is unknown or expired.
func (ss *SessionStore) FindCtx(ctx context.Context, token string) (b []byte, found bool, err error) {
	defer wrapStoreCall(&err, "SessionStore.Find") // never the token: it is a credential
	err = ss.s.view(ctx, func(tx *Tx) error {
		err := tx.queryRow(ctx, `SELECT data FROM sessions WHERE token = ? AND expiry > ?`,
			token, tx.nowUnix()).Scan(&b)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		found = err == nil
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return b, found, nil
}

// CommitCtx stores the session's data and expiry, replacing any before.
func (ss *SessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) (err error) {
	defer wrapStoreCall(&err, "SessionStore.Commit")
	return ss.s.update(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO sessions (token, data, expiry) VALUES (?, ?, ?)
			ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`,
			token, b, unix(expiry))
		return err
	})
}

// DeleteCtx removes the session; an unknown token is not an error.
func (ss *SessionStore) DeleteCtx(ctx context.Context, token string) (err error) {
	defer wrapStoreCall(&err, "SessionStore.Delete")
	return ss.s.update(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `DELETE FROM sessions WHERE token = ?`, token)
		return err
	})
}

// Cleanup deletes expired sessions and returns how many it deleted. A
// background job calls it now and then.
func (ss *SessionStore) Cleanup(ctx context.Context) (n int64, err error) {
	defer wrapStoreCall(&err, "SessionStore.Cleanup")
	err = ss.s.update(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM sessions WHERE expiry <= ?`, tx.nowUnix())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
