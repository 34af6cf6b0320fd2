package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/wenyun/wenyun/internal/culture"
)

var _ culture.BookingService = (*Store)(nil)

// bookingSelect selects bookings b with the account's phone and the joined
// activity; scan with bookingRow.dest.
const bookingSelect = `SELECT b.id, b.activity_id, b.account_id, b.status, b.seats, b.code,
	b.created_at, b.checked_in_at, b.pool, b.queue_rank, b.offer_expires_at, b.late_cancel, b.waived,
	COALESCE(acc.phone, ''), ` + activityColumns + `
	FROM bookings b
	JOIN accounts acc ON acc.id = b.account_id
	JOIN activities a ON a.id = b.activity_id` + activityJoins

// bookingRow receives one row of bookingSelect.
type bookingRow struct {
	b         culture.Booking
	added     int64
	checkedIn sql.NullInt64
	act       activityRow
	// Waiting list and no-show columns.
	rank, offerExpires sql.NullInt64
	lateCancel, waived int
}

func (r *bookingRow) dest() []any {
	b := &r.b
	return append([]any{&b.ID, &b.ActivityID, &b.AccountID, &b.Status, &b.Seats, &b.Code,
		&r.added, &r.checkedIn, &b.Pool, &r.rank, &r.offerExpires, &r.lateCancel, &r.waived,
		&b.Phone}, r.act.dest()...)
}

func (r *bookingRow) booking() *culture.Booking {
	b := r.b
	b.CreatedAt, b.CheckedInAt = fromUnix(r.added), nullUnix(r.checkedIn)
	b.OfferExpiresAt, b.LateCancel, b.Waived = nullUnix(r.offerExpires), r.lateCancel != 0, r.waived != 0
	if r.rank.Valid {
		rank := int(r.rank.Int64)
		b.QueueRank = &rank
	}
	b.Activity = r.act.activity()
	b.Attendees = []*culture.Attendee{}
	return &b
}

var errNoBooking = culture.Errorf(culture.ENOTFOUND, "预约不存在。")

// FindBookingByID returns a booking with its attendees and activity;
// ENOTFOUND when there is none.
func (s *Store) FindBookingByID(ctx context.Context, id int64) (b *culture.Booking, err error) {
	defer wrapStoreCall(&err, "FindBookingByID(%d)", id)
	err = s.view(ctx, func(tx *Tx) error {
		b, err = bookingWhere(ctx, tx, "b.id = ?", id)
		return err
	})
	return b, err
}

// FindBookingByCode returns the booking with the ticket code, as typed or
// scanned (see culture.NormalizeCode); ENOTFOUND when there is none.
func (s *Store) FindBookingByCode(ctx context.Context, code string) (b *culture.Booking, err error) {
	defer wrapStoreCall(&err, "FindBookingByCode(%q)", code)
	err = s.view(ctx, func(tx *Tx) error {
		b, err = bookingWhere(ctx, tx, "b.code = ?", culture.NormalizeCode(code))
		return err
	})
	return b, err
}

// bookingWhere returns the one booking matching cond, with attendees.
func bookingWhere(ctx context.Context, tx *Tx, cond string, args ...any) (*culture.Booking, error) {
	var r bookingRow
	err := tx.queryRow(ctx, bookingSelect+" WHERE "+cond, args...).Scan(r.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoBooking
	} else if err != nil {
		return nil, err
	}
	b := r.booking()
	return b, bookingAttendees(ctx, tx, []*culture.Booking{b})
}

// bookingAttendees loads the attendees of bs in one query.
func bookingAttendees(ctx context.Context, tx *Tx, bs []*culture.Booking) error {
	if len(bs) == 0 {
		return nil
	}
	byID := make(map[int64]*culture.Booking, len(bs))
	args := make([]any, len(bs))
	for i, b := range bs {
		byID[b.ID], args[i] = b, b.ID
	}
	rows, err := tx.query(ctx, `SELECT booking_id, name, family_member_id, self, id_masked
		FROM booking_attendees WHERE booking_id IN (`+bookingMarks(len(bs))+`) ORDER BY id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var bookingID int64
		var fam sql.NullInt64
		var self int
		at := &culture.Attendee{}
		if err := rows.Scan(&bookingID, &at.Name, &fam, &self, &at.IDMasked); err != nil {
			return err
		}
		at.FamilyMemberID, at.Self = scanOptID(fam), self != 0
		byID[bookingID].Attendees = append(byID[bookingID].Attendees, at)
	}
	return rows.Err()
}

// bookingMarks returns n comma-separated placeholders.
func bookingMarks(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// FindBookings returns the bookings that match f and their total. An
// account's bookings are ordered by activity start (soonest first when
// Upcoming, latest first otherwise); other lists by booking time. Limit
// defaults to 50, at most 1000.
func (s *Store) FindBookings(ctx context.Context, f culture.BookingFilter) (bs []*culture.Booking, n int, err error) {
	defer wrapStoreCall(&err, "FindBookings")
	err = s.view(ctx, func(tx *Tx) error {
		bs, n, err = findBookings(ctx, tx, f)
		if err != nil {
			return err
		}
		return bookingAttendees(ctx, tx, bs)
	})
	return bs, n, err
}

func findBookings(ctx context.Context, tx *Tx, f culture.BookingFilter) ([]*culture.Booking, int, error) {
	where, args := bookingFilterWhere(tx, f)
	limit, offset := activityPage(f.Limit, f.Offset, 50, 1000)
	q := strings.Replace(bookingSelect, "SELECT ", "SELECT COUNT(*) OVER(), ", 1)
	rows, err := tx.query(ctx, q+where+bookingOrder(f)+" LIMIT ? OFFSET ?",
		append(args, limit, offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	bs := []*culture.Booking{}
	total := 0
	for rows.Next() {
		var r bookingRow
		if err := rows.Scan(append([]any{&total}, r.dest()...)...); err != nil {
			return nil, 0, err
		}
		bs = append(bs, r.booking())
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if len(bs) == 0 && offset > 0 {
		err = tx.queryRow(ctx, `SELECT COUNT(*) FROM bookings b
			JOIN activities a ON a.id = b.activity_id`+where, args...).Scan(&total)
	}
	return bs, total, err
}

func bookingFilterWhere(tx *Tx, f culture.BookingFilter) (string, []any) {
	conds := []string{"1 = 1"}
	var args []any
	add := func(cond string, arg any) {
		conds = append(conds, cond)
		args = append(args, arg)
	}
	if f.ID != nil {
		add("b.id = ?", *f.ID)
	}
	if f.ActivityID != nil {
		add("b.activity_id = ?", *f.ActivityID)
	}
	if f.AccountID != nil {
		add("b.account_id = ?", *f.AccountID)
	}
	if f.Status != nil {
		add("b.status = ?", *f.Status)
	}
	if f.Upcoming {
		add("a.ends_at > ?", tx.nowUnix())
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

func bookingOrder(f culture.BookingFilter) string {
	switch {
	case f.AccountID == nil || f.ActivityID != nil:
		return " ORDER BY b.created_at, b.id"
	case f.Upcoming:
		return " ORDER BY a.starts_at, b.id"
	}
	return " ORDER BY a.starts_at DESC, b.id DESC"
}

// CreateBooking books seats in one transaction: the activity's window and
// mode, the per-booking limit, the attendees, one active booking per
// account (unique index bookings_one_active) and, for first-come
// activities, a conditional decrement of seats_left. Approval activities
// get a pending booking and take seats when approved. A request repeating
// an IdempotencyKey of the account returns the booking it made.
func (s *Store) CreateBooking(ctx context.Context, req *culture.BookingRequest) (b *culture.Booking, err error) {
	defer wrapStoreCall(&err, "CreateBooking(activity=%d, account=%d)", req.ActivityID, req.AccountID)
	if err := req.Validate(); err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		err = s.update(ctx, func(tx *Tx) error {
			b, err = createBooking(ctx, tx, req)
			return err
		})
		if err == nil {
			return b, nil
		}
		if prior, err2 := s.bookingReplay(ctx, req, err); prior != nil || err2 != nil {
			return prior, err2
		}
		if !s.dialect.isUnique(err) || attempt == 2 {
			return nil, err
		}
		if err := s.bookingAfterRace(ctx, req); err != nil {
			return nil, err
		}
	}
}

// bookingReplay returns the booking an earlier request with the same
// idempotency key made, when this one was refused or lost a race. Under
// READ COMMITTED that request may have committed while this one ran, after
// its first look for the key: it then sees the seat taken or the account
// booked, and must answer with the first result instead.
func (s *Store) bookingReplay(ctx context.Context, req *culture.BookingRequest, cause error) (b *culture.Booking, err error) {
	if req.IdempotencyKey == "" || (!s.dialect.isUnique(cause) && culture.ErrorCode(cause) == culture.EINTERNAL) {
		return nil, nil
	}
	err = s.view(ctx, func(tx *Tx) error {
		b, err = bookingByKey(ctx, tx, req)
		return err
	})
	if errors.Is(err, errNoBooking) {
		return nil, nil
	}
	return b, err
}

// errKeyReused refuses a key already spent on another activity: replaying
// it must not hand back a booking the client did not ask for.
var errKeyReused = culture.Refuse(culture.ECONFLICT, "idempotency_key_reused",
	"该请求标识（Idempotency-Key）已用于其他活动的预约，请更换后重试。")

// bookingByKey returns the booking made earlier with the request's
// idempotency key, errNoBooking if none, or errKeyReused.
func bookingByKey(ctx context.Context, tx *Tx, req *culture.BookingRequest) (*culture.Booking, error) {
	b, err := bookingWhere(ctx, tx, "b.account_id = ? AND b.idem_key = ?", req.AccountID, req.IdempotencyKey)
	if err == nil && b.ActivityID != req.ActivityID {
		return nil, errKeyReused
	}
	return b, err
}

// bookingAfterRace explains a unique violation after the transaction
// rolled back: an active booking of the account means ErrAlreadyBooked.
// Otherwise (a ticket code collision, or the other booking was cancelled
// meanwhile) it returns nil and the request is tried again.
func (s *Store) bookingAfterRace(ctx context.Context, req *culture.BookingRequest) error {
	return s.view(ctx, func(tx *Tx) error {
		active, err := hasActiveBooking(ctx, tx, req.ActivityID, req.AccountID)
		if err == nil && active {
			return culture.ErrAlreadyBooked
		}
		return err
	})
}

func createBooking(ctx context.Context, tx *Tx, req *culture.BookingRequest) (*culture.Booking, error) {
	if req.IdempotencyKey != "" {
		b, err := bookingByKey(ctx, tx, req)
		if !errors.Is(err, errNoBooking) {
			return b, err
		}
	}
	act, err := activityByID(ctx, tx, req.ActivityID)
	if err != nil {
		return nil, err
	}
	if err := checkBookable(ctx, tx, act, req); err != nil {
		return nil, err
	}
	attendees, err := bookingAttendeesFor(ctx, tx, req)
	if err != nil {
		return nil, err
	}
	if err := grabChecks(ctx, tx, act, req); err != nil {
		return nil, err
	}
	status, pool, rank := culture.BookingPending, "", 0
	switch act.Mode {
	case culture.ModeFirstCome:
		status = culture.BookingConfirmed
		if pool, err = takeFromPools(ctx, tx, act, req); canWaitlist(act, req, err) {
			status = culture.BookingWaitlisted
			rank, err = joinWaitlist(ctx, tx, act.ID)
		}
		if err != nil {
			return nil, err
		}
	case culture.ModeLottery: // an application: seats come with the draw
		status = culture.BookingApplied
		if err := lockLotteryWindow(ctx, tx, act.ID); err != nil {
			return nil, err
		}
	case culture.ModeApproval: // pending: seats come with the approval
		if err := lockPublished(ctx, tx, act.ID); err != nil {
			return nil, err
		}
	}
	id, err := insertBooking(ctx, tx, req, status, attendees)
	if err != nil {
		return nil, err
	}
	if err := saveGrabFields(ctx, tx, act, id, req, pool, rank); err != nil {
		return nil, err
	}
	return bookingAnnounced(ctx, tx, id, evConfirmed, status == culture.BookingConfirmed)
}

// checkBookable refuses a request the activity cannot take now, or one
// from an account that already holds an active booking of it.
// A resident who already holds a ticket is told so first, even when the
// activity has since filled or closed.
func checkBookable(ctx context.Context, tx *Tx, act *culture.Activity, req *culture.BookingRequest) error {
	if active, err := hasActiveBooking(ctx, tx, act.ID, req.AccountID); err != nil {
		return err
	} else if active {
		return culture.ErrAlreadyBooked
	}
	// Sold out is decided by the seat pools and the waiting list.
	if err := act.BookingState(tx.now); err != nil && !errors.Is(err, culture.ErrSoldOut) {
		return err
	}
	if req.Seats() > act.MaxPerBooking {
		return culture.Refuse(culture.EINVALID, culture.ReasonTooMany,
			fmt.Sprintf("每次最多预约 %d 人。", act.MaxPerBooking))
	}
	return nil
}

func hasActiveBooking(ctx context.Context, tx *Tx, activityID, accountID int64) (bool, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM bookings WHERE activity_id = ? AND account_id = ?
		AND status IN ('pending', 'confirmed', 'checked_in', 'waitlisted', 'offered', 'applied')`, activityID, accountID).Scan(&n)
	return n > 0, err
}

// bookingAttendeesFor names the people a request admits: the account
// holder first, then the family members in the order asked. Each family
// member must be the account's own and not deleted.
func bookingAttendeesFor(ctx context.Context, tx *Tx, req *culture.BookingRequest) ([]*culture.Attendee, error) {
	var out []*culture.Attendee
	if req.Self {
		var name string
		err := tx.queryRow(ctx, `SELECT name FROM accounts WHERE id = ?`, req.AccountID).Scan(&name)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, culture.Errorf(culture.ENOTFOUND, "账号不存在。")
		} else if err != nil {
			return nil, err
		}
		if name == "" {
			name = "本人"
		}
		out = append(out, &culture.Attendee{Name: name, Self: true})
	}
	family, err := bookingFamilyNames(ctx, tx, req)
	if err != nil {
		return nil, err
	}
	for _, id := range req.FamilyIDs {
		name, ok := family[id]
		if !ok {
			return nil, culture.Invalid("attendees", "参加人不存在。")
		}
		out = append(out, &culture.Attendee{Name: name, FamilyMemberID: &id})
	}
	return append(out, companions(req.Companions)...), nil
}

func bookingFamilyNames(ctx context.Context, tx *Tx, req *culture.BookingRequest) (map[int64]string, error) {
	names := map[int64]string{}
	if len(req.FamilyIDs) == 0 {
		return names, nil
	}
	args := []any{req.AccountID}
	for _, id := range req.FamilyIDs {
		args = append(args, id)
	}
	rows, err := tx.query(ctx, `SELECT id, name FROM family_members
		WHERE account_id = ? AND deleted = 0 AND id IN (`+bookingMarks(len(req.FamilyIDs))+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		names[id] = name
	}
	return names, rows.Err()
}

// takeSeats takes n seats of an activity if that many are left and it is
// still published. The conditions are in the UPDATE, so concurrent
// transactions cannot oversell, nor book an activity whose cancellation
// committed after the caller read it (ErrCancelled).
func takeSeats(ctx context.Context, tx *Tx, activityID int64, n int) error {
	res, err := tx.exec(ctx, `UPDATE activities SET seats_left = seats_left - ?
		WHERE id = ? AND seats_left >= ? AND status = 'published'`, n, activityID, n)
	if err != nil {
		return err
	}
	if rows, err := res.RowsAffected(); err != nil || rows == 1 {
		return err
	}
	var left int
	var status string
	err = tx.queryRow(ctx, `SELECT seats_left, status FROM activities WHERE id = ?`, activityID).Scan(&left, &status)
	if err != nil {
		return err
	} else if status != culture.ActivityPublished {
		return culture.ErrCancelled
	} else if left > 0 {
		return culture.Refuse(culture.ECONFLICT, culture.ReasonSoldOut,
			fmt.Sprintf("剩余名额不足（仅剩 %d 个）。", left))
	}
	return culture.ErrSoldOut
}

// lockPublished locks the activity row with a no-op update if the activity
// is still published, and refuses with ErrCancelled otherwise: a request
// that read the activity before a concurrent CancelActivity committed
// waits for it here and is refused.
func lockPublished(ctx context.Context, tx *Tx, activityID int64) error {
	res, err := tx.exec(ctx, `UPDATE activities SET seats_left = seats_left
		WHERE id = ? AND status = 'published'`, activityID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	return culture.ErrCancelled
}

// refuseUnpublished returns ErrCancelled if the activity is no longer
// published: it explains a conditional update that matched no row.
func refuseUnpublished(ctx context.Context, tx *Tx, activityID int64) error {
	var status string
	err := tx.queryRow(ctx, `SELECT status FROM activities WHERE id = ?`, activityID).Scan(&status)
	if err == nil && status != culture.ActivityPublished {
		return culture.ErrCancelled
	}
	return err
}

func insertBooking(ctx context.Context, tx *Tx, req *culture.BookingRequest, status string, attendees []*culture.Attendee) (int64, error) {
	code, err := newTicketCode()
	if err != nil {
		return 0, err
	}
	var key any
	if req.IdempotencyKey != "" {
		key = req.IdempotencyKey
	}
	var id int64
	err = tx.queryRow(ctx, `INSERT INTO bookings (activity_id, account_id, status, seats, code,
		idem_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		req.ActivityID, req.AccountID, status, req.Seats(), code, key, tx.nowUnix(),
		tx.nowUnix()).Scan(&id)
	if err != nil {
		return 0, err
	}
	for _, at := range attendees {
		self := 0
		if at.Self {
			self = 1
		}
		_, err := tx.exec(ctx, `INSERT INTO booking_attendees (booking_id, name, family_member_id, self)
			VALUES (?, ?, ?, ?)`, id, at.Name, optIDArg(at.FamilyMemberID), self)
		if err != nil {
			return 0, err
		}
	}
	return id, nil
}

// CancelBooking cancels one of the account's pending or confirmed bookings
// before the activity starts; a confirmed booking gives its seats back.
// Another account's booking is reported as not found.
func (s *Store) CancelBooking(ctx context.Context, accountID, bookingID int64) (b *culture.Booking, err error) {
	defer wrapStoreCall(&err, "CancelBooking(account=%d, booking=%d)", accountID, bookingID)
	err = s.update(ctx, func(tx *Tx) error {
		b, err = cancelBooking(ctx, tx, accountID, bookingID)
		return err
	})
	return b, err
}

func cancelBooking(ctx context.Context, tx *Tx, accountID, bookingID int64) (*culture.Booking, error) {
	b, err := bookingWhere(ctx, tx, "b.id = ? AND b.account_id = ?", bookingID, accountID)
	if err != nil {
		return nil, err
	}
	switch b.Status {
	case culture.BookingPending, culture.BookingConfirmed, culture.BookingApplied,
		culture.BookingWaitlisted, culture.BookingOffered:
	case culture.BookingCheckedIn:
		return nil, culture.Errorf(culture.EINVALID, "已签到的预约不能取消。")
	case culture.BookingCancelled:
		return nil, culture.Errorf(culture.EINVALID, "该预约已取消。")
	default:
		return nil, culture.Errorf(culture.EINVALID, "该预约不能取消。")
	}
	if !tx.now.Before(b.Activity.StartsAt) {
		return nil, culture.Errorf(culture.EINVALID, "活动已开始，不能取消。")
	}
	if err := setBookingStatus(ctx, tx, b, culture.BookingCancelled); err != nil {
		return nil, err
	}
	// Seats go back (to their pool; the waiting list moves), real-name IDs
	// are freed, and a cancellation within the cutoff counts as a no-show.
	if err := releaseBooking(ctx, tx, b); err != nil {
		return nil, err
	}
	if err := markLateCancel(ctx, tx, b); err != nil {
		return nil, err
	}
	return bookingAnnounced(ctx, tx, bookingID, evCancelled, true)
}

// setBookingStatus moves b from the status it was read with to status. If
// a concurrent transaction changed it first, it refuses with ECONFLICT.
func setBookingStatus(ctx context.Context, tx *Tx, b *culture.Booking, status string) error {
	res, err := tx.exec(ctx, `UPDATE bookings SET status = ?, updated_at = ?
		WHERE id = ? AND status = ?`, status, tx.nowUnix(), b.ID, b.Status)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	return culture.Errorf(culture.ECONFLICT, "预约状态已变化，请刷新后重试。")
}

// DecideBooking approves (taking its seats, if enough are left) or
// declines a pending booking. The caller checks the permission.
func (s *Store) DecideBooking(ctx context.Context, bookingID int64, approve bool) (b *culture.Booking, err error) {
	defer wrapStoreCall(&err, "DecideBooking(%d, approve=%t)", bookingID, approve)
	err = s.update(ctx, func(tx *Tx) error {
		b, err = decideBooking(ctx, tx, bookingID, approve)
		return err
	})
	return b, err
}

func decideBooking(ctx context.Context, tx *Tx, bookingID int64, approve bool) (*culture.Booking, error) {
	b, err := bookingWhere(ctx, tx, "b.id = ?", bookingID)
	if err != nil {
		return nil, err
	}
	decided := culture.Errorf(culture.EINVALID, "该报名已处理。")
	if b.Status != culture.BookingPending {
		return nil, decided
	}
	status := culture.BookingDeclined
	if approve {
		status = culture.BookingConfirmed
	}
	if err := setBookingStatus(ctx, tx, b, status); culture.ErrorCode(err) == culture.ECONFLICT {
		return nil, decided
	} else if err != nil {
		return nil, err
	}
	if approve {
		if err := takeSeats(ctx, tx, b.ActivityID, b.Seats); err != nil {
			return nil, err
		}
	} else if err := releaseClaims(ctx, tx, b.ID); err != nil { // as a cancel does
		return nil, err
	}
	ev := evDeclined
	if approve {
		ev = evConfirmed
	}
	return bookingAnnounced(ctx, tx, bookingID, ev, true)
}
