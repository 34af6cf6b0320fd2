package sqlstore

import (
	"context"
	"database/sql"
	"errors"
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
	notes := make([]culture.Notification, len(accountIDs))
	for i := range notes {
		notes[i] = n
	}
	return notifyEach(ctx, tx, notes, accountIDs)
}

// notifyEach is notifyAccounts with a notification of its own per account
// (notes[i] for accountIDs[i]): events that reach many bookings at once
// (an activity cancelled, a lottery drawn, the reminders of a run) read
// the channels in one query and hand all their sends to the hook at once.
func notifyEach(ctx context.Context, tx *Tx, notes []culture.Notification, accountIDs []int64) error {
	channels, err := notifyChannels(ctx, tx, accountIDs)
	if err != nil {
		return err
	}
	var sends []int64
	for i, id := range accountIDs {
		ids, err := notifyOne(ctx, tx, notes[i], id, channels[id])
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

// notifyChannels reads the accounts' chosen channels, in chunks far below
// both engines' parameter limits: one query for a whole fan-out rather
// than one per member.
func notifyChannels(ctx context.Context, tx *Tx, accountIDs []int64) (map[int64]string, error) {
	const chunk = 500
	out := make(map[int64]string, len(accountIDs))
	for i := 0; i < len(accountIDs); i += chunk {
		part := accountIDs[i:min(i+chunk, len(accountIDs))]
		args := make([]any, len(part))
		for j, id := range part {
			args[j] = id
		}
		rows, err := tx.query(ctx, `SELECT id, notify_channels FROM accounts WHERE id IN (`+bookingMarks(len(part))+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var ch string
			if err := rows.Scan(&id, &ch); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = ch
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// notifyOne stores one account's notification and a send per chosen
// channel; none when the key was taken.
func notifyOne(ctx context.Context, tx *Tx, n culture.Notification, accountID int64, channels string) ([]int64, error) {
	var nid int64
	err := tx.queryRow(ctx, `INSERT INTO notifications (account_id, kind, title, body, link, key, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, key) DO NOTHING RETURNING id`,
		accountID, n.Kind, n.Title, n.Body, n.Link, n.Key, tx.nowUnix()).Scan(&nid)
	if err == sql.ErrNoRows {
		return nil, nil // notified before
	} else if err != nil {
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
