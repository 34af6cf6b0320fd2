package sqlstore

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"

	"github.com/wenyun/wenyun/internal/culture"
)

var _ culture.FeedService = (*Store)(nil)

// feedShown selects, in a window, the published activities a and those
// cancelled since the window's CancelledSince (args: from, to, since).
const feedShown = ` a.starts_at >= ? AND a.starts_at < ?
	AND (a.status = 'published' OR (a.status = 'cancelled' AND a.updated_at >= ?))`

// feedLimit applies FeedLimit to a window's limit.
func feedLimit(w culture.FeedWindow) int {
	if w.Limit <= 0 || w.Limit > culture.FeedLimit {
		return culture.FeedLimit
	}
	return w.Limit
}

// feedPick is one query of a feed, split in two by feedEvents: sel is the
// SELECT and its joins, where the conditions (ending so that " AND …" may
// follow), args their arguments, tie the column that orders events
// starting at the same time.
type feedPick struct {
	sel, where, tie string
	args            []any
	scan            func(rowScanner) (*culture.FeedEvent, error)
}

// feedEvents runs a feed's query so that a busy tree keeps what matters
// when the window holds more than its limit: first the events not yet
// over (ending after the transaction's now, kept within the window),
// soonest first, up to the limit; then, in the room left, the ones
// already over, latest first. The result is ordered by start time, then
// tie.
func feedEvents(ctx context.Context, tx *Tx, q feedPick, w culture.FeedWindow, key func(*culture.FeedEvent) int64) ([]*culture.FeedEvent, error) {
	limit := feedLimit(w)
	now := unix(tx.now)
	now = min(max(now, unix(w.From)), unix(w.To))
	upcoming, err := feedQuery(ctx, tx, q, ` AND a.ends_at > ? ORDER BY a.starts_at, `+q.tie, now, limit)
	if err != nil || len(upcoming) >= limit {
		return upcoming, err
	}
	past, err := feedQuery(ctx, tx, q, ` AND a.ends_at <= ? ORDER BY a.starts_at DESC, `+q.tie+` DESC`, now, limit-len(upcoming))
	if err != nil {
		return nil, err
	}
	out := append(past, upcoming...)
	slices.SortFunc(out, func(x, y *culture.FeedEvent) int {
		return cmp.Or(x.Activity.StartsAt.Compare(y.Activity.StartsAt), cmp.Compare(key(x), key(y)))
	})
	return out, nil
}

// feedQuery runs q with the extra condition and order (one argument, now)
// and a limit.
func feedQuery(ctx context.Context, tx *Tx, q feedPick, tail string, now int64, limit int) ([]*culture.FeedEvent, error) {
	args := append(slices.Clip(q.args), now, limit)
	rows, err := tx.query(ctx, q.sel+q.where+tail+` LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, q.scan)
}

// FeedActivities lists the activities of a unit's subtree or a series
// (f.Within, f.SeriesID) starting in f's window: the published ones and
// those cancelled since f.CancelledSince, by start time, at most f.Limit;
// when there are more, the upcoming ones first (see feedEvents).
func (s *Store) FeedActivities(ctx context.Context, f culture.FeedFilter) (out []*culture.FeedEvent, err error) {
	defer wrapStoreCall(&err, "FeedActivities")
	where := ` WHERE` + feedShown
	args := []any{unix(f.From), unix(f.To), unix(f.CancelledSince)}
	if f.Within != nil {
		where += ` AND a.unit_id IN (SELECT c.id FROM units c JOIN units w ON c.path LIKE w.path || '%'
			WHERE w.id = ?)`
		args = append(args, *f.Within)
	}
	if f.SeriesID != nil {
		where, args = where+` AND a.series_id = ?`, append(args, *f.SeriesID)
	}
	q := feedPick{sel: `SELECT a.updated_at, ` + activityColumns + ` FROM activities a` + activityJoins,
		where: where, tie: "a.id", args: args, scan: scanFeedActivity}
	err = s.view(ctx, func(tx *Tx) error {
		out, err = feedEvents(ctx, tx, q, f.FeedWindow, func(e *culture.FeedEvent) int64 { return e.Activity.ID })
		return err
	})
	return out, err
}

func scanFeedActivity(row rowScanner) (*culture.FeedEvent, error) {
	var r activityRow
	var updated int64
	if err := row.Scan(append([]any{&updated}, r.dest()...)...); err != nil {
		return nil, err
	}
	return &culture.FeedEvent{Activity: r.activity(), UpdatedAt: fromUnix(updated)}, nil
}

// feedBookingSelect is bookingSelect with the booking's and the activity's
// last change first.
var feedBookingSelect = strings.Replace(bookingSelect, "SELECT ", "SELECT b.updated_at, a.updated_at, ", 1)

// FeedBookings lists the account's bookings of activities starting in w:
// the active ones (culture.ActiveBookingStatuses: confirmed, checked in,
// pending, waiting, offered, applied), whoever attends, and those that
// were cancelled together with their activity (by staff, not by the
// resident) since w.CancelledSince; at most w.Limit, the upcoming ones
// first (see feedEvents). Bookings the resident cancelled, and declined
// ones, are left out. Attendees are loaded.
func (s *Store) FeedBookings(ctx context.Context, accountID int64, w culture.FeedWindow) (out []*culture.FeedEvent, err error) {
	defer wrapStoreCall(&err, "FeedBookings(%d)", accountID)
	active := "'" + strings.Join(culture.ActiveBookingStatuses, "', '") + "'"
	q := feedPick{sel: feedBookingSelect, where: ` WHERE b.account_id = ? AND` + feedShown + `
			AND (b.status IN (` + active + `) OR (b.status = 'cancelled' AND a.status = 'cancelled'
				AND b.updated_at >= a.updated_at))`,
		tie: "b.id", args: []any{accountID, unix(w.From), unix(w.To), unix(w.CancelledSince)}, scan: scanFeedBooking}
	err = s.view(ctx, func(tx *Tx) error {
		var err error
		if out, err = feedEvents(ctx, tx, q, w, func(e *culture.FeedEvent) int64 { return e.Booking.ID }); err != nil {
			return err
		}
		bs := make([]*culture.Booking, len(out))
		for i, e := range out {
			bs[i] = e.Booking
		}
		return bookingAttendees(ctx, tx, bs)
	})
	return out, err
}

func scanFeedBooking(row rowScanner) (*culture.FeedEvent, error) {
	var r bookingRow
	var bookingUpdated, activityUpdated int64
	if err := row.Scan(append([]any{&bookingUpdated, &activityUpdated}, r.dest()...)...); err != nil {
		return nil, err
	}
	b := r.booking()
	return &culture.FeedEvent{Activity: b.Activity, Booking: b,
		UpdatedAt: fromUnix(max(bookingUpdated, activityUpdated))}, nil
}

// newFeedToken returns a fresh feed token: 24 random bytes, base64url.
func newFeedToken() (string, error) {
	b := make([]byte, culture.FeedTokenLen*3/4)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// FeedToken returns the account's feed token, creating one on first use.
// ENOTFOUND when there is no such account.
func (s *Store) FeedToken(ctx context.Context, accountID int64) (token string, err error) {
	defer wrapStoreCall(&err, "FeedToken(%d)", accountID)
	fresh, err := newFeedToken()
	if err != nil {
		return "", err
	}
	err = s.update(ctx, func(tx *Tx) error {
		if err := accountMustExist(ctx, tx, accountID); err != nil {
			return err
		}
		// Two first visits at once: the second insert does nothing and
		// both read the one token that won.
		_, err := tx.exec(ctx, `INSERT INTO feed_tokens (account_id, token, created_at) VALUES (?, ?, ?)
			ON CONFLICT (account_id) DO NOTHING`, accountID, fresh, tx.nowUnix())
		if err != nil {
			return err
		}
		return tx.queryRow(ctx, `SELECT token FROM feed_tokens WHERE account_id = ?`, accountID).Scan(&token)
	})
	return token, err
}

// ResetFeedToken gives the account a new feed token and returns it; the
// old one no longer finds the account. ENOTFOUND when there is no such
// account.
func (s *Store) ResetFeedToken(ctx context.Context, accountID int64) (token string, err error) {
	defer wrapStoreCall(&err, "ResetFeedToken(%d)", accountID)
	if token, err = newFeedToken(); err != nil {
		return "", err
	}
	err = s.update(ctx, func(tx *Tx) error {
		if err := accountMustExist(ctx, tx, accountID); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO feed_tokens (account_id, token, created_at) VALUES (?, ?, ?)
			ON CONFLICT (account_id) DO UPDATE SET token = excluded.token, created_at = excluded.created_at`,
			accountID, token, tx.nowUnix())
		return err
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// FindAccountByFeedToken returns the account, with its grants, that holds
// the feed token; culture.ErrFeedToken for a token of the wrong shape, an
// unknown one or one that was reset.
func (s *Store) FindAccountByFeedToken(ctx context.Context, token string) (a *culture.Account, err error) {
	if !culture.ValidFeedToken(token) {
		return nil, culture.ErrFeedToken
	}
	err = s.view(ctx, func(tx *Tx) error {
		var e error
		a, e = findAccount(ctx, tx, `a.id = (SELECT t.account_id FROM feed_tokens t WHERE t.token = ?)`, token)
		return e
	})
	if culture.ErrorCode(err) == culture.ENOTFOUND {
		return nil, culture.ErrFeedToken
	} else if err != nil {
		return nil, fmt.Errorf("sqlstore.FindAccountByFeedToken: %w", err)
	}
	return a, nil
}

// FollowedSeries lists the series the account follows, in the order
// they were created.
func (s *Store) FollowedSeries(ctx context.Context, accountID int64) (out []*culture.Series, err error) {
	defer wrapStoreCall(&err, "FollowedSeries(%d)", accountID)
	err = s.view(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT se.id, se.slug, se.name, se.description FROM series se
			JOIN series_follows f ON f.series_id = se.id WHERE f.account_id = ? ORDER BY se.id`, accountID)
		if err != nil {
			return err
		}
		out, err = scanAll(rows, func(r rowScanner) (*culture.Series, error) {
			var se culture.Series
			return &se, r.Scan(&se.ID, &se.Slug, &se.Name, &se.Description)
		})
		return err
	})
	return out, err
}
