package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// CreateRequest files a branch's request for a published item, setting
// r's ID, Status (open), CreatedAt and names. The unit must be a branch or
// point in the item's hub tree; a second request for the item at the unit
// while one is open or planned is ECONFLICT.
func (s *Store) CreateRequest(ctx context.Context, r *culture.MenuRequest) (err error) {
	defer wrapStoreCall(&err, "CreateRequest(item %d, unit %d)", r.ItemID, r.UnitID)
	if err := r.Validate(); err != nil {
		return err
	}
	return s.update(ctx, func(tx *Tx) error {
		if err := createRequest(ctx, tx, r); err != nil {
			return err
		}
		stored, err := findRequest(ctx, tx, r.ID)
		if err == nil {
			*r = *stored
		}
		return err
	})
}

// SetRequestStatus withdraws an open request (status withdrawn) or
// declines it (status declined, with a reason of 1 to 200 characters). A
// request no longer open is ECONFLICT.
func (s *Store) SetRequestStatus(ctx context.Context, id int64, status, reason string) (err error) {
	defer wrapStoreCall(&err, "SetRequestStatus(%d, %s)", id, status)
	reason = strings.TrimSpace(reason)
	switch status {
	case culture.RequestWithdrawn:
		reason = ""
	case culture.RequestDeclined:
		if err := checkReason(reason, "请填写未采纳的原因，200 字以内。"); err != nil {
			return err
		}
	default:
		return culture.Invalid("status", "点单只能撤回或不予采纳。")
	}
	return s.update(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE menu_requests SET status = ?, reason = ?, updated_at = ?
			WHERE id = ? AND status = 'open'`, status, reason, tx.nowUnix(), id)
		if err := accountMustAffect(res, err, requestNotFoundMsg); culture.ErrorCode(err) != culture.ENOTFOUND {
			return err
		}
		if _, err := findRequest(ctx, tx, id); err != nil {
			return err
		}
		return culture.Errorf(culture.ECONFLICT, "只有待安排的点单可以撤回或不予采纳。")
	})
}

// FindRequestByID returns the request with its names, or ENOTFOUND.
func (s *Store) FindRequestByID(ctx context.Context, id int64) (r *culture.MenuRequest, err error) {
	defer wrapStoreCall(&err, "FindRequestByID(%d)", id)
	err = s.view(ctx, func(tx *Tx) error {
		var e error
		r, e = findRequest(ctx, tx, id)
		return e
	})
	return r, err
}

// FindRequests lists the requests of the units in the subtree of within,
// with the status when given, newest first.
func (s *Store) FindRequests(ctx context.Context, within int64, status *string) (out []*culture.MenuRequest, err error) {
	defer wrapStoreCall(&err, "FindRequests(%d)", within)
	if status != nil && culture.RequestStatusLabels[*status] == "" {
		return nil, culture.Invalid("status", "点单状态无效。")
	}
	err = s.view(ctx, func(tx *Tx) error {
		unit, err := findUnit(ctx, tx, within)
		if err != nil {
			return err
		}
		where, args := "u.path LIKE ?", []any{unit.Path + "%"}
		if status != nil {
			where, args = where+" AND mr.status = ?", append(args, *status)
		}
		out, err = findRequests(ctx, tx, where, args...)
		return err
	})
	return out, err
}

const requestNotFoundMsg = "点单不存在。"

func createRequest(ctx context.Context, tx *Tx, r *culture.MenuRequest) error {
	hubPath, err := publishedItemHubPath(ctx, tx, r.ItemID)
	if err != nil {
		return err
	}
	if _, err := menuUnit(ctx, tx, r.UnitID, hubPath); err != nil {
		return err
	}
	// Lock the unit row (PostgreSQL) so that two filings for one unit
	// queue and the check below sees the first; SQLite is serialised.
	var one int
	if err := tx.queryRow(ctx, `SELECT 1 FROM units WHERE id = ?`+tx.d.forUpdate(), r.UnitID).Scan(&one); err != nil {
		return err
	}
	// A planned request counts too: declining or cancelling its delivery
	// reopens it, which would leave two open requests side by side.
	var live int
	err = tx.queryRow(ctx, `SELECT COUNT(*) FROM menu_requests WHERE item_id = ? AND unit_id = ?
		AND status IN ('open', 'planned')`, r.ItemID, r.UnitID).Scan(&live)
	if err != nil {
		return err
	} else if live > 0 {
		return culture.Errorf(culture.ECONFLICT, "该项目已在本馆的点单中。")
	}
	return tx.queryRow(ctx, `INSERT INTO menu_requests (item_id, unit_id, status, preferred_dates, audience,
		mode, note, created_by, created_at, updated_at) VALUES (?, ?, 'open', ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.ItemID, r.UnitID, r.PreferredDates, r.Audience, r.Mode, r.Note, r.CreatedBy,
		tx.nowUnix(), tx.nowUnix()).Scan(&r.ID)
}

const requestColumns = `mr.id, mr.item_id, mr.unit_id, mr.status, mr.preferred_dates, mr.audience, mr.mode,
	mr.note, mr.reason, mr.delivery_id, mr.created_by, mr.created_at, i.title, p.name, u.name`

const requestJoins = ` FROM menu_requests mr JOIN menu_items i ON i.id = mr.item_id
	JOIN providers p ON p.id = i.provider_id JOIN units u ON u.id = mr.unit_id`

func scanRequest(row rowScanner) (*culture.MenuRequest, error) {
	var r culture.MenuRequest
	var delivery sql.NullInt64
	var created int64
	err := row.Scan(&r.ID, &r.ItemID, &r.UnitID, &r.Status, &r.PreferredDates, &r.Audience, &r.Mode,
		&r.Note, &r.Reason, &delivery, &r.CreatedBy, &created, &r.ItemTitle, &r.ProviderName, &r.UnitName)
	if err != nil {
		return nil, err
	}
	r.DeliveryID, r.CreatedAt = scanOptID(delivery), fromUnix(created)
	return &r, nil
}

func findRequest(ctx context.Context, tx *Tx, id int64) (*culture.MenuRequest, error) {
	r, err := scanRequest(tx.queryRow(ctx, `SELECT `+requestColumns+requestJoins+` WHERE mr.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, culture.Errorf(culture.ENOTFOUND, requestNotFoundMsg)
	}
	return r, err
}

// findRequests lists the requests matching where, newest first.
func findRequests(ctx context.Context, tx *Tx, where string, args ...any) ([]*culture.MenuRequest, error) {
	rows, err := tx.query(ctx, `SELECT `+requestColumns+requestJoins+` WHERE `+where+`
		ORDER BY mr.created_at DESC, mr.id DESC`, args...)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanRequest)
}

// DemandBoard sums up what residents and branches asked for within the
// unit's subtree in the season: per published item, the season's supports
// and the open and planned requests (most supported first, at most 50);
// the requests filed in the season; and new supports and requests per week.
func (s *Store) DemandBoard(ctx context.Context, within int64, season culture.Season) (b *culture.DemandBoard, err error) {
	defer wrapStoreCall(&err, "DemandBoard(%d, %s)", within, season)
	from, to, err := season.Bounds()
	if err != nil {
		return nil, err
	}
	b = &culture.DemandBoard{UnitID: within, Season: season}
	err = s.view(ctx, func(tx *Tx) error {
		unit, err := findUnit(ctx, tx, within)
		if err != nil {
			return err
		}
		sub := unit.Path + "%"
		if b.Items, err = demandRows(ctx, tx, sub, season); err != nil {
			return err
		}
		b.Requests, err = findRequests(ctx, tx, "u.path LIKE ? AND mr.created_at >= ? AND mr.created_at < ?",
			sub, unix(from), unix(to))
		if err != nil {
			return err
		}
		return demandTrend(ctx, tx, b, sub, from, to)
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// demandRows counts, per published item, the supports of the season and
// the open and planned requests at units whose path is LIKE sub.
func demandRows(ctx context.Context, tx *Tx, sub string, season culture.Season) ([]*culture.DemandRow, error) {
	rows, err := tx.query(ctx, `SELECT * FROM (
		SELECT i.id, i.title, p.name, i.category,
			(SELECT COUNT(*) FROM menu_supports ms JOIN units u ON u.id = ms.unit_id
				WHERE ms.item_id = i.id AND ms.season = ? AND u.path LIKE ?) AS supports,
			(SELECT COUNT(*) FROM menu_requests mr JOIN units u ON u.id = mr.unit_id
				WHERE mr.item_id = i.id AND mr.status IN ('open', 'planned') AND u.path LIKE ?) AS requests
		FROM menu_items i JOIN providers p ON p.id = i.provider_id WHERE i.status = 'published') d
		WHERE d.supports > 0 OR d.requests > 0
		ORDER BY d.supports DESC, d.requests DESC, d.id LIMIT 50`, string(season), sub, sub)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(row rowScanner) (*culture.DemandRow, error) {
		var d culture.DemandRow
		err := row.Scan(&d.ItemID, &d.ItemTitle, &d.ProviderName, &d.Category, &d.Supports, &d.Requests)
		return &d, err
	})
}

// secondsPerDay and shanghaiOffset make local-day numbers from Unix
// seconds, (ts + 8*3600) / 86400, the same arithmetic on both engines.
const (
	secondsPerDay  = 86400
	shanghaiOffset = 8 * 3600
)

// demandTrend fills b.Trend with one week per Monday-started week of the
// season and b.Supports with the season's total. The databases count per
// local day; the days are bucketed into weeks here.
func demandTrend(ctx context.Context, tx *Tx, b *culture.DemandBoard, sub string, from, to time.Time) error {
	first := mondayOf(localDay(unix(from)))
	weeks := int((localDay(unix(to))-1-first)/7) + 1
	b.Trend = make([]*culture.DemandWeek, weeks)
	for w := range b.Trend {
		b.Trend[w] = &culture.DemandWeek{Week: fromUnix((first+int64(7*w))*secondsPerDay - shanghaiOffset)}
	}
	supports, err := countPerDay(ctx, tx, `FROM menu_supports x JOIN units u ON u.id = x.unit_id
		WHERE x.season = ? AND u.path LIKE ?`, string(b.Season), sub)
	if err != nil {
		return err
	}
	requests, err := countPerDay(ctx, tx, `FROM menu_requests x JOIN units u ON u.id = x.unit_id
		WHERE x.created_at >= ? AND x.created_at < ? AND u.path LIKE ?`, unix(from), unix(to), sub)
	if err != nil {
		return err
	}
	for day, n := range supports {
		b.Supports += n
		if w := (day - first) / 7; day >= first && w < int64(weeks) {
			b.Trend[w].Supports += n
		}
	}
	for day, n := range requests {
		if w := (day - first) / 7; day >= first && w < int64(weeks) {
			b.Trend[w].Requests += n
		}
	}
	return nil
}

// countPerDay counts the rows x of fromWhere per local day of x.created_at.
func countPerDay(ctx context.Context, tx *Tx, fromWhere string, args ...any) (map[int64]int, error) {
	rows, err := tx.query(ctx, `SELECT (x.created_at + 28800) / 86400, COUNT(*) `+fromWhere+`
		GROUP BY (x.created_at + 28800) / 86400`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var day int64
		var n int
		if err := rows.Scan(&day, &n); err != nil {
			return nil, err
		}
		out[day] = n
	}
	return out, rows.Err()
}

// localDay is the number of the Asia/Shanghai day of Unix time ts.
func localDay(ts int64) int64 { return (ts + shanghaiOffset) / secondsPerDay }

// mondayOf returns the Monday on or before local day d. Day 0, 1 January
// 1970, was a Thursday, so Mondays are the days d with d % 7 == 4.
func mondayOf(d int64) int64 { return d - ((d-4)%7+7)%7 }
