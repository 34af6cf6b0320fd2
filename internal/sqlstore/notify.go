package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wenyun/wenyun/internal/culture"
)

var _ culture.NotificationService = (*Store)(nil)

var (
	errNoNotification = culture.Errorf(culture.ENOTFOUND, "通知不存在。")
	errNoAccount      = culture.Errorf(culture.ENOTFOUND, "账号不存在。")
	errNoSend         = culture.Errorf(culture.ENOTFOUND, "通知发送记录不存在。")
)

const notificationColumns = `n.id, n.account_id, n.kind, n.title, n.body, n.link, n.key,
	n.created_at, n.read_at`

// notificationRow receives the notificationColumns of one row.
type notificationRow struct {
	n       culture.Notification
	created int64
	read    sql.NullInt64
}

func (r *notificationRow) dest() []any {
	n := &r.n
	return []any{&n.ID, &n.AccountID, &n.Kind, &n.Title, &n.Body, &n.Link, &n.Key, &r.created, &r.read}
}

func (r *notificationRow) notification() *culture.Notification {
	n := r.n
	n.CreatedAt, n.ReadAt = fromUnix(r.created), nullUnix(r.read)
	return &n
}

// FindNotifications returns the account's notifications, newest first,
// and their total. Limit defaults to 20, at most 100.
func (s *Store) FindNotifications(ctx context.Context, accountID int64, unreadOnly bool, limit, offset int) (ns []*culture.Notification, total int, err error) {
	defer wrapStoreCall(&err, "FindNotifications(account=%d)", accountID)
	where := ` WHERE n.account_id = ?`
	if unreadOnly {
		where += ` AND n.read_at IS NULL`
	}
	limit, offset = activityPage(limit, offset, 20, 100)
	err = s.view(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT COUNT(*) OVER(), `+notificationColumns+` FROM notifications n`+
			where+` ORDER BY n.created_at DESC, n.id DESC LIMIT ? OFFSET ?`, accountID, limit, offset)
		if err != nil {
			return err
		}
		ns, err = scanAll(rows, func(row rowScanner) (*culture.Notification, error) {
			var r notificationRow
			err := row.Scan(append([]any{&total}, r.dest()...)...)
			return r.notification(), err
		})
		if err == nil && len(ns) == 0 && offset > 0 {
			err = tx.queryRow(ctx, `SELECT COUNT(*) FROM notifications n`+where, accountID).Scan(&total)
		}
		return err
	})
	return ns, total, err
}

// UnreadCount returns how many of the account's notifications are unread.
func (s *Store) UnreadCount(ctx context.Context, accountID int64) (n int, err error) {
	defer wrapStoreCall(&err, "UnreadCount(account=%d)", accountID)
	err = s.view(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT COUNT(*) FROM notifications
			WHERE account_id = ? AND read_at IS NULL`, accountID).Scan(&n)
	})
	return n, err
}

// MarkRead marks one of the account's notifications (id > 0) or all of
// them (id 0) read. Another account's notification is not found; marking
// a read one again changes nothing.
func (s *Store) MarkRead(ctx context.Context, accountID, id int64) (err error) {
	defer wrapStoreCall(&err, "MarkRead(account=%d, id=%d)", accountID, id)
	return s.update(ctx, func(tx *Tx) error {
		if id == 0 {
			_, err := tx.exec(ctx, `UPDATE notifications SET read_at = ?
				WHERE account_id = ? AND read_at IS NULL`, tx.nowUnix(), accountID)
			return err
		}
		var got int64
		err := tx.queryRow(ctx, `UPDATE notifications SET read_at = COALESCE(read_at, ?)
			WHERE id = ? AND account_id = ? RETURNING id`, tx.nowUnix(), id, accountID).Scan(&got)
		if errors.Is(err, sql.ErrNoRows) {
			return errNoNotification
		}
		return err
	})
}

// FindPrefs returns the account's channel choices and addresses.
func (s *Store) FindPrefs(ctx context.Context, accountID int64) (p *culture.NotificationPrefs, err error) {
	defer wrapStoreCall(&err, "FindPrefs(account=%d)", accountID)
	p = &culture.NotificationPrefs{AccountID: accountID, Channels: map[string]bool{}}
	var channels string
	err = s.view(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT notify_channels, email, wechat_openid FROM accounts
			WHERE id = ?`, accountID).Scan(&channels, &p.Email, &p.WeChatID)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoAccount
	} else if err != nil {
		return nil, err
	}
	for _, ch := range strings.Split(channels, ",") {
		if ch != "" {
			p.Channels[ch] = true
		}
	}
	return p, nil
}

var errNoPhone = culture.Invalid("channels", "选择短信通知须先绑定手机号码。")

// UpdatePrefs stores the account's choices after p.Validate; SMS needs
// the account to have a mobile number.
func (s *Store) UpdatePrefs(ctx context.Context, p *culture.NotificationPrefs) (err error) {
	defer wrapStoreCall(&err, "UpdatePrefs(account=%d)", p.AccountID)
	if err := p.Validate(); err != nil {
		return err
	}
	return s.update(ctx, func(tx *Tx) error {
		var phone string
		err := tx.queryRow(ctx, `SELECT COALESCE(phone, '') FROM accounts WHERE id = ?`+tx.d.forUpdate(),
			p.AccountID).Scan(&phone)
		if errors.Is(err, sql.ErrNoRows) {
			return errNoAccount
		} else if err != nil {
			return err
		}
		if p.Channels[culture.ChannelSMS] && phone == "" {
			return errNoPhone
		}
		_, err = tx.exec(ctx, `UPDATE accounts SET notify_channels = ?, email = ?, wechat_openid = ?
			WHERE id = ?`, channelList(p.Channels), p.Email, p.WeChatID, p.AccountID)
		return err
	})
}

// channelList writes the chosen channels as stored: comma-separated, in
// the order of culture.ExternalChannels.
func channelList(chosen map[string]bool) string {
	var out []string
	for _, ch := range culture.ExternalChannels {
		if chosen[ch.Value] {
			out = append(out, ch.Value)
		}
	}
	return strings.Join(out, ",")
}

// FindSend loads a send with its notification and recipient.
func (s *Store) FindSend(ctx context.Context, id int64) (send *culture.NotificationSend, err error) {
	defer wrapStoreCall(&err, "FindSend(%d)", id)
	err = s.view(ctx, func(tx *Tx) error {
		send, err = sendByID(ctx, tx, id)
		return err
	})
	return send, err
}

func sendByID(ctx context.Context, tx *Tx, id int64) (*culture.NotificationSend, error) {
	s := &culture.NotificationSend{}
	var sent sql.NullInt64
	var n notificationRow
	err := tx.queryRow(ctx, `SELECT s.id, s.notification_id, s.channel, s.state, s.attempts,
		s.last_error, s.sent_at, COALESCE(acc.phone, ''), acc.email, acc.wechat_openid, acc.name, `+
		notificationColumns+` FROM notification_sends s
		JOIN notifications n ON n.id = s.notification_id
		JOIN accounts acc ON acc.id = n.account_id WHERE s.id = ?`, id).Scan(append([]any{
		&s.ID, &s.NotificationID, &s.Channel, &s.State, &s.Attempts, &s.LastError, &sent,
		&s.Phone, &s.Email, &s.WeChatID, &s.Name}, n.dest()...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoSend
	} else if err != nil {
		return nil, err
	}
	s.SentAt, s.Notification, s.Key = nullUnix(sent), n.notification(), sendKey(s.ID)
	return s, nil
}

// sendKey is a send's idempotency key at the gateway: the send's id is
// unique and never changes across retries.
func sendKey(id int64) string { return fmt.Sprintf("wenyun-send-%d", id) }

// MarkSend records a delivery attempt: sent (with the time), still
// pending with the error (to be retried), or failed (final). A send that
// was sent stays sent, whatever a late or repeated attempt reports; a
// pending or failed one may still become sent.
func (s *Store) MarkSend(ctx context.Context, id int64, state, lastError string) (err error) {
	defer wrapStoreCall(&err, "MarkSend(%d, %s)", id, state)
	if state != culture.SendSent && state != culture.SendPending && state != culture.SendFailed {
		return culture.Invalid("state", "发送状态无效。")
	}
	return s.update(ctx, func(tx *Tx) error {
		res, err := markSend(ctx, tx, id, state, clipError(lastError))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		var got int64
		err = tx.queryRow(ctx, `SELECT id FROM notification_sends WHERE id = ?`, id).Scan(&got)
		if errors.Is(err, sql.ErrNoRows) {
			return errNoSend
		}
		return err // the send was already final: nothing to record
	})
}

func markSend(ctx context.Context, tx *Tx, id int64, state, lastError string) (sql.Result, error) {
	switch state {
	case culture.SendSent:
		return tx.exec(ctx, `UPDATE notification_sends SET state = 'sent', sent_at = ?,
			attempts = attempts + 1, last_error = '' WHERE id = ? AND state <> 'sent'`, tx.nowUnix(), id)
	case culture.SendFailed:
		return tx.exec(ctx, `UPDATE notification_sends SET state = 'failed', attempts = attempts + 1,
			last_error = ? WHERE id = ? AND state = 'pending'`, lastError, id)
	}
	return tx.exec(ctx, `UPDATE notification_sends SET attempts = attempts + 1, last_error = ?
		WHERE id = ? AND state = 'pending'`, lastError, id)
}

// clipError keeps a gateway's error storable and short.
func clipError(msg string) string {
	msg = strings.ToValidUTF8(strings.ReplaceAll(msg, "\x00", ""), "?")
	if utf8.RuneCountInString(msg) > 500 {
		msg = string([]rune(msg)[:500]) + "…"
	}
	return msg
}

// reminder is a reminder kind and the window it covers: bookings whose
// activity starts after now+after and at most now+within get it.
type reminder struct {
	kind, keyPrefix string
	after, within   time.Duration
}

// reminders: the 24 h one leaves the last two hours to the 2 h one, so a
// booking made shortly before the start is not reminded twice at once.
var reminders = []reminder{
	{culture.KindReminder24h, "remind24:b:", 2 * time.Hour, 24 * time.Hour},
	{culture.KindReminder2h, "remind2:b:", 0, 2 * time.Hour},
}

// CreateDueReminders stores the reminders due now, in one transaction,
// and returns how many it stored. Each is keyed by its booking and the
// activity's start (a postponed activity is reminded again), so a run
// after a restart or in another process stores none twice. (On
// PostgreSQL two runs at the same moment may both count a reminder that
// one of them stored: ON CONFLICT DO NOTHING keeps the row single.)
func (s *Store) CreateDueReminders(ctx context.Context) (n int, err error) {
	defer wrapStoreCall(&err, "CreateDueReminders")
	err = s.update(ctx, func(tx *Tx) error {
		n = 0
		for _, r := range reminders {
			due, err := dueReminders(ctx, tx, r)
			if err != nil {
				return err
			}
			notes, to := make([]culture.Notification, len(due)), make([]int64, len(due))
			for i, d := range due {
				notes[i], to[i] = reminderNote(r, d, tx.now), d.accountID
			}
			if err := notifyEach(ctx, tx, notes, to); err != nil {
				return err
			}
			n += len(due)
		}
		return nil
	})
	return n, err
}

// dueBooking is a confirmed booking due a reminder, with its activity.
type dueBooking struct {
	id, accountID int64
	act           *culture.Activity
}

// dueReminders returns the confirmed bookings of published activities in
// r's window that do not have r's reminder yet, by booking id (so that
// concurrent runs insert in one order and never deadlock).
func dueReminders(ctx context.Context, tx *Tx, r reminder) ([]dueBooking, error) {
	rows, err := tx.query(ctx, `SELECT b.id, b.account_id, `+activityColumns+`
		FROM bookings b JOIN activities a ON a.id = b.activity_id`+activityJoins+`
		WHERE b.status = 'confirmed' AND a.status = 'published' AND a.starts_at > ? AND a.starts_at <= ?
		AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.account_id = b.account_id
			AND n.key = '`+r.keyPrefix+`' || CAST(b.id AS TEXT) || ':' || CAST(a.starts_at AS TEXT))
		ORDER BY b.id`, unix(tx.now.Add(r.after)), unix(tx.now.Add(r.within)))
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(row rowScanner) (dueBooking, error) {
		var d dueBooking
		var a activityRow
		err := row.Scan(append([]any{&d.id, &d.accountID}, a.dest()...)...)
		d.act = a.activity()
		return d, err
	})
}
