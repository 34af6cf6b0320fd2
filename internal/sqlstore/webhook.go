package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// Webhooks and their delivery log. The events that fill the log are in
// webhook_events.go; the delivery job (notifyq) reads a delivery with
// FindWebhookSend and records each attempt with RecordWebhookAttempt.

var _ culture.WebhookService = (*Store)(nil)

var (
	errNoWebhook         = culture.Errorf(culture.ENOTFOUND, "Webhook 不存在。")
	errNoWebhookDelivery = culture.Errorf(culture.ENOTFOUND, "投递记录不存在。")
	errWebhookUnit       = culture.Invalid("unit_id", "所选单位不存在。")
	errWebhookPoint      = culture.Invalid("unit_id", "Webhook 只能设在总馆或分馆，不能设在基层文化点。")
	errWebhookBusy       = culture.Errorf(culture.ECONFLICT, "该投递正在进行中，无需重发。")
	errWebhookOff        = culture.Errorf(culture.EINVALID, "Webhook 已停用，请先启用再重发。")
	errWebhookStatus     = culture.Invalid("status", "投递状态应为 pending、delivered 或 failed。")
)

const webhookColumns = `w.id, w.unit_id, w.url, w.secret, w.events, w.active, COALESCE(w.created_by, 0),
	w.created_at, w.updated_at, u.name, COALESCE(NULLIF(a.name, ''), a.username, ''),
	(SELECT COUNT(*) FROM webhook_deliveries fd WHERE fd.webhook_id = w.id AND fd.status = 'failed')`

const webhookFrom = ` FROM webhooks w JOIN units u ON u.id = w.unit_id
	LEFT JOIN accounts a ON a.id = w.created_by`

// scanWebhook reads webhookColumns.
func scanWebhook(row rowScanner) (*culture.Webhook, error) {
	var w culture.Webhook
	var events string
	var active int
	var created, updated int64
	err := row.Scan(&w.ID, &w.UnitID, &w.URL, &w.Secret, &events, &active, &w.CreatedBy,
		&created, &updated, &w.UnitName, &w.CreatedByName, &w.Failed)
	if err != nil {
		return nil, err
	}
	w.Events, w.Active = splitEvents(events), active != 0
	w.CreatedAt, w.UpdatedAt = fromUnix(created), fromUnix(updated)
	return &w, nil
}

// splitEvents reads the stored event list ("" for all).
func splitEvents(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

func webhookByID(ctx context.Context, tx *Tx, id int64) (*culture.Webhook, error) {
	w, err := scanWebhook(tx.queryRow(ctx, `SELECT `+webhookColumns+webhookFrom+` WHERE w.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoWebhook
	}
	return w, err
}

// FindWebhookByID returns a webhook with its secret, or ENOTFOUND.
func (s *Store) FindWebhookByID(ctx context.Context, id int64) (w *culture.Webhook, err error) {
	defer wrapStoreCall(&err, "FindWebhookByID(%d)", id)
	err = s.view(ctx, func(tx *Tx) error {
		w, err = webhookByID(ctx, tx, id)
		return err
	})
	return w, err
}

// FindWebhooks returns the webhooks of the units within f.Within's
// subtrees (all without), newest first, and their total. Limit defaults
// to 50, at most 200.
func (s *Store) FindWebhooks(ctx context.Context, f culture.WebhookFilter) (ws []*culture.Webhook, total int, err error) {
	defer wrapStoreCall(&err, "FindWebhooks")
	where, args := "", []any{}
	if len(f.Within) > 0 {
		where = ` WHERE EXISTS (SELECT 1 FROM units r WHERE r.id IN (` + bookingMarks(len(f.Within)) +
			`) AND u.path LIKE r.path || '%')`
		for _, id := range f.Within {
			args = append(args, id)
		}
	}
	limit, offset := activityPage(f.Limit, f.Offset, 50, 200)
	err = s.view(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT COUNT(*) OVER(), `+webhookColumns+webhookFrom+where+
			` ORDER BY w.id DESC LIMIT ? OFFSET ?`, append(args, limit, offset)...)
		if err != nil {
			return err
		}
		ws, err = scanAll(rows, func(r rowScanner) (*culture.Webhook, error) {
			return scanWebhook(countingScanner{r, &total})
		})
		if err == nil && len(ws) == 0 && offset > 0 {
			err = tx.queryRow(ctx, `SELECT COUNT(*)`+webhookFrom+where, args...).Scan(&total)
		}
		return err
	})
	return ws, total, err
}

// countingScanner scans a leading COUNT(*) OVER() into n, then the rest.
type countingScanner struct {
	r rowScanner
	n *int
}

func (c countingScanner) Scan(dest ...any) error { return c.r.Scan(append([]any{c.n}, dest...)...) }

// CreateWebhook validates w and stores it with a new secret, at a hub or
// branch (not a point), at most MaxWebhooksPerUnit per unit. It sets w's
// ID, Secret, Active and times.
func (s *Store) CreateWebhook(ctx context.Context, w *culture.Webhook) (err error) {
	defer wrapStoreCall(&err, "CreateWebhook(unit=%d)", w.UnitID)
	if err := w.Validate(); err != nil {
		return err
	}
	secret, err := newWebhookSecret()
	if err != nil {
		return err
	}
	var got *culture.Webhook
	err = s.update(ctx, func(tx *Tx) error {
		if err := checkWebhookUnit(ctx, tx, w.UnitID); err != nil {
			return err
		}
		var id int64
		err := tx.queryRow(ctx, `INSERT INTO webhooks (unit_id, url, secret, events, active, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, 1, ?, ?, ?) RETURNING id`, w.UnitID, w.URL, secret, strings.Join(w.Events, ","),
			sql.NullInt64{Int64: w.CreatedBy, Valid: w.CreatedBy > 0}, tx.nowUnix(), tx.nowUnix()).Scan(&id)
		if err != nil {
			return err
		}
		if got, err = webhookByID(ctx, tx, id); err != nil {
			return err
		}
		return auditWebhook(ctx, tx, w.CreatedBy, "webhook.create", id, got.UnitName+"，"+culture.WebhookOrigin(w.URL))
	})
	if err == nil {
		*w = *got
	}
	return err
}

// auditWebhook writes the audit_log row of action on webhook id by
// account by (0: no account).
func auditWebhook(ctx context.Context, tx *Tx, by int64, action string, id int64, reason string) error {
	_, err := tx.exec(ctx, `INSERT INTO audit_log (account_id, action, target, reason, created_at)
		VALUES (?, ?, ?, ?, ?)`, sql.NullInt64{Int64: by, Valid: by > 0}, action, fmt.Sprintf("webhook:%d", id),
		reason, tx.nowUnix())
	return err
}

// checkWebhookUnit refuses a missing unit, a point, and a unit that has
// its fill of webhooks.
func checkWebhookUnit(ctx context.Context, tx *Tx, unitID int64) error {
	var kind string
	var n int
	err := tx.queryRow(ctx, `SELECT kind, (SELECT COUNT(*) FROM webhooks WHERE unit_id = units.id)
		FROM units WHERE id = ?`, unitID).Scan(&kind, &n)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return errWebhookUnit
	case err != nil:
		return err
	case kind == culture.UnitPoint:
		return errWebhookPoint
	case n >= culture.MaxWebhooksPerUnit:
		return culture.Invalid("unit_id", "每个单位最多设置 20 个 Webhook，请先删除不用的。")
	}
	return nil
}

// newWebhookSecret returns 32 random bytes, written "whsec_" and base64url.
func newWebhookSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "whsec_" + base64.RawURLEncoding.EncodeToString(b), nil
}

// UpdateWebhook changes a webhook's URL, events or state, as account by,
// and audits the change.
func (s *Store) UpdateWebhook(ctx context.Context, id int64, upd culture.WebhookUpdate, by int64) (w *culture.Webhook, err error) {
	defer wrapStoreCall(&err, "UpdateWebhook(%d)", id)
	sets, args, err := webhookSets(upd)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx *Tx) error {
		old, err := webhookByID(ctx, tx, id)
		if err != nil {
			return err
		}
		_, err = tx.exec(ctx, `UPDATE webhooks SET `+sets+`updated_at = ? WHERE id = ?`, append(args, tx.nowUnix(), id)...)
		if err != nil {
			return err
		}
		if w, err = webhookByID(ctx, tx, id); err != nil {
			return err
		}
		return auditWebhook(ctx, tx, by, "webhook.update", id, webhookChanges(old, w))
	})
	return w, err
}

// webhookChanges describes, for the audit log, what changed from old to w.
func webhookChanges(old, w *culture.Webhook) string {
	var out []string
	if old.URL != w.URL {
		out = append(out, "接收地址 "+culture.WebhookOrigin(old.URL)+" → "+culture.WebhookOrigin(w.URL))
	}
	if old.EventLabels() != w.EventLabels() {
		out = append(out, "事件："+w.EventLabels())
	}
	if old.Active != w.Active {
		out = append(out, map[bool]string{true: "启用", false: "停用"}[w.Active])
	}
	if len(out) == 0 {
		return "无变化"
	}
	return strings.Join(out, "；")
}

// webhookSets checks upd and returns its "col = ?, " assignments.
func webhookSets(upd culture.WebhookUpdate) (string, []any, error) {
	var sets string
	var args []any
	if upd.URL != nil {
		if _, err := culture.CheckWebhookURL(*upd.URL); err != nil {
			return "", nil, err
		}
		sets, args = sets+"url = ?, ", append(args, *upd.URL)
	}
	if upd.Events != nil {
		events, err := culture.CheckWebhookEvents(*upd.Events)
		if err != nil {
			return "", nil, err
		}
		sets, args = sets+"events = ?, ", append(args, strings.Join(events, ","))
	}
	if upd.Active != nil {
		active := 0
		if *upd.Active {
			active = 1
		}
		sets, args = sets+"active = ?, ", append(args, active)
	}
	return sets, args, nil
}

// RevealWebhookSecret returns the webhook with its secret, to be shown to
// account by, and audits the showing.
func (s *Store) RevealWebhookSecret(ctx context.Context, id, by int64) (w *culture.Webhook, err error) {
	defer wrapStoreCall(&err, "RevealWebhookSecret(%d, by=%d)", id, by)
	err = s.update(ctx, func(tx *Tx) error {
		if w, err = webhookByID(ctx, tx, id); err != nil {
			return err
		}
		return auditWebhook(ctx, tx, by, "webhook.reveal_secret", id, "")
	})
	return w, err
}

// RotateWebhookSecret replaces the webhook's secret, as account by, and
// audits it; requests signed from now on use the new one.
func (s *Store) RotateWebhookSecret(ctx context.Context, id, by int64) (w *culture.Webhook, err error) {
	defer wrapStoreCall(&err, "RotateWebhookSecret(%d, by=%d)", id, by)
	secret, err := newWebhookSecret()
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx *Tx) error {
		var got int64
		err := tx.queryRow(ctx, `UPDATE webhooks SET secret = ?, updated_at = ? WHERE id = ? RETURNING id`,
			secret, tx.nowUnix(), id).Scan(&got)
		if errors.Is(err, sql.ErrNoRows) {
			return errNoWebhook
		} else if err != nil {
			return err
		}
		if w, err = webhookByID(ctx, tx, id); err != nil {
			return err
		}
		return auditWebhook(ctx, tx, by, "webhook.rotate_secret", id, "")
	})
	return w, err
}

// DeleteWebhook deletes a webhook with its deliveries and their attempts,
// as account by, and audits it; their queued jobs find nothing and stop.
func (s *Store) DeleteWebhook(ctx context.Context, id, by int64) (err error) {
	defer wrapStoreCall(&err, "DeleteWebhook(%d, by=%d)", id, by)
	return s.update(ctx, func(tx *Tx) error {
		w, err := webhookByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM webhooks WHERE id = ?`, id); err != nil {
			return err
		}
		return auditWebhook(ctx, tx, by, "webhook.delete", id, w.UnitName+"，"+culture.WebhookOrigin(w.URL))
	})
}

const webhookDeliveryColumns = `d.id, d.webhook_id, d.event_key, d.event_type, d.payload, d.status, d.attempts,
	d.resends, d.last_status, d.last_error, d.created_at, d.updated_at, d.delivered_at`

func scanWebhookDelivery(row rowScanner) (*culture.WebhookDelivery, error) {
	var d culture.WebhookDelivery
	var created, updated int64
	var delivered sql.NullInt64
	err := row.Scan(&d.ID, &d.WebhookID, &d.EventID, &d.EventType, &d.Payload, &d.Status, &d.Attempts,
		&d.Resends, &d.LastStatusCode, &d.LastError, &created, &updated, &delivered)
	if err != nil {
		return nil, err
	}
	d.CreatedAt, d.UpdatedAt, d.DeliveredAt = fromUnix(created), fromUnix(updated), nullUnix(delivered)
	return &d, nil
}

// FindWebhookDeliveries returns a page of a webhook's deliveries, newest
// first, and their total. Limit defaults to 20, at most 100.
func (s *Store) FindWebhookDeliveries(ctx context.Context, f culture.WebhookDeliveryFilter) (ds []*culture.WebhookDelivery, total int, err error) {
	defer wrapStoreCall(&err, "FindWebhookDeliveries(webhook=%d)", f.WebhookID)
	where, args := ` WHERE d.webhook_id = ?`, []any{f.WebhookID}
	if f.Status != "" {
		if _, ok := culture.WebhookStatusLabels[f.Status]; !ok {
			return nil, 0, errWebhookStatus
		}
		where, args = where+` AND d.status = ?`, append(args, f.Status)
	}
	limit, offset := activityPage(f.Limit, f.Offset, 20, 100)
	err = s.view(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT COUNT(*) OVER(), `+webhookDeliveryColumns+` FROM webhook_deliveries d`+
			where+` ORDER BY d.id DESC LIMIT ? OFFSET ?`, append(args, limit, offset)...)
		if err != nil {
			return err
		}
		ds, err = scanAll(rows, func(r rowScanner) (*culture.WebhookDelivery, error) {
			return scanWebhookDelivery(countingScanner{r, &total})
		})
		if err == nil && len(ds) == 0 && offset > 0 {
			err = tx.queryRow(ctx, `SELECT COUNT(*) FROM webhook_deliveries d`+where, args...).Scan(&total)
		}
		return err
	})
	return ds, total, err
}

// FindWebhookDeliveryByID returns a delivery with its payload and its
// attempts, oldest first.
func (s *Store) FindWebhookDeliveryByID(ctx context.Context, id int64) (d *culture.WebhookDelivery, err error) {
	defer wrapStoreCall(&err, "FindWebhookDeliveryByID(%d)", id)
	err = s.view(ctx, func(tx *Tx) error {
		d, err = webhookDeliveryByID(ctx, tx, id)
		if err != nil {
			return err
		}
		d.Log, err = webhookAttempts(ctx, tx, id)
		return err
	})
	return d, err
}

func webhookDeliveryByID(ctx context.Context, tx *Tx, id int64) (*culture.WebhookDelivery, error) {
	d, err := scanWebhookDelivery(tx.queryRow(ctx, `SELECT `+webhookDeliveryColumns+
		` FROM webhook_deliveries d WHERE d.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoWebhookDelivery
	}
	return d, err
}

func webhookAttempts(ctx context.Context, tx *Tx, deliveryID int64) ([]*culture.WebhookAttempt, error) {
	rows, err := tx.query(ctx, `SELECT id, delivery_id, resend, at, status_code, error, duration_ms
		FROM webhook_attempts WHERE delivery_id = ? ORDER BY id`, deliveryID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(r rowScanner) (*culture.WebhookAttempt, error) {
		var a culture.WebhookAttempt
		var at, ms int64
		err := r.Scan(&a.ID, &a.DeliveryID, &a.Resend, &at, &a.StatusCode, &a.Error, &ms)
		a.At, a.Duration = fromUnix(at), time.Duration(ms)*time.Millisecond
		return &a, err
	})
}

// ResendWebhookDelivery queues a delivered or failed delivery again, as
// its next resend: the job makes new attempts, logged with the resend's
// number. A pending delivery is ECONFLICT (its job is still at work, or a
// concurrent resend came first), unless nothing has been recorded of it
// for longer than the hook's StaleAfter (its job is presumed lost); a
// delivery of a disabled webhook is EINVALID.
func (s *Store) ResendWebhookDelivery(ctx context.Context, id int64) (d *culture.WebhookDelivery, err error) {
	defer wrapStoreCall(&err, "ResendWebhookDelivery(%d)", id)
	err = s.update(ctx, func(tx *Tx) error {
		staleBefore := unix(tx.now.Add(-webhookStaleAfter(tx.webhookHook())))
		if err := checkResend(ctx, tx, id, staleBefore); err != nil {
			return err
		}
		// The condition, not the check above, decides between two
		// resends at once: on PostgreSQL the second UPDATE waits for
		// the first to commit, then finds the delivery pending.
		var resend int
		err := tx.queryRow(ctx, `UPDATE webhook_deliveries SET status = 'pending', resends = resends + 1,
			updated_at = ? WHERE id = ? AND (status <> 'pending' OR updated_at < ?) RETURNING resends`,
			tx.nowUnix(), id, staleBefore).Scan(&resend)
		if errors.Is(err, sql.ErrNoRows) {
			return errWebhookBusy
		} else if err != nil {
			return err
		}
		if err = queueWebhookJobs(ctx, tx, []WebhookJob{{DeliveryID: id, Resend: resend}}); err != nil {
			return err
		}
		d, err = webhookDeliveryByID(ctx, tx, id)
		return err
	})
	return d, err
}

// checkResend refuses to resend a missing delivery, a pending one
// recorded at or after staleBefore, and one of a disabled webhook.
func checkResend(ctx context.Context, tx *Tx, id, staleBefore int64) error {
	var status string
	var updated int64
	var active int
	err := tx.queryRow(ctx, `SELECT d.status, d.updated_at, w.active FROM webhook_deliveries d
		JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = ?`, id).Scan(&status, &updated, &active)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return errNoWebhookDelivery
	case err != nil:
		return err
	case status == culture.WebhookPending && updated >= staleBefore:
		return errWebhookBusy
	case active == 0:
		return errWebhookOff
	}
	return nil
}

// staleWebhookBatch bounds the deliveries one sweep queues again.
const staleWebhookBatch = 500

// RequeueStaleWebhookDeliveries queues again the deliveries pending with
// nothing recorded for longer than the hook's StaleAfter: their job was
// lost (discarded after an error while recording its outcome, cut off by
// a crash past its attempts) or never queued (no hook was set). The hook
// skips a job still alive, so this is safe at any time; each delivery
// queued is marked updated, so it waits StaleAfter again. At most 500 a
// run, oldest first; none without a hook. It returns how many it queued.
func (s *Store) RequeueStaleWebhookDeliveries(ctx context.Context) (n int, err error) {
	defer wrapStoreCall(&err, "RequeueStaleWebhookDeliveries")
	if s.onWebhooks == nil {
		return 0, nil
	}
	err = s.update(ctx, func(tx *Tx) error {
		staleBefore := unix(tx.now.Add(-webhookStaleAfter(tx.webhookHook())))
		// Through the webhooks (a few), probing each one's status index,
		// rather than a scan of every delivery: SQLite keeps the order of
		// a CROSS JOIN; PostgreSQL plans it as the inner join it is.
		rows, err := tx.query(ctx, `UPDATE webhook_deliveries SET updated_at = ? WHERE id IN
			(SELECT d.id FROM webhooks w CROSS JOIN webhook_deliveries d
			WHERE d.webhook_id = w.id AND d.status = 'pending' AND d.updated_at < ? ORDER BY d.id LIMIT ?)
			RETURNING id, resends`, tx.nowUnix(), staleBefore, staleWebhookBatch)
		if err != nil {
			return err
		}
		jobs, err := scanAll(rows, func(r rowScanner) (j WebhookJob, err error) {
			err = r.Scan(&j.DeliveryID, &j.Resend)
			return j, err
		})
		if err != nil {
			return err
		}
		n = len(jobs)
		return queueWebhookJobs(ctx, tx, jobs)
	})
	return n, err
}

// FindWebhookSend returns what the delivery job needs for one attempt of
// delivery id: the payload, the webhook's URL and secret, and whether the
// webhook is on.
func (s *Store) FindWebhookSend(ctx context.Context, id int64) (ws *culture.WebhookSend, err error) {
	defer wrapStoreCall(&err, "FindWebhookSend(%d)", id)
	err = s.view(ctx, func(tx *Tx) error {
		var w culture.WebhookSend
		var payload string
		var active int
		err := tx.queryRow(ctx, `SELECT d.id, d.resends, d.status, d.event_key, d.event_type, d.payload,
			w.url, w.secret, w.active FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
			WHERE d.id = ?`, id).Scan(&w.DeliveryID, &w.Resend, &w.Status, &w.EventID, &w.EventType, &payload,
			&w.URL, &w.Secret, &active)
		if errors.Is(err, sql.ErrNoRows) {
			return errNoWebhookDelivery
		}
		w.Payload, w.Active, ws = []byte(payload), active != 0, &w
		return err
	})
	return ws, err
}

// RecordWebhookAttempt logs attempt a (its time is the store's now) and,
// while the delivery is pending in a's round (no later resend has taken
// it over, nothing has finished it), sets the delivery's status, attempt
// count and last outcome.
func (s *Store) RecordWebhookAttempt(ctx context.Context, a *culture.WebhookAttempt, status string) (err error) {
	defer wrapStoreCall(&err, "RecordWebhookAttempt(delivery=%d)", a.DeliveryID)
	if _, ok := culture.WebhookStatusLabels[status]; !ok {
		return errWebhookStatus
	}
	return s.update(ctx, func(tx *Tx) error {
		var one int
		err := tx.queryRow(ctx, `SELECT 1 FROM webhook_deliveries WHERE id = ?`, a.DeliveryID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return errNoWebhookDelivery
		} else if err != nil {
			return err
		}
		_, err = tx.exec(ctx, `INSERT INTO webhook_attempts (delivery_id, resend, at, status_code, error, duration_ms)
			VALUES (?, ?, ?, ?, ?, ?)`, a.DeliveryID, a.Resend, tx.nowUnix(), a.StatusCode, a.Error, a.Duration.Milliseconds())
		if err != nil {
			return err
		}
		var delivered sql.NullInt64
		if status == culture.WebhookDelivered {
			delivered = sql.NullInt64{Int64: tx.nowUnix(), Valid: true}
		}
		_, err = tx.exec(ctx, `UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1,
			last_status = ?, last_error = ?, delivered_at = COALESCE(?, delivered_at), updated_at = ?
			WHERE id = ? AND resends = ? AND status = 'pending'`, status, a.StatusCode, a.Error, delivered, tx.nowUnix(),
			a.DeliveryID, a.Resend)
		return err
	})
}
