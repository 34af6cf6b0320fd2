package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

var _ culture.ActivityService = (*Store)(nil)

// activityColumns selects an activity with its joined names; the FROM part
// is "activities a" followed by activityJoins. Scan with activityRow.dest.
const activityColumns = `a.id, a.unit_id, a.room_id, a.series_id, a.title, a.description,
	a.category, a.audience, a.age_min, a.age_max, a.starts_at, a.ends_at, a.capacity,
	a.seats_left, a.mode, a.opens_at, a.closes_at, a.max_per_booking, a.status, a.created_at, a.updated_at,
	a.lottery_commit, CASE WHEN a.lottery_drawn_at IS NULL THEN '' ELSE a.lottery_seed END,
	a.lottery_weighted, a.lottery_drawn_at,
	a.real_name, a.reserved_walkin, a.reserved_community, a.walkin_left, a.community_left,
	a.reserve_release_at,
	u.name, COALESCE(r.name, ''), COALESCE(se.name, ''), COALESCE(NULLIF(r.address, ''), u.address)`

// activityJoins joins the unit, room and series of activities a.
const activityJoins = ` JOIN units u ON u.id = a.unit_id
	LEFT JOIN rooms r ON r.id = a.room_id
	LEFT JOIN series se ON se.id = a.series_id`

// activityRow receives one row of activityColumns.
type activityRow struct {
	a                                                   culture.Activity
	roomID, seriesID                                    sql.NullInt64
	startsAt, endsAt, opensAt, closesAt, added, updated int64
	// Lottery: the seed reads as '' until the draw (see activityColumns).
	lotteryWeighted int
	lotteryDrawnAt  sql.NullInt64
	// Real name and reserved seats.
	realName         int
	reserveReleaseAt sql.NullInt64
}

func (r *activityRow) dest() []any {
	a := &r.a
	return []any{&a.ID, &a.UnitID, &r.roomID, &r.seriesID, &a.Title, &a.Description,
		&a.Category, &a.Audience, &a.AgeMin, &a.AgeMax, &r.startsAt, &r.endsAt, &a.Capacity,
		&a.SeatsLeft, &a.Mode, &r.opensAt, &r.closesAt, &a.MaxPerBooking, &a.Status, &r.added, &r.updated,
		&a.LotteryCommit, &a.LotterySeed, &r.lotteryWeighted, &r.lotteryDrawnAt,
		&r.realName, &a.ReservedWalkin, &a.ReservedCommunity, &a.WalkinLeft, &a.CommunityLeft,
		&r.reserveReleaseAt,
		&a.UnitName, &a.RoomName, &a.SeriesName, &a.Address}
}

func (r *activityRow) activity() *culture.Activity {
	a := r.a
	a.RoomID, a.SeriesID = scanOptID(r.roomID), scanOptID(r.seriesID)
	a.StartsAt, a.EndsAt = fromUnix(r.startsAt), fromUnix(r.endsAt)
	a.OpensAt, a.ClosesAt = fromUnix(r.opensAt), fromUnix(r.closesAt)
	a.CreatedAt, a.UpdatedAt = fromUnix(r.added), fromUnix(r.updated)
	a.LotteryWeighted, a.LotteryDrawnAt = r.lotteryWeighted != 0, nullUnix(r.lotteryDrawnAt)
	a.RealName, a.ReserveReleaseAt = r.realName != 0, nullUnix(r.reserveReleaseAt)
	return &a
}

func scanOptID(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	id := n.Int64
	return &id
}

func optIDArg(id *int64) any {
	if id == nil {
		return nil
	}
	return *id
}

// FindActivityByID returns the activity with its unit, room and series
// names; ENOTFOUND when there is none.
func (s *Store) FindActivityByID(ctx context.Context, id int64) (a *culture.Activity, err error) {
	defer wrapStoreCall(&err, "FindActivityByID(%d)", id)
	err = s.view(ctx, func(tx *Tx) error {
		a, err = activityByID(ctx, tx, id)
		return err
	})
	return a, err
}

func activityByID(ctx context.Context, tx *Tx, id int64) (*culture.Activity, error) {
	var r activityRow
	err := tx.queryRow(ctx, `SELECT `+activityColumns+` FROM activities a`+activityJoins+
		` WHERE a.id = ?`, id).Scan(r.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, culture.Errorf(culture.ENOTFOUND, "活动不存在。")
	} else if err != nil {
		return nil, err
	}
	return r.activity(), nil
}

// FindActivities returns the activities that match f, ordered by start
// time, and the number of matches before Limit and Offset.
func (s *Store) FindActivities(ctx context.Context, f culture.ActivityFilter) (as []*culture.Activity, n int, err error) {
	defer wrapStoreCall(&err, "FindActivities")
	err = s.view(ctx, func(tx *Tx) error {
		as, n, err = findActivities(ctx, tx, f)
		return err
	})
	return as, n, err
}

func findActivities(ctx context.Context, tx *Tx, f culture.ActivityFilter) ([]*culture.Activity, int, error) {
	where, args := activityWhere(tx, f)
	order := " ORDER BY a.starts_at, a.id"
	if f.Desc {
		order = " ORDER BY a.starts_at DESC, a.id DESC"
	}
	limit, offset := activityPage(f.Limit, f.Offset, 20, 100)
	rows, err := tx.query(ctx, `SELECT COUNT(*) OVER(), `+activityColumns+` FROM activities a`+
		activityJoins+where+order+` LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*culture.Activity
	total := 0
	for rows.Next() {
		var r activityRow
		if err := rows.Scan(append([]any{&total}, r.dest()...)...); err != nil {
			return nil, 0, err
		}
		out = append(out, r.activity())
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if len(out) == 0 && offset > 0 {
		err = tx.queryRow(ctx, `SELECT COUNT(*) FROM activities a`+where, args...).Scan(&total)
	}
	return out, total, err
}

// activityWhere turns a filter into a WHERE clause (or "") and its args.
func activityWhere(tx *Tx, f culture.ActivityFilter) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, arg ...any) {
		conds = append(conds, cond)
		args = append(args, arg...)
	}
	if f.ID != nil {
		add("a.id = ?", *f.ID)
	}
	if f.Within != nil {
		add(`a.unit_id IN (SELECT c.id FROM units c JOIN units w ON c.path LIKE w.path || '%'
			WHERE w.id = ?)`, *f.Within)
	}
	if f.SeriesID != nil {
		add("a.series_id = ?", *f.SeriesID)
	}
	if f.Category != nil {
		add("a.category = ?", *f.Category)
	}
	if f.From != nil {
		add("a.starts_at >= ?", unix(*f.From))
	}
	if f.To != nil {
		add("a.starts_at < ?", unix(*f.To))
	}
	if terms := queryTerms(f.Query); len(terms) > 0 {
		frag, arg := tx.d.searchMatch(terms)
		add(frag, arg)
	}
	if f.BookableOnly {
		add(`a.mode <> 'open' AND a.status = 'published' AND a.closes_at > ? AND a.seats_left > 0`,
			tx.nowUnix())
	}
	if f.Status != nil {
		add("a.status = ?", *f.Status)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// activityPage applies a default and a maximum to a page size.
func activityPage(limit, offset, def, most int) (int, int) {
	if limit <= 0 {
		limit = def
	}
	return min(limit, most), max(offset, 0)
}

// CreateActivity creates a, and when weeks > 1 a copy on each following
// week with every time shifted by whole weeks, in one transaction. A zero
// ClosesAt defaults to StartsAt and a zero OpensAt to now. It returns the
// created activities and sets *a to the first of them.
func (s *Store) CreateActivity(ctx context.Context, a *culture.Activity, weeks int) (out []*culture.Activity, err error) {
	defer wrapStoreCall(&err, "CreateActivity(%q, weeks=%d)", a.Title, weeks)
	if weeks < 1 || weeks > 26 {
		return nil, culture.Invalid("weeks", "重复周数应在 1 到 26 之间。")
	}
	err = s.update(ctx, func(tx *Tx) error {
		out, err = createActivities(ctx, tx, *a, weeks)
		return err
	})
	if err != nil {
		return nil, err
	}
	*a = *out[0]
	return out, nil
}

func createActivities(ctx context.Context, tx *Tx, a culture.Activity, weeks int) ([]*culture.Activity, error) {
	if a.ClosesAt.IsZero() {
		a.ClosesAt = a.StartsAt
	}
	if a.OpensAt.IsZero() {
		a.OpensAt = tx.now
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	text, err := activitySearchText(ctx, tx, &a)
	if err != nil {
		return nil, err
	}
	var out []*culture.Activity
	for i := range weeks {
		c := shiftActivity(a, time.Duration(i)*7*24*time.Hour)
		id, err := insertActivity(ctx, tx, &c, text)
		if err != nil {
			return nil, err
		}
		if c.Mode == culture.ModeLottery {
			if err := initLottery(ctx, tx, &c, id); err != nil {
				return nil, err
			}
		}
		created, err := activityByID(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, created)
	}
	return out, notifySeriesSession(ctx, tx, out)
}

func shiftActivity(a culture.Activity, d time.Duration) culture.Activity {
	a.StartsAt, a.EndsAt = a.StartsAt.Add(d), a.EndsAt.Add(d)
	a.OpensAt, a.ClosesAt = a.OpensAt.Add(d), a.ClosesAt.Add(d)
	if a.ReserveReleaseAt != nil {
		t := a.ReserveReleaseAt.Add(d)
		a.ReserveReleaseAt = &t
	}
	return a
}

func insertActivity(ctx context.Context, tx *Tx, a *culture.Activity, text string) (int64, error) {
	var id int64
	err := tx.queryRow(ctx, `INSERT INTO activities (unit_id, room_id, series_id, title,
		description, category, audience, age_min, age_max, starts_at, ends_at, capacity,
		seats_left, mode, opens_at, closes_at, max_per_booking, status, search_text,
		created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		a.UnitID, optIDArg(a.RoomID), optIDArg(a.SeriesID), a.Title, a.Description, a.Category,
		a.Audience, a.AgeMin, a.AgeMax, unix(a.StartsAt), unix(a.EndsAt), a.Capacity,
		a.Capacity, a.Mode, unix(a.OpensAt), unix(a.ClosesAt), a.MaxPerBooking,
		culture.ActivityPublished, text, tx.nowUnix(), tx.nowUnix()).Scan(&id)
	if err == nil {
		err = initReserves(ctx, tx, a, id)
	}
	return id, err
}

// activitySearchText checks that the unit, room and series of a exist (the
// room within the unit) and returns the search text made of a's words and
// their names.
func activitySearchText(ctx context.Context, tx *Tx, a *culture.Activity) (string, error) {
	var unit, room, series string
	err := tx.queryRow(ctx, `SELECT name FROM units WHERE id = ?`, a.UnitID).Scan(&unit)
	if errors.Is(err, sql.ErrNoRows) {
		return "", culture.Invalid("unit_id", "单位不存在。")
	} else if err != nil {
		return "", err
	}
	if a.RoomID != nil {
		err = tx.queryRow(ctx, `SELECT name FROM rooms WHERE id = ? AND unit_id = ?`,
			*a.RoomID, a.UnitID).Scan(&room)
		if errors.Is(err, sql.ErrNoRows) {
			return "", culture.Invalid("room_id", "场地不属于该单位。")
		} else if err != nil {
			return "", err
		}
	}
	if a.SeriesID != nil {
		err = tx.queryRow(ctx, `SELECT name FROM series WHERE id = ?`, *a.SeriesID).Scan(&series)
		if errors.Is(err, sql.ErrNoRows) {
			return "", culture.Invalid("series_id", "系列不存在。")
		} else if err != nil {
			return "", err
		}
	}
	return searchText(a.Title, a.Category, a.Description, a.Audience, unit, room, series), nil
}

// UpdateActivity changes the fields set in upd and checks the result as a
// whole. A capacity change keeps the seats already taken, and is refused
// when fewer seats than are taken would remain. A RoomID of 0 clears the
// room. Cancelled activities cannot be edited.
func (s *Store) UpdateActivity(ctx context.Context, id int64, upd culture.ActivityUpdate) (a *culture.Activity, err error) {
	defer wrapStoreCall(&err, "UpdateActivity(%d)", id)
	err = s.update(ctx, func(tx *Tx) error {
		a, err = updateActivity(ctx, tx, id, upd)
		return err
	})
	return a, err
}

func updateActivity(ctx context.Context, tx *Tx, id int64, upd culture.ActivityUpdate) (*culture.Activity, error) {
	cur, err := activityByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if cur.Status == culture.ActivityCancelled {
		return nil, culture.ErrCancelled
	}
	next := mergeActivity(*cur, upd)
	if err := next.Validate(); err != nil {
		return nil, err
	}
	text, err := activitySearchText(ctx, tx, &next)
	if err != nil {
		return nil, err
	}
	if err := saveActivity(ctx, tx, &next, text); err != nil {
		return nil, err
	}
	if err := saveReserves(ctx, tx, cur, &next); err != nil {
		return nil, err
	}
	// Seats the edit freed (a higher capacity, smaller reserves) go to the
	// waiting list now, in this transaction; the activity row is locked
	// since saveActivity. With nothing freed the head does not fit and
	// nothing changes.
	if err := promoteWaitlist(ctx, tx, id); err != nil {
		return nil, err
	}
	return activityByID(ctx, tx, id)
}

func mergeActivity(a culture.Activity, u culture.ActivityUpdate) culture.Activity {
	mergeField(&a.Title, u.Title)
	mergeField(&a.Description, u.Description)
	mergeField(&a.Category, u.Category)
	mergeField(&a.Audience, u.Audience)
	mergeField(&a.StartsAt, u.StartsAt)
	mergeField(&a.EndsAt, u.EndsAt)
	mergeField(&a.Capacity, u.Capacity)
	mergeField(&a.OpensAt, u.OpensAt)
	mergeField(&a.ClosesAt, u.ClosesAt)
	mergeField(&a.MaxPerBooking, u.MaxPerBooking)
	mergeReserves(&a, u)
	if u.RoomID != nil {
		a.RoomID = u.RoomID
		if *u.RoomID == 0 {
			a.RoomID = nil
		}
	}
	return a
}

func mergeField[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// saveActivity writes an edited activity. The capacity change is applied
// to seats_left in the statement itself, so that bookings committed since
// the activity was read are counted.
func saveActivity(ctx context.Context, tx *Tx, a *culture.Activity, text string) error {
	res, err := tx.exec(ctx, `UPDATE activities SET title = ?, description = ?, category = ?,
		audience = ?, room_id = ?, starts_at = ?, ends_at = ?, opens_at = ?, closes_at = ?,
		max_per_booking = ?, capacity = ?, seats_left = seats_left + (? - capacity),
		search_text = ?, updated_at = ?
		WHERE id = ? AND seats_left + (? - capacity) >= 0`,
		a.Title, a.Description, a.Category, a.Audience, optIDArg(a.RoomID), unix(a.StartsAt),
		unix(a.EndsAt), unix(a.OpensAt), unix(a.ClosesAt), a.MaxPerBooking, a.Capacity,
		a.Capacity, text, tx.nowUnix(), a.ID, a.Capacity)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	var capacity, left int
	err = tx.queryRow(ctx, `SELECT capacity, seats_left FROM activities WHERE id = ?`, a.ID).
		Scan(&capacity, &left)
	if err != nil {
		return err
	}
	return culture.Invalid("capacity", fmt.Sprintf("名额不能少于已预约人数（%d）。", capacity-left))
}

// CancelActivity cancels the activity and its active bookings: pending,
// confirmed, waiting-list places, offers and lottery applications; the
// real-name IDs of the cancelled bookings are freed. Checked-in bookings
// (and settled no-shows) stay as the record of who came. The seat counters
// are left as they were at the cancellation (nothing can book a cancelled
// activity: every seat-taking statement checks the status under the row
// lock that this update takes). Cancelling a cancelled activity does
// nothing.
func (s *Store) CancelActivity(ctx context.Context, id int64) (err error) {
	defer wrapStoreCall(&err, "CancelActivity(%d)", id)
	return s.update(ctx, func(tx *Tx) error { return cancelActivity(ctx, tx, id) })
}

// cancelActivity cancels the activity and its active bookings in tx, and
// frees their real-name claims.
func cancelActivity(ctx context.Context, tx *Tx, id int64) error {
	a, err := activityByID(ctx, tx, id)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, `UPDATE activities SET status = 'cancelled', updated_at = ?
		WHERE id = ?`, tx.nowUnix(), id)
	if err != nil {
		return err
	}
	held, err := bookingHolders(ctx, tx, `UPDATE bookings SET status = 'cancelled', updated_at = ?
		WHERE activity_id = ? AND status IN ('pending', 'confirmed', 'waitlisted', 'offered', 'applied')
		RETURNING id, account_id`, tx.nowUnix(), id)
	if err != nil {
		return err
	}
	if err := notifyActivityCancelled(ctx, tx, a, held); err != nil {
		return err
	}
	_, err = tx.exec(ctx, `DELETE FROM realname_claims WHERE activity_id = ? AND booking_id IN
		(SELECT id FROM bookings WHERE activity_id = ? AND status IN ('cancelled', 'declined'))`, id, id)
	return err
}
