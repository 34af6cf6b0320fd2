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

// deliveryColumns selects a delivery with its joined names and the sum and
// count of the non-hidden ratings of its activity; the FROM part is
// "deliveries d" followed by deliveryJoins. Scan with deliveryRow.dest.
const deliveryColumns = `d.id, d.item_id, d.provider_id, d.unit_id, d.room_id, d.request_id,
	d.starts_at, d.ends_at, d.capacity, d.mode, d.status, d.reason, d.activity_id, d.cost,
	d.attendance, d.note, d.created_by, d.created_at, d.confirmed_at, d.held_at, d.settled_at,
	mi.title, p.name, u.name, COALESCE(r.name, ''),
	(SELECT CAST(COALESCE(SUM(rt.score), 0) AS BIGINT) FROM ratings rt
		WHERE rt.activity_id = d.activity_id AND rt.hidden = 0),
	(SELECT COUNT(*) FROM ratings rt WHERE rt.activity_id = d.activity_id AND rt.hidden = 0)`

const deliveryJoins = ` JOIN menu_items mi ON mi.id = d.item_id
	JOIN providers p ON p.id = d.provider_id
	JOIN units u ON u.id = d.unit_id
	LEFT JOIN rooms r ON r.id = d.room_id`

// deliveryRow receives one row of deliveryColumns.
type deliveryRow struct {
	d                                   culture.Delivery
	roomID, requestID, activityID, cost sql.NullInt64
	startsAt, endsAt, created           int64
	confirmed, held, settled            sql.NullInt64
	ratingSum                           int64
}

func (r *deliveryRow) dest() []any {
	d := &r.d
	return []any{&d.ID, &d.ItemID, &d.ProviderID, &d.UnitID, &r.roomID, &r.requestID,
		&r.startsAt, &r.endsAt, &d.Capacity, &d.Mode, &d.Status, &d.Reason, &r.activityID, &r.cost,
		&d.Attendance, &d.Note, &d.CreatedBy, &r.created, &r.confirmed, &r.held, &r.settled,
		&d.ItemTitle, &d.ProviderName, &d.UnitName, &d.RoomName, &r.ratingSum, &d.RatingCount}
}

func (r *deliveryRow) delivery() *culture.Delivery {
	d := r.d
	d.RoomID, d.RequestID, d.ActivityID = scanOptID(r.roomID), scanOptID(r.requestID), scanOptID(r.activityID)
	if r.cost.Valid {
		c := int(r.cost.Int64)
		d.Cost = &c
	}
	d.StartsAt, d.EndsAt, d.CreatedAt = fromUnix(r.startsAt), fromUnix(r.endsAt), fromUnix(r.created)
	d.ConfirmedAt, d.HeldAt, d.SettledAt = nullUnix(r.confirmed), nullUnix(r.held), nullUnix(r.settled)
	d.RatingAvg = ratingAvg(r.ratingSum, d.RatingCount)
	return &d
}

func scanDelivery(row rowScanner) (*culture.Delivery, error) {
	var r deliveryRow
	if err := row.Scan(r.dest()...); err != nil {
		return nil, err
	}
	return r.delivery(), nil
}

var errNoDelivery = culture.Errorf(culture.ENOTFOUND, "配送不存在。")

func deliveryByID(ctx context.Context, tx *Tx, id int64) (*culture.Delivery, error) {
	d, err := scanDelivery(tx.queryRow(ctx, `SELECT `+deliveryColumns+` FROM deliveries d`+
		deliveryJoins+` WHERE d.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoDelivery
	}
	return d, err
}

// lockDelivery reads the delivery after locking its row (PostgreSQL; the
// SQLite write transaction holds the whole database), so that two answers
// to one delivery cannot both pass its status check.
func lockDelivery(ctx context.Context, tx *Tx, id int64) (*culture.Delivery, error) {
	var got int64
	err := tx.queryRow(ctx, `SELECT id FROM deliveries WHERE id = ?`+tx.d.forUpdate(), id).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoDelivery
	} else if err != nil {
		return nil, err
	}
	return deliveryByID(ctx, tx, id)
}

// PlanDelivery stores a planned delivery of a published item to a branch
// or point of its provider's hub, and sets d's ID, ProviderID, Status and
// CreatedAt. A room, when given, must be the unit's and hold the capacity;
// a request, when given, must be open and for the same item and unit, and
// becomes planned. d.CreatedBy names the planner.
func (s *Store) PlanDelivery(ctx context.Context, d *culture.Delivery) (err error) {
	defer wrapStoreCall(&err, "PlanDelivery(item=%d, unit=%d)", d.ItemID, d.UnitID)
	var out *culture.Delivery
	err = s.update(ctx, func(tx *Tx) (err error) {
		out, err = planDelivery(ctx, tx, *d)
		return err
	})
	if err == nil {
		*d = *out
	}
	return err
}

func planDelivery(ctx context.Context, tx *Tx, d culture.Delivery) (*culture.Delivery, error) {
	if err := d.Validate(tx.now); err != nil {
		return nil, err
	}
	if d.CreatedBy <= 0 {
		return nil, errors.New("delivery without its planner (CreatedBy)")
	}
	hubPath, err := deliveryItem(ctx, tx, &d)
	if err != nil {
		return nil, err
	}
	if err := checkDeliveryPlace(ctx, tx, &d, hubPath); err != nil {
		return nil, err
	}
	if err := checkDeliveryRequest(ctx, tx, &d); err != nil {
		return nil, err
	}
	id, err := insertDelivery(ctx, tx, &d)
	if err != nil {
		return nil, err
	}
	if d.RequestID != nil {
		_, err = tx.exec(ctx, `UPDATE menu_requests SET status = 'planned', delivery_id = ?,
			updated_at = ? WHERE id = ?`, id, tx.nowUnix(), *d.RequestID)
		if err != nil {
			return nil, err
		}
	}
	return deliveryNotified(ctx, tx, id)
}

// deliveryItem checks that d's item is published, sets d.ProviderID from
// it and returns the path of the provider's hub. The item row stays locked
// (PostgreSQL) so that a concurrent withdrawal waits for the delivery.
func deliveryItem(ctx context.Context, tx *Tx, d *culture.Delivery) (string, error) {
	if _, _, err := lockMenuItem(ctx, tx, d.ItemID); culture.ErrorCode(err) == culture.ENOTFOUND {
		return "", culture.Invalid("item_id", "菜单项目不存在。")
	} else if err != nil {
		return "", err
	}
	var status, hubPath string
	err := tx.queryRow(ctx, `SELECT mi.status, mi.provider_id, h.path FROM menu_items mi
		JOIN providers p ON p.id = mi.provider_id JOIN units h ON h.id = p.hub_id
		WHERE mi.id = ?`, d.ItemID).Scan(&status, &d.ProviderID, &hubPath)
	if errors.Is(err, sql.ErrNoRows) {
		return "", culture.Invalid("item_id", "菜单项目不存在。")
	} else if err != nil {
		return "", err
	}
	if status != culture.ItemPublished {
		return "", culture.Refuse(culture.EINVALID, culture.ReasonNotPublished, "该项目未上架，不能安排配送。")
	}
	return hubPath, nil
}

// checkDeliveryPlace checks that d's unit is a branch or point under the
// hub at hubPath, and that its room, if any, is the unit's and large
// enough.
func checkDeliveryPlace(ctx context.Context, tx *Tx, d *culture.Delivery, hubPath string) error {
	var kind, path string
	err := tx.queryRow(ctx, `SELECT kind, path FROM units WHERE id = ?`, d.UnitID).Scan(&kind, &path)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if (kind != culture.UnitBranch && kind != culture.UnitPoint) || !strings.HasPrefix(path, hubPath) {
		return culture.Invalid("unit_id", "只能配送到本总馆下的分馆。")
	}
	if d.RoomID == nil {
		return nil
	}
	var capacity int
	err = tx.queryRow(ctx, `SELECT capacity FROM rooms WHERE id = ? AND unit_id = ?`,
		*d.RoomID, d.UnitID).Scan(&capacity)
	if errors.Is(err, sql.ErrNoRows) {
		return culture.Invalid("room_id", "场地不属于所选分馆。")
	} else if err != nil {
		return err
	}
	if d.Capacity > capacity {
		return culture.Invalid("capacity", fmt.Sprintf("名额不能超过场地容量（%d 人）。", capacity))
	}
	return nil
}

// checkDeliveryRequest checks that d's request, if any, is open and asks
// for d's item at d's unit. The row stays locked until the request is
// marked planned.
func checkDeliveryRequest(ctx context.Context, tx *Tx, d *culture.Delivery) error {
	if d.RequestID == nil {
		return nil
	}
	var status string
	var itemID, unitID int64
	err := tx.queryRow(ctx, `SELECT status, item_id, unit_id FROM menu_requests WHERE id = ?`+
		tx.d.forUpdate(), *d.RequestID).Scan(&status, &itemID, &unitID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return culture.Invalid("request_id", "点单不存在。")
	case err != nil:
		return err
	case itemID != d.ItemID || unitID != d.UnitID:
		return culture.Invalid("request_id", "点单的项目或分馆与本次配送不符。")
	case status != culture.RequestOpen:
		return culture.Errorf(culture.ECONFLICT, "该点单已安排或已关闭，不能再安排配送。")
	}
	return nil
}

func insertDelivery(ctx context.Context, tx *Tx, d *culture.Delivery) (int64, error) {
	var id int64
	err := tx.queryRow(ctx, `INSERT INTO deliveries (item_id, provider_id, unit_id, room_id,
		request_id, starts_at, ends_at, capacity, mode, status, note, created_by, created_at,
		updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		d.ItemID, d.ProviderID, d.UnitID, optIDArg(d.RoomID), optIDArg(d.RequestID),
		unix(d.StartsAt), unix(d.EndsAt), d.Capacity, d.Mode, culture.DeliveryPlanned, d.Note,
		d.CreatedBy, tx.nowUnix(), tx.nowUnix()).Scan(&id)
	return id, err
}

// reopenRequest puts the request a delivery was planned for back to open,
// so that the hub can plan it again.
func reopenRequest(ctx context.Context, tx *Tx, deliveryID int64) error {
	_, err := tx.exec(ctx, `UPDATE menu_requests SET status = 'open', delivery_id = NULL,
		updated_at = ? WHERE delivery_id = ? AND status = 'planned'`, tx.nowUnix(), deliveryID)
	return err
}

// ConfirmDelivery records the provider's answer to a planned delivery.
// Declining needs a reason and puts the request back to open. Confirming
// creates the activity at the branch from the item's data, in the same
// transaction, and publishes the delivery.
func (s *Store) ConfirmDelivery(ctx context.Context, id, providerID int64, confirm bool, reason string) (d *culture.Delivery, err error) {
	defer wrapStoreCall(&err, "ConfirmDelivery(%d, provider=%d, confirm=%t)", id, providerID, confirm)
	reason = strings.TrimSpace(reason)
	if !confirm {
		if err := checkReason(reason, "请填写婉拒原因（最多 200 个字）。"); err != nil {
			return nil, err
		}
	}
	err = s.update(ctx, func(tx *Tx) error {
		d, err = answerDelivery(ctx, tx, id, providerID, confirm, reason)
		return err
	})
	return d, err
}

func answerDelivery(ctx context.Context, tx *Tx, id, providerID int64, confirm bool, reason string) (*culture.Delivery, error) {
	d, err := lockDelivery(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if d.ProviderID != providerID {
		return nil, culture.ErrForbidden
	}
	if d.Status != culture.DeliveryPlanned {
		return nil, culture.Errorf(culture.ECONFLICT, "该配送当前为“%s”，不能再确认或婉拒。", d.StatusLabel())
	}
	if confirm {
		err = publishDelivery(ctx, tx, d)
	} else {
		err = declineDelivery(ctx, tx, id, reason)
	}
	if err != nil {
		return nil, err
	}
	return deliveryNotified(ctx, tx, id)
}

func declineDelivery(ctx context.Context, tx *Tx, id int64, reason string) error {
	_, err := tx.exec(ctx, `UPDATE deliveries SET status = 'declined', reason = ?, updated_at = ?
		WHERE id = ?`, reason, tx.nowUnix(), id)
	if err != nil {
		return err
	}
	return reopenRequest(ctx, tx, id)
}

// publishDelivery creates d's activity through the path CreateActivity
// takes (validation, search text, reserves, lottery commitment) and links
// it to d.
func publishDelivery(ctx context.Context, tx *Tx, d *culture.Delivery) error {
	if !d.StartsAt.After(tx.now) {
		return culture.Invalid("starts_at", "配送开始时间已过，不能确认，请联系总馆重新安排。")
	}
	// The item may have been withdrawn since the hub planned it; its
	// locked row keeps a withdrawal from slipping in before the commit.
	if _, status, err := lockMenuItem(ctx, tx, d.ItemID); err != nil {
		return err
	} else if status != culture.ItemPublished {
		return culture.Refuse(culture.EINVALID, culture.ReasonNotPublished, "该项目已下架，不能确认配送，请联系总馆。")
	}
	a, err := deliveryActivity(ctx, tx, d)
	if err != nil {
		return err
	}
	created, err := createActivities(ctx, tx, *a, 1)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, `UPDATE deliveries SET status = 'published', activity_id = ?,
		confirmed_at = ?, updated_at = ? WHERE id = ?`,
		created[0].ID, tx.nowUnix(), tx.nowUnix(), d.ID)
	return err
}

// deliveryMaxPerBooking lets a resident bring one companion (a child, a
// spouse); menu items carry no such number.
const deliveryMaxPerBooking = 2

// deliveryActivity builds the activity of d from its item. Booking opens
// now and closes at the start (an open-mode activity takes no bookings).
func deliveryActivity(ctx context.Context, tx *Tx, d *culture.Delivery) (*culture.Activity, error) {
	a := &culture.Activity{UnitID: d.UnitID, RoomID: d.RoomID, StartsAt: d.StartsAt,
		EndsAt: d.EndsAt, Capacity: d.Capacity, Mode: d.Mode, OpensAt: tx.now,
		ClosesAt: d.StartsAt, MaxPerBooking: deliveryMaxPerBooking}
	var groups, description string
	var series sql.NullInt64
	err := tx.queryRow(ctx, `SELECT title, description, category, audience_groups, age_min,
		age_max, series_id FROM menu_items WHERE id = ?`, d.ItemID).Scan(&a.Title, &description,
		&a.Category, &groups, &a.AgeMin, &a.AgeMax, &series)
	if err != nil {
		return nil, err
	}
	a.SeriesID = scanOptID(series)
	a.Description = deliveryDescription(description, d.ProviderName)
	a.Audience = groupNames(groups)
	return a, nil
}

// maxActivityDescription is the length Activity.Validate allows.
const maxActivityDescription = 4000

// deliveryDescription appends the provider line to the item's description,
// shortening the description when both would not fit.
func deliveryDescription(description, provider string) string {
	line := "本活动由“" + provider + "”提供（文化菜单配送）。"
	room := maxActivityDescription - utf8.RuneCountInString(line) - 2
	if r := []rune(description); len(r) > room {
		description = string(r[:room])
	}
	if description == "" {
		return line
	}
	return description + "\n\n" + line
}

// groupNames turns stored audience groups ("children,parents") into their
// Chinese names ("少儿、亲子").
func groupNames(stored string) string {
	var names []string
	for _, g := range strings.Split(stored, ",") {
		if g = strings.TrimSpace(g); g != "" {
			names = append(names, culture.LabelOf(culture.AudienceGroups, g))
		}
	}
	return strings.Join(names, "、")
}

// UpdateDelivery takes one step of a delivery: a new allocation mode while
// it is planned, or its cost (settlement) once it is held or rated.
func (s *Store) UpdateDelivery(ctx context.Context, id int64, upd culture.DeliveryUpdate) (d *culture.Delivery, err error) {
	defer wrapStoreCall(&err, "UpdateDelivery(%d)", id)
	if err := checkDeliveryUpdate(upd); err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx *Tx) error {
		d, err = updateDelivery(ctx, tx, id, upd)
		return err
	})
	return d, err
}

func checkDeliveryUpdate(upd culture.DeliveryUpdate) error {
	if upd.Mode != nil {
		if _, ok := culture.ModeLabels[*upd.Mode]; !ok {
			return culture.Invalid("mode", "请选择预约方式。")
		}
	}
	if upd.Cost != nil && (*upd.Cost < 0 || *upd.Cost > culture.MaxItemCost) {
		return culture.Invalid("cost", fmt.Sprintf("费用应在 0 到 %d 元之间。", culture.MaxItemCost))
	}
	return nil
}

func updateDelivery(ctx context.Context, tx *Tx, id int64, upd culture.DeliveryUpdate) (*culture.Delivery, error) {
	d, err := lockDelivery(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if upd.Mode != nil {
		if d.Status != culture.DeliveryPlanned {
			return nil, culture.Errorf(culture.ECONFLICT, "只有待确认的配送可以修改预约方式。")
		}
		_, err = tx.exec(ctx, `UPDATE deliveries SET mode = ?, updated_at = ? WHERE id = ?`,
			*upd.Mode, tx.nowUnix(), id)
	}
	if err == nil && upd.Cost != nil {
		err = settleDelivery(ctx, tx, d, *upd.Cost)
	}
	if err != nil {
		return nil, err
	}
	return deliveryByID(ctx, tx, id)
}

func settleDelivery(ctx context.Context, tx *Tx, d *culture.Delivery, cost int) error {
	if d.Status != culture.DeliveryHeld && d.Status != culture.DeliveryRated {
		return culture.Errorf(culture.ECONFLICT, "活动举办后才能结算，已结算的配送不能再改。")
	}
	_, err := tx.exec(ctx, `UPDATE deliveries SET status = 'settled', cost = ?, settled_at = ?,
		updated_at = ? WHERE id = ?`, cost, tx.nowUnix(), tx.nowUnix(), d.ID)
	if err != nil {
		return err
	}
	return webhookDeliveryStatus(ctx, tx, d.ID, d.UnitID, culture.DeliverySettled, nil)
}

// CancelDelivery cancels a planned or published delivery with a reason;
// its request, if any, goes back to open, and a published delivery's
// activity and bookings are cancelled in the same transaction. A published
// delivery whose activity has started is ECONFLICT.
func (s *Store) CancelDelivery(ctx context.Context, id int64, reason string) (err error) {
	defer wrapStoreCall(&err, "CancelDelivery(%d)", id)
	reason = strings.TrimSpace(reason)
	if err := checkReason(reason, "请填写取消原因（最多 200 个字）。"); err != nil {
		return err
	}
	return s.update(ctx, func(tx *Tx) error {
		activityID, err := cancelDelivery(ctx, tx, id, reason)
		if err != nil || activityID == nil {
			return err
		}
		return cancelActivity(ctx, tx, *activityID)
	})
}

// cancelDelivery cancels the delivery and returns its activity, if any.
func cancelDelivery(ctx context.Context, tx *Tx, id int64, reason string) (*int64, error) {
	d, err := lockDelivery(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if d.Status != culture.DeliveryPlanned && d.Status != culture.DeliveryPublished {
		return nil, culture.Errorf(culture.ECONFLICT, "该配送当前为“%s”，不能取消。", d.StatusLabel())
	}
	if err := checkNotStarted(ctx, tx, d.ActivityID); err != nil {
		return nil, err
	}
	_, err = tx.exec(ctx, `UPDATE deliveries SET status = 'cancelled', reason = ?, updated_at = ?
		WHERE id = ?`, reason, tx.nowUnix(), id)
	if err == nil {
		err = reopenRequest(ctx, tx, id)
	}
	if err == nil {
		_, err = deliveryNotified(ctx, tx, id)
	}
	return d.ActivityID, err
}

// checkNotStarted refuses to cancel a delivery whose activity has begun:
// residents may be there or checked in, and MarkDeliveriesHeld records it
// once it ends.
func checkNotStarted(ctx context.Context, tx *Tx, activityID *int64) error {
	if activityID == nil {
		return nil
	}
	var starts int64
	if err := tx.queryRow(ctx, `SELECT starts_at FROM activities WHERE id = ?`, *activityID).Scan(&starts); err != nil {
		return err
	}
	if starts <= tx.nowUnix() {
		return culture.Errorf(culture.ECONFLICT, "活动已开始，不能再取消配送。")
	}
	return nil
}

// FindDeliveryByID returns the delivery with its names and ratings;
// ENOTFOUND when there is none.
func (s *Store) FindDeliveryByID(ctx context.Context, id int64) (d *culture.Delivery, err error) {
	defer wrapStoreCall(&err, "FindDeliveryByID(%d)", id)
	err = s.view(ctx, func(tx *Tx) error {
		d, err = deliveryByID(ctx, tx, id)
		return err
	})
	return d, err
}

// FindDeliveries returns the deliveries that match f, latest start first,
// and the number of matches before Limit (default 50, at most 200) and
// Offset.
func (s *Store) FindDeliveries(ctx context.Context, f culture.DeliveryFilter) (ds []*culture.Delivery, n int, err error) {
	defer wrapStoreCall(&err, "FindDeliveries")
	where, args, err := deliveryWhere(f)
	if err != nil {
		return nil, 0, err
	}
	err = s.view(ctx, func(tx *Tx) error {
		ds, n, err = findDeliveries(ctx, tx, where, args, f)
		return err
	})
	return ds, n, err
}

func findDeliveries(ctx context.Context, tx *Tx, where string, args []any, f culture.DeliveryFilter) ([]*culture.Delivery, int, error) {
	limit, offset := activityPage(f.Limit, f.Offset, 50, 200)
	rows, err := tx.query(ctx, `SELECT COUNT(*) OVER(), `+deliveryColumns+` FROM deliveries d`+
		deliveryJoins+where+` ORDER BY d.starts_at DESC, d.id DESC LIMIT ? OFFSET ?`,
		append(args, limit, offset)...)
	if err != nil {
		return nil, 0, err
	}
	total := 0
	ds, err := scanAll(rows, func(row rowScanner) (*culture.Delivery, error) {
		var r deliveryRow
		if err := row.Scan(append([]any{&total}, r.dest()...)...); err != nil {
			return nil, err
		}
		return r.delivery(), nil
	})
	if err == nil && len(ds) == 0 && offset > 0 {
		err = tx.queryRow(ctx, `SELECT COUNT(*) FROM deliveries d`+where, args...).Scan(&total)
	}
	return ds, total, err
}

// deliveryWhere turns a filter into a WHERE clause (or "") and its args.
func deliveryWhere(f culture.DeliveryFilter) (string, []any, error) {
	var conds []string
	var args []any
	add := func(cond string, arg ...any) {
		conds = append(conds, cond)
		args = append(args, arg...)
	}
	if f.Within != nil {
		add(`d.unit_id IN (SELECT c.id FROM units c JOIN units w ON c.path LIKE w.path || '%'
			WHERE w.id = ?)`, *f.Within)
	}
	if f.ProviderID != nil {
		add("d.provider_id = ?", *f.ProviderID)
	}
	if f.ItemID != nil {
		add("d.item_id = ?", *f.ItemID)
	}
	if f.Status != nil {
		add("d.status = ?", *f.Status)
	}
	if f.Season != nil {
		from, to, err := f.Season.Bounds()
		if err != nil {
			return "", nil, err
		}
		add("d.starts_at >= ? AND d.starts_at < ?", unix(from), unix(to))
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}
