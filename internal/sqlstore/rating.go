package sqlstore

import (
	"context"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

var (
	errNotAttended = culture.Refuse(culture.EFORBIDDEN, culture.ReasonNotAttended, "签到参加后才能评价。")
	errRated       = culture.Refuse(culture.ECONFLICT, culture.ReasonAlreadyRated, "您已评价过这场活动。")
	errNotEnded    = culture.Errorf(culture.EINVALID, "活动结束后才能评价。")
)

// Rate stores the account's rating of an activity that has ended and that
// it was checked in to, once per activity, and sets r's ID and CreatedAt.
// A held delivery of the activity becomes rated.
func (s *Store) Rate(ctx context.Context, r *culture.Rating) (err error) {
	defer wrapStoreCall(&err, "Rate(activity=%d, account=%d)", r.ActivityID, r.AccountID)
	if err := r.Validate(); err != nil {
		return err
	}
	var id int64
	var at time.Time
	err = s.update(ctx, func(tx *Tx) (err error) {
		at = tx.now
		id, err = rate(ctx, tx, r)
		return err
	})
	if s.dialect.isUnique(err) {
		return errRated
	} else if err != nil {
		return err
	}
	r.ID, r.CreatedAt, r.Hidden = id, at, false
	return nil
}

func rate(ctx context.Context, tx *Tx, r *culture.Rating) (int64, error) {
	a, err := activityByID(ctx, tx, r.ActivityID)
	if err != nil {
		return 0, err
	}
	if err := checkRater(ctx, tx, r); err != nil {
		return 0, err
	}
	if a.EndsAt.After(tx.now) {
		return 0, errNotEnded
	}
	var id int64
	err = tx.queryRow(ctx, `INSERT INTO ratings (activity_id, account_id, score, comment, created_at)
		VALUES (?, ?, ?, ?, ?) RETURNING id`,
		r.ActivityID, r.AccountID, r.Score, r.Comment, tx.nowUnix()).Scan(&id)
	if err != nil {
		return 0, err
	}
	_, err = tx.exec(ctx, `UPDATE deliveries SET status = 'rated', updated_at = ?
		WHERE activity_id = ? AND status = 'held'`, tx.nowUnix(), r.ActivityID)
	return id, err
}

// checkRater refuses an account that was not checked in to the activity,
// or that rated it already.
func checkRater(ctx context.Context, tx *Tx, r *culture.Rating) error {
	var checkedIn, rated int
	err := tx.queryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM bookings WHERE activity_id = ? AND account_id = ? AND status = 'checked_in'),
		(SELECT COUNT(*) FROM ratings WHERE activity_id = ? AND account_id = ?)`,
		r.ActivityID, r.AccountID, r.ActivityID, r.AccountID).Scan(&checkedIn, &rated)
	switch {
	case err != nil:
		return err
	case checkedIn == 0:
		return errNotAttended
	case rated > 0:
		return errRated
	}
	return nil
}

// FindRatings returns the non-hidden ratings of the activity, or of every
// activity delivered from the item (either or both may be given), newest
// first, at most limit (default 20, at most 100). Authors are masked.
func (s *Store) FindRatings(ctx context.Context, activityID *int64, itemID *int64, limit int) (out []*culture.Rating, err error) {
	defer wrapStoreCall(&err, "FindRatings")
	if activityID == nil && itemID == nil {
		return nil, culture.Errorf(culture.EINVALID, "请指定活动或菜单项目。")
	}
	limit, _ = activityPage(limit, 0, 20, 100)
	err = s.view(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT rt.id, rt.activity_id, rt.account_id, rt.score,
			rt.comment, rt.created_at, ac.name, COALESCE(ac.phone, '')
			FROM ratings rt JOIN accounts ac ON ac.id = rt.account_id
			WHERE rt.hidden = 0 AND (rt.activity_id = ? OR rt.activity_id IN
				(SELECT d.activity_id FROM deliveries d WHERE d.item_id = ?))
			ORDER BY rt.created_at DESC, rt.id DESC LIMIT ?`,
			optIDArg(activityID), optIDArg(itemID), limit)
		if err != nil {
			return err
		}
		out, err = scanAll(rows, scanRating)
		return err
	})
	return out, err
}

func scanRating(row rowScanner) (*culture.Rating, error) {
	var r culture.Rating
	var created int64
	var name, phone string
	err := row.Scan(&r.ID, &r.ActivityID, &r.AccountID, &r.Score, &r.Comment, &created, &name, &phone)
	r.CreatedAt, r.AuthorName = fromUnix(created), ratingAuthor(name, phone)
	return &r, err
}

// ratingAuthor shows a rater as the masked name, else the masked phone.
func ratingAuthor(name, phone string) string {
	switch {
	case name != "":
		return culture.MaskName(name)
	case phone != "":
		return culture.MaskPhone(phone)
	}
	return "居民"
}
