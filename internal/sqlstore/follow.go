package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/wenyun/wenyun/internal/culture"
)

var errNoSeries = culture.Errorf(culture.ENOTFOUND, "系列不存在。")

func checkSeries(ctx context.Context, tx *Tx, id int64) error {
	var got int64
	err := tx.queryRow(ctx, `SELECT id FROM series WHERE id = ?`, id).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return errNoSeries
	}
	return err
}

// FollowSeries makes the account follow the series, or stop following it;
// doing either twice is the same as once. ENOTFOUND when the series does
// not exist.
func (s *Store) FollowSeries(ctx context.Context, accountID, seriesID int64, follow bool) (err error) {
	defer wrapStoreCall(&err, "FollowSeries(account=%d, series=%d, %t)", accountID, seriesID, follow)
	return s.update(ctx, func(tx *Tx) error {
		if err := checkSeries(ctx, tx, seriesID); err != nil {
			return err
		}
		if !follow {
			_, err := tx.exec(ctx, `DELETE FROM series_follows WHERE account_id = ? AND series_id = ?`,
				accountID, seriesID)
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO series_follows (account_id, series_id, created_at)
			VALUES (?, ?, ?) ON CONFLICT (account_id, series_id) DO NOTHING`,
			accountID, seriesID, tx.nowUnix())
		return err
	})
}

// IsFollowing reports whether the account follows the series.
func (s *Store) IsFollowing(ctx context.Context, accountID, seriesID int64) (ok bool, err error) {
	defer wrapStoreCall(&err, "IsFollowing(account=%d, series=%d)", accountID, seriesID)
	var n int
	err = s.view(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT COUNT(*) FROM series_follows
			WHERE account_id = ? AND series_id = ?`, accountID, seriesID).Scan(&n)
	})
	return n > 0, err
}

// SeriesFigures returns the series' record: activities that have ended
// (cancelled ones aside) and their checked-in attendees, followers, and
// the non-hidden ratings of all its activities. ENOTFOUND when the series
// does not exist.
func (s *Store) SeriesFigures(ctx context.Context, seriesID int64) (f *culture.SeriesFigures, err error) {
	defer wrapStoreCall(&err, "SeriesFigures(%d)", seriesID)
	f = &culture.SeriesFigures{}
	err = s.view(ctx, func(tx *Tx) error {
		if err := checkSeries(ctx, tx, seriesID); err != nil {
			return err
		}
		return seriesFigures(ctx, tx, seriesID, f)
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// seriesHeld selects the series' activities a that have ended.
const seriesHeld = `FROM activities a WHERE a.series_id = ? AND a.ends_at <= ? AND a.status <> 'cancelled'`

func seriesFigures(ctx context.Context, tx *Tx, seriesID int64, f *culture.SeriesFigures) error {
	var ratingSum int64
	err := tx.queryRow(ctx, `SELECT
		(SELECT COUNT(*) `+seriesHeld+`),
		(SELECT COUNT(*) FROM booking_attendees ba JOIN bookings b ON b.id = ba.booking_id
			WHERE b.status = 'checked_in' AND b.activity_id IN (SELECT a.id `+seriesHeld+`)),
		(SELECT COUNT(*) FROM series_follows WHERE series_id = ?),
		(SELECT CAST(COALESCE(SUM(rt.score), 0) AS BIGINT) FROM ratings rt
			JOIN activities a ON a.id = rt.activity_id WHERE a.series_id = ? AND rt.hidden = 0),
		(SELECT COUNT(*) FROM ratings rt
			JOIN activities a ON a.id = rt.activity_id WHERE a.series_id = ? AND rt.hidden = 0)`,
		seriesID, tx.nowUnix(), seriesID, tx.nowUnix(), seriesID, seriesID, seriesID).
		Scan(&f.Held, &f.Attendance, &f.Followers, &ratingSum, &f.RatingCount)
	f.RatingAvg = ratingAvg(ratingSum, f.RatingCount)
	return err
}
