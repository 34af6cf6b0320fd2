package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// Webhook events: the write paths that notify residents and staff (see
// notify_events.go) also announce booking and delivery events to the
// webhooks of the unit where they happen and of the units above it, in the
// same transaction. Each event has a stable key, the payload's "id"; a
// webhook gets one delivery per key, so a repeated event (a replayed
// request, a job run twice) is delivered once. With no webhook at all an
// event costs one index probe.

// WebhookJob is one delivery job to queue: the delivery and the resend it
// belongs to (0 for the first round).
type WebhookJob struct {
	DeliveryID int64
	Resend     int
}

// WebhookHook queues webhook deliveries inside the transaction that
// created them, so a delivery is queued if and only if its event commits.
// cmd sets it to the delivery queue (notifyq), which inserts the jobs
// (river) with tx.
type WebhookHook interface {
	// QueueWebhooks queues jobs with tx. A job already queued and still
	// alive (queued, running or waiting for a retry) must be skipped:
	// RequeueStaleWebhookDeliveries relies on it.
	QueueWebhooks(ctx context.Context, tx *sql.Tx, jobs []WebhookJob) error
	// StaleAfter is how long a delivery may stay pending with nothing
	// recorded before its job is presumed lost (a crash, an error while
	// recording): longer than the queue's whole retry schedule.
	StaleAfter() time.Duration
}

// DefaultWebhookStaleAfter is the StaleAfter of a WebhookHookFunc: six
// hours, past the delivery queue's default retry schedule (ten attempts,
// about 4 h 40 min of backoff, plus an hour for the job of a crashed
// process to be rescued).
const DefaultWebhookStaleAfter = 6 * time.Hour

// WebhookHookFunc is a WebhookHook from a function, with the default
// StaleAfter.
type WebhookHookFunc func(ctx context.Context, tx *sql.Tx, jobs []WebhookJob) error

// QueueWebhooks calls f.
func (f WebhookHookFunc) QueueWebhooks(ctx context.Context, tx *sql.Tx, jobs []WebhookJob) error {
	return f(ctx, tx, jobs)
}

// StaleAfter returns DefaultWebhookStaleAfter.
func (WebhookHookFunc) StaleAfter() time.Duration { return DefaultWebhookStaleAfter }

// SetWebhookHook sets the hook; call it before serving. Without one, new
// deliveries stay pending (until RequeueStaleWebhookDeliveries runs with
// a hook).
func (s *Store) SetWebhookHook(h WebhookHook) { s.onWebhooks = h }

// webhookHook returns the hook of tx's store, or nil.
func (tx *Tx) webhookHook() WebhookHook { return tx.onWebhooks }

// webhookStaleAfter is the hook's StaleAfter, or the default.
func webhookStaleAfter(h WebhookHook) time.Duration {
	if h == nil || h.StaleAfter() <= 0 {
		return DefaultWebhookStaleAfter
	}
	return h.StaleAfter()
}

// queueWebhookJobs hands jobs to the hook, if any.
func queueWebhookJobs(ctx context.Context, tx *Tx, jobs []WebhookJob) error {
	hook := tx.webhookHook()
	if len(jobs) == 0 || hook == nil {
		return nil
	}
	return hook.QueueWebhooks(ctx, tx.tx, jobs)
}

// webhookTarget is an active webhook that may want an event.
type webhookTarget struct {
	id     int64
	events string
}

func (t webhookTarget) wants(typ string) bool {
	return t.events == "" || slices.Contains(strings.Split(t.events, ","), typ)
}

// webhooksAt returns the active webhooks of unit and of the units above
// it: one query, which with no active webhook reads one index entry.
func webhooksAt(ctx context.Context, tx *Tx, unitID int64) ([]webhookTarget, error) {
	rows, err := tx.query(ctx, `SELECT w.id, w.events FROM webhooks w JOIN units wu ON wu.id = w.unit_id
		WHERE w.active = 1 AND EXISTS (SELECT 1 FROM units e WHERE e.id = ? AND e.path LIKE wu.path || '%')
		ORDER BY w.id`, unitID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(r rowScanner) (t webhookTarget, err error) {
		err = r.Scan(&t.id, &t.events)
		return t, err
	})
}

// webhookEvent is an event to announce. data builds the payload's "data"
// only when some webhook wants the event.
type webhookEvent struct {
	key, typ string
	data     func() (any, error)
}

// webhookEnvelope is the JSON body of every delivery.
type webhookEnvelope struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	CreatedAt string `json:"created_at"`
	Data      any    `json:"data"`
}

// emitWebhook stores a delivery of ev for each target that wants it and
// has not had it, and queues them.
func emitWebhook(ctx context.Context, tx *Tx, targets []webhookTarget, ev webhookEvent) error {
	jobs, err := storeWebhookDeliveries(ctx, tx, targets, ev)
	if err != nil {
		return err
	}
	return queueWebhookJobs(ctx, tx, jobs)
}

// storeWebhookDeliveries stores a delivery of ev for each target that
// wants it and has not had it, and returns their jobs, to be queued.
func storeWebhookDeliveries(ctx context.Context, tx *Tx, targets []webhookTarget, ev webhookEvent) ([]WebhookJob, error) {
	var payload []byte
	var jobs []WebhookJob
	for _, t := range targets {
		if !t.wants(ev.typ) {
			continue
		}
		if payload == nil {
			var err error
			if payload, err = webhookPayload(tx, ev); err != nil {
				return nil, err
			}
		}
		var id int64
		err := tx.queryRow(ctx, `INSERT INTO webhook_deliveries (webhook_id, event_key, event_type, payload, status,
			created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)
			ON CONFLICT (webhook_id, event_key) DO NOTHING RETURNING id`,
			t.id, ev.key, ev.typ, string(payload), tx.nowUnix(), tx.nowUnix()).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			continue // delivered before
		} else if err != nil {
			return nil, err
		}
		jobs = append(jobs, WebhookJob{DeliveryID: id})
	}
	return jobs, nil
}

// wantsAny reports whether some target wants events of type typ.
func wantsAny(targets []webhookTarget, typ string) bool {
	return slices.ContainsFunc(targets, func(t webhookTarget) bool { return t.wants(typ) })
}

func webhookPayload(tx *Tx, ev webhookEvent) ([]byte, error) {
	data, err := ev.data()
	if err != nil {
		return nil, err
	}
	return json.Marshal(webhookEnvelope{ID: ev.key, Type: ev.typ, CreatedAt: tx.now.UTC().Format(time.RFC3339), Data: data})
}

// webhookBooking announces ev of booking b, which carries its activity.
// A booking known only by id and holder (cancelled with its activity) is
// read in full, if some webhook wants it.
func webhookBooking(ctx context.Context, tx *Tx, b *culture.Booking, typ, key string) error {
	targets, err := webhooksAt(ctx, tx, b.Activity.UnitID)
	if err != nil || len(targets) == 0 {
		return err
	}
	return emitWebhook(ctx, tx, targets, bookingWebhookEvent(ctx, tx, b, typ, key))
}

func bookingWebhookEvent(ctx context.Context, tx *Tx, b *culture.Booking, typ, key string) webhookEvent {
	return webhookEvent{key: key, typ: typ, data: func() (any, error) {
		if b.CreatedAt.IsZero() {
			full, err := bookingWhere(ctx, tx, "b.id = ?", b.ID)
			if err != nil {
				return nil, err
			}
			b = full
		}
		return bookingWebhookData(b), nil
	}}
}

// webhookCheckedIn announces the check-in of b.
func webhookCheckedIn(ctx context.Context, tx *Tx, b *culture.Booking) error {
	return webhookBooking(ctx, tx, b, culture.EventBookingCheckedIn, fmt.Sprintf("booking:%d:checked_in", b.ID))
}

// webhookLotteryWinners announces the confirmed bookings of a drawn
// lottery of activity a, queued in one call.
func webhookLotteryWinners(ctx context.Context, tx *Tx, a *culture.Activity, winners []int64) error {
	if len(winners) == 0 {
		return nil
	}
	targets, err := webhooksAt(ctx, tx, a.UnitID)
	if err != nil || len(targets) == 0 {
		return err
	}
	var jobs []WebhookJob
	for _, id := range winners {
		b := &culture.Booking{ID: id, Activity: a}
		ev := bookingWebhookEvent(ctx, tx, b, culture.EventBookingConfirmed, fmt.Sprintf("booking:%d:confirmed", id))
		more, err := storeWebhookDeliveries(ctx, tx, targets, ev)
		if err != nil {
			return err
		}
		jobs = append(jobs, more...)
	}
	return queueWebhookJobs(ctx, tx, jobs)
}

// webhookActivityCancelled announces the cancellation of the bookings
// held cancelled with activity id, which lies at unit: the webhooks are
// looked up once, the bookings read in one query, and every delivery
// queued in one call, however many seats the activity had.
func webhookActivityCancelled(ctx context.Context, tx *Tx, id, unitID int64, held []bookingHolder) error {
	if len(held) == 0 {
		return nil
	}
	targets, err := webhooksAt(ctx, tx, unitID)
	if err != nil || !wantsAny(targets, culture.EventBookingCancelled) {
		return err
	}
	bs, err := cancelledBookings(ctx, tx, id, held)
	if err != nil {
		return err
	}
	var jobs []WebhookJob
	for _, b := range bs {
		ev := webhookEvent{key: fmt.Sprintf("booking:%d:cancelled", b.ID), typ: culture.EventBookingCancelled,
			data: func() (any, error) { return bookingWebhookData(b), nil }}
		more, err := storeWebhookDeliveries(ctx, tx, targets, ev)
		if err != nil {
			return err
		}
		jobs = append(jobs, more...)
	}
	return queueWebhookJobs(ctx, tx, jobs)
}

// cancelledBookings reads the bookings held of activity id, as their
// payloads show them, with the activity as it now stands.
func cancelledBookings(ctx context.Context, tx *Tx, id int64, held []bookingHolder) ([]*culture.Booking, error) {
	a, err := activityByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	want := make(map[int64]bool, len(held))
	for _, h := range held {
		want[h.id] = true
	}
	rows, err := tx.query(ctx, `SELECT id, account_id, status, seats, created_at, checked_in_at
		FROM bookings WHERE activity_id = ? AND status = 'cancelled' ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	bs, err := scanAll(rows, func(r rowScanner) (*culture.Booking, error) {
		b := &culture.Booking{ActivityID: id, Activity: a}
		var created int64
		var checkedIn sql.NullInt64
		err := r.Scan(&b.ID, &b.AccountID, &b.Status, &b.Seats, &created, &checkedIn)
		b.CreatedAt, b.CheckedInAt = fromUnix(created), nullUnix(checkedIn)
		return b, err
	})
	return slices.DeleteFunc(bs, func(b *culture.Booking) bool { return !want[b.ID] }), err
}

// webhookDelivery announces the status of delivery d, as just loaded.
func webhookDelivery(ctx context.Context, tx *Tx, d *culture.Delivery) error {
	return webhookDeliveryStatus(ctx, tx, d.ID, d.UnitID, d.Status, d)
}

// webhookDeliveryStatus announces that delivery id, at unit, reached
// status; loaded, when not nil, is the delivery as it now stands, else it
// is read if some webhook wants it.
func webhookDeliveryStatus(ctx context.Context, tx *Tx, id, unitID int64, status string, loaded *culture.Delivery) error {
	targets, err := webhooksAt(ctx, tx, unitID)
	if err != nil || len(targets) == 0 {
		return err
	}
	return emitWebhook(ctx, tx, targets, webhookEvent{key: fmt.Sprintf("delivery:%d:%s", id, status),
		typ: culture.EventDeliveryUpdated, data: func() (any, error) {
			d := loaded
			if d == nil {
				var err error
				if d, err = deliveryByID(ctx, tx, id); err != nil {
					return nil, err
				}
			}
			return deliveryWebhookData(d), nil
		}})
}

// webhookActivity is an activity in a payload.
type webhookActivity struct {
	ID       int64     `json:"id"`
	Title    string    `json:"title"`
	Category string    `json:"category"`
	Mode     string    `json:"mode"`
	UnitID   int64     `json:"unit_id"`
	UnitName string    `json:"unit_name"`
	RoomName string    `json:"room_name,omitempty"`
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
	Status   string    `json:"status"`
}

// webhookBookingJSON is a booking in a payload: no ticket code (it admits
// its holder), no names or phone numbers.
type webhookBookingJSON struct {
	ID          int64      `json:"id"`
	ActivityID  int64      `json:"activity_id"`
	AccountID   int64      `json:"account_id"`
	Status      string     `json:"status"`
	Seats       int        `json:"seats"`
	CreatedAt   time.Time  `json:"created_at"`
	CheckedInAt *time.Time `json:"checked_in_at,omitempty"`
}

func bookingWebhookData(b *culture.Booking) any {
	a := b.Activity
	return map[string]any{
		"booking": webhookBookingJSON{ID: b.ID, ActivityID: a.ID, AccountID: b.AccountID, Status: b.Status,
			Seats: b.Seats, CreatedAt: b.CreatedAt.UTC(), CheckedInAt: utcPtr(b.CheckedInAt)},
		"activity": webhookActivity{ID: a.ID, Title: a.Title, Category: a.Category, Mode: a.Mode, UnitID: a.UnitID,
			UnitName: a.UnitName, RoomName: a.RoomName, StartsAt: a.StartsAt.UTC(), EndsAt: a.EndsAt.UTC(), Status: a.Status},
	}
}

// webhookDeliveryJSON is a delivery (配送) in a payload.
type webhookDeliveryJSON struct {
	ID           int64     `json:"id"`
	Status       string    `json:"status"`
	ItemID       int64     `json:"item_id"`
	ItemTitle    string    `json:"item_title"`
	ProviderID   int64     `json:"provider_id"`
	ProviderName string    `json:"provider_name"`
	UnitID       int64     `json:"unit_id"`
	UnitName     string    `json:"unit_name"`
	RoomName     string    `json:"room_name,omitempty"`
	StartsAt     time.Time `json:"starts_at"`
	EndsAt       time.Time `json:"ends_at"`
	Capacity     int       `json:"capacity"`
	Mode         string    `json:"mode"`
	Reason       string    `json:"reason,omitempty"`
	ActivityID   *int64    `json:"activity_id"`
	Attendance   int       `json:"attendance"`
	Cost         *int      `json:"cost,omitempty"`
}

func deliveryWebhookData(d *culture.Delivery) any {
	return map[string]any{"delivery": webhookDeliveryJSON{ID: d.ID, Status: d.Status, ItemID: d.ItemID,
		ItemTitle: d.ItemTitle, ProviderID: d.ProviderID, ProviderName: d.ProviderName, UnitID: d.UnitID,
		UnitName: d.UnitName, RoomName: d.RoomName, StartsAt: d.StartsAt.UTC(), EndsAt: d.EndsAt.UTC(),
		Capacity: d.Capacity, Mode: d.Mode, Reason: d.Reason, ActivityID: d.ActivityID,
		Attendance: d.Attendance, Cost: d.Cost}}
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
