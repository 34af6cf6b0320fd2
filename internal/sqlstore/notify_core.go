package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/wenyun/wenyun/internal/culture"
)

// SendHook queues notification sends for delivery inside the transaction
// that created them, so a send is queued if and only if its notification
// commits. cmd sets it to insert the delivery jobs (river) with tx.
type SendHook func(ctx context.Context, tx *sql.Tx, sendIDs []int64) error

// SetSendHook sets the hook; call it before serving.
func (s *Store) SetSendHook(h SendHook) { s.onSends = h }

// notifyAccounts stores n for each account — except where the account
// already has a notification with n.Key, which makes every event and job
// idempotent — and creates a pending send on each external channel the
// account chose, handing the new sends to the hook. n.AccountID is
// ignored; n.Key must be set.
func notifyAccounts(ctx context.Context, tx *Tx, n culture.Notification, accountIDs []int64) error {
	var sends []int64
	for _, id := range accountIDs {
		ids, err := notifyOne(ctx, tx, n, id)
		if err != nil {
			return err
		}
		sends = append(sends, ids...)
	}
	if len(sends) == 0 || tx.onSends == nil {
		return nil
	}
	return tx.onSends(ctx, tx.tx, sends)
}

// notifyOne stores one account's notification and its sends; none when
// the key was taken.
func notifyOne(ctx context.Context, tx *Tx, n culture.Notification, accountID int64) ([]int64, error) {
	var nid int64
	err := tx.queryRow(ctx, `INSERT INTO notifications (account_id, kind, title, body, link, key, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, key) DO NOTHING RETURNING id`,
		accountID, n.Kind, n.Title, n.Body, n.Link, n.Key, tx.nowUnix()).Scan(&nid)
	if err == sql.ErrNoRows {
		return nil, nil // notified before
	} else if err != nil {
		return nil, err
	}
	var channels string
	if err := tx.queryRow(ctx, `SELECT notify_channels FROM accounts WHERE id = ?`, accountID).Scan(&channels); err != nil {
		return nil, err
	}
	var sends []int64
	for _, ch := range strings.Split(channels, ",") {
		if ch == "" {
			continue
		}
		var sid int64
		err := tx.queryRow(ctx, `INSERT INTO notification_sends (notification_id, channel, state, created_at)
			VALUES (?, ?, 'pending', ?) RETURNING id`, nid, ch, tx.nowUnix()).Scan(&sid)
		if err != nil {
			return nil, err
		}
		sends = append(sends, sid)
	}
	return sends, nil
}
