package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/wenyun/wenyun/internal/culture"
)

var errRatingNotFound = culture.Errorf(culture.ENOTFOUND, "评价不存在。")

// maxHideReason bounds a moderation reason, in characters.
const maxHideReason = 200

// HideRating hides (hide) or shows a rating, as by, and writes the
// audit_log row ("rating.hide" or "rating.show", target "rating:<id>").
// Hiding needs a reason of 1 to 200 characters; showing takes an optional
// one. by must manage activities at the unit of the rating's activity
// (EFORBIDDEN otherwise): the permission is checked here, in the same
// transaction as the change, whatever the caller checked before. Hidden
// ratings count in no average (every average query filters hidden = 0).
func (s *Store) HideRating(ctx context.Context, id int64, hide bool, reason string, by int64) (err error) {
	defer wrapStoreCall(&err, "HideRating(%d, hide=%t, by=%d)", id, hide, by)
	reason = strings.TrimSpace(reason)
	return s.update(ctx, func(tx *Tx) error {
		if err := checkModerator(ctx, tx, id, by); err != nil {
			return err
		}
		if err := checkHideReason(hide, reason); err != nil {
			return err
		}
		return setRatingHidden(ctx, tx, id, hide, reason, by)
	})
}

// checkModerator returns ENOTFOUND for no rating id and EFORBIDDEN unless
// account by may manage activities at the unit of its activity.
func checkModerator(ctx context.Context, tx *Tx, id, by int64) error {
	var unitID int64
	err := tx.queryRow(ctx, `SELECT a.unit_id FROM ratings rt JOIN activities a ON a.id = rt.activity_id
		WHERE rt.id = ?`, id).Scan(&unitID)
	if errors.Is(err, sql.ErrNoRows) {
		return errRatingNotFound
	} else if err != nil {
		return err
	}
	acc, err := findAccount(ctx, tx, "a.id = ?", by)
	if culture.ErrorCode(err) == culture.ENOTFOUND {
		return culture.ErrForbidden
	} else if err != nil {
		return err
	}
	unit, err := findUnit(ctx, tx, unitID)
	if err != nil {
		return err
	}
	return acc.Check(culture.ActManageActivities, unit)
}

func checkHideReason(hide bool, reason string) error {
	n := utf8.RuneCountInString(reason)
	switch {
	case hide && n == 0:
		return culture.Invalid("reason", "请填写隐藏理由。")
	case n > maxHideReason:
		return culture.Invalid("reason", fmt.Sprintf("理由最多 %d 个字。", maxHideReason))
	case !culture.CleanText(reason):
		return culture.Invalid("reason", "理由包含无效字符，请重新输入。")
	}
	return nil
}

// setRatingHidden stores the state and its audit row. A shown rating keeps
// no reason; the audit log keeps every one.
func setRatingHidden(ctx context.Context, tx *Tx, id int64, hide bool, reason string, by int64) error {
	action, kept := "rating.show", ""
	if hide {
		action, kept = "rating.hide", reason
	}
	_, err := tx.exec(ctx, `UPDATE ratings SET hidden = ?, hidden_reason = ? WHERE id = ?`, boolInt(hide), kept, id)
	if err != nil {
		return err
	}
	return audit(ctx, tx, by, action, fmt.Sprintf("rating:%d", id), reason)
}

// FindRatingsForStaff lists every rating, hidden ones included, of the
// activities at within's subtree, newest first, with the activity's title
// and unit and the author masked; a page of limit (default 50, at most
// 200) and the total.
func (s *Store) FindRatingsForStaff(ctx context.Context, within int64, limit, offset int) (out []*culture.Rating, total int, err error) {
	defer wrapStoreCall(&err, "FindRatingsForStaff(%d)", within)
	limit, offset = activityPage(limit, offset, 50, 200)
	const from = staffRatingFrom + `
		WHERE a.unit_id IN (SELECT c.id FROM units c JOIN units w ON c.path LIKE w.path || '%' WHERE w.id = ?)`
	err = s.view(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT COUNT(*) OVER(), `+staffRatingColumns+from+`
			ORDER BY rt.created_at DESC, rt.id DESC LIMIT ? OFFSET ?`, within, limit, offset)
		if err != nil {
			return err
		}
		out, err = scanAll(rows, func(r rowScanner) (*culture.Rating, error) { return scanStaffRating(r, &total) })
		if err == nil && len(out) == 0 && offset > 0 { // past the end: no row carried the total
			err = tx.queryRow(ctx, `SELECT COUNT(*)`+from, within).Scan(&total)
		}
		return err
	})
	return out, total, err
}

// FindRatingByID returns a rating, hidden or not, as FindRatingsForStaff
// lists it; ENOTFOUND when missing.
func (s *Store) FindRatingByID(ctx context.Context, id int64) (r *culture.Rating, err error) {
	defer wrapStoreCall(&err, "FindRatingByID(%d)", id)
	err = s.view(ctx, func(tx *Tx) error {
		r, err = scanStaffRating(tx.queryRow(ctx, `SELECT `+staffRatingColumns+staffRatingFrom+` WHERE rt.id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return errRatingNotFound
		}
		return err
	})
	return r, err
}

// staffRatingColumns are the columns scanStaffRating reads (after any it
// is given to scan first), from staffRatingFrom.
const staffRatingColumns = `rt.id, rt.activity_id, rt.account_id, rt.score, rt.comment, rt.created_at,
	ac.name, COALESCE(ac.phone, ''), rt.hidden, rt.hidden_reason, a.title, a.unit_id`

const staffRatingFrom = ` FROM ratings rt JOIN accounts ac ON ac.id = rt.account_id
	JOIN activities a ON a.id = rt.activity_id`

// scanStaffRating scans a row of staffRatingColumns: first into before
// (FindRatingsForStaff's total), then the columns scanRating reads, then
// the moderation and activity columns.
func scanStaffRating(row rowScanner, before ...any) (*culture.Rating, error) {
	var hidden int64
	var extra struct {
		reason, title string
		unit          int64
	}
	r, err := scanRating(scanInto{row, before, []any{&hidden, &extra.reason, &extra.title, &extra.unit}})
	if err != nil {
		return nil, err
	}
	r.Hidden, r.HiddenReason, r.ActivityTitle, r.UnitID = hidden != 0, extra.reason, extra.title, extra.unit
	return r, nil
}

// scanInto adds destinations before and after those its caller scans.
type scanInto struct {
	row          rowScanner
	before, tail []any
}

func (s scanInto) Scan(dest ...any) error {
	return s.row.Scan(append(append(append([]any{}, s.before...), dest...), s.tail...)...)
}
