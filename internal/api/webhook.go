package api

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// Webhooks: the operator and hub admins (manage_webhooks) register
// receivers of their units' events and read and resend deliveries. The
// secret is in the answers to create, show and rotate, never in lists.

var (
	errNoWebhooks        = notFound("Webhook 功能未启用。")
	errNoWebhook         = notFound("Webhook 不存在。")
	errNoWebhookDelivery = notFound("投递记录不存在。")
)

// webhookRoutes lists the issue-6 routes of this file; each answers 404 without
// its service.
func (a *API) webhookRoutes(r router) {
	h := a.with(a.webhooks != nil, errNoWebhooks)
	r.Handle("GET /api/v1/webhooks", a.requireAccount(h(a.handleWebhookIndex)))
	r.Handle("POST /api/v1/webhooks", a.requireAccount(h(a.handleWebhookCreate)))
	r.Handle("GET /api/v1/webhooks/{id}", a.requireAccount(h(a.handleWebhookView)))
	r.Handle("PATCH /api/v1/webhooks/{id}", a.requireAccount(h(a.handleWebhookPatch)))
	r.Handle("DELETE /api/v1/webhooks/{id}", a.requireAccount(h(a.handleWebhookDelete)))
	r.Handle("POST /api/v1/webhooks/{id}/secret", a.requireAccount(h(a.handleWebhookRotate)))
	r.Handle("GET /api/v1/webhooks/{id}/deliveries", a.requireAccount(h(a.handleWebhookDeliveries)))
	r.Handle("GET /api/v1/webhooks/{id}/deliveries/{delivery_id}", a.requireAccount(h(a.handleWebhookDeliveryView)))
	r.Handle("POST /api/v1/webhooks/{id}/deliveries/{delivery_id}/resend", a.requireAccount(h(a.handleWebhookResend)))
}

// webhookJSON is a webhook; Secret only where the caller is shown it.
type webhookJSON struct {
	ID            int64      `json:"id"`
	UnitID        int64      `json:"unit_id"`
	UnitName      string     `json:"unit_name"`
	URL           string     `json:"url"`
	Events        []string   `json:"events"`
	Active        bool       `json:"active"`
	Failed        int        `json:"failed_deliveries"`
	CreatedBy     int64      `json:"created_by"`
	CreatedByName string     `json:"created_by_name"`
	CreatedAt     *time.Time `json:"created_at"`
	UpdatedAt     *time.Time `json:"updated_at"`
	Secret        string     `json:"secret,omitempty"`
}

func newWebhookJSON(w *culture.Webhook, secret bool) webhookJSON {
	v := webhookJSON{ID: w.ID, UnitID: w.UnitID, UnitName: w.UnitName, URL: w.URL, Events: w.Events,
		Active: w.Active, Failed: w.Failed, CreatedBy: w.CreatedBy, CreatedByName: w.CreatedByName,
		CreatedAt: utc(w.CreatedAt), UpdatedAt: utc(w.UpdatedAt)}
	if v.Events == nil {
		v.Events = []string{}
	}
	if secret {
		v.Secret = w.Secret
	}
	return v
}

// webhookDeliveryJSON is a delivery in a list.
type webhookDeliveryJSON struct {
	ID             int64      `json:"id"`
	WebhookID      int64      `json:"webhook_id"`
	EventID        string     `json:"event_id"`
	EventType      string     `json:"event_type"`
	Status         string     `json:"status"`
	Attempts       int        `json:"attempts"`
	Resends        int        `json:"resends"`
	LastStatusCode int        `json:"last_status_code"`
	LastError      string     `json:"last_error"`
	CreatedAt      *time.Time `json:"created_at"`
	UpdatedAt      *time.Time `json:"updated_at"`
	DeliveredAt    *time.Time `json:"delivered_at"`
}

// webhookDeliveryDetailJSON is a delivery with its payload, as sent, and
// its attempts.
type webhookDeliveryDetailJSON struct {
	webhookDeliveryJSON
	Payload json.RawMessage      `json:"payload"`
	Log     []webhookAttemptJSON `json:"attempt_log"`
}

// webhookAttemptJSON is one attempt of a delivery.
type webhookAttemptJSON struct {
	At         *time.Time `json:"at"`
	Resend     int        `json:"resend"`
	StatusCode int        `json:"status_code"`
	Error      string     `json:"error"`
	DurationMS int64      `json:"duration_ms"`
}

func newWebhookDeliveryJSON(d *culture.WebhookDelivery) webhookDeliveryJSON {
	v := webhookDeliveryJSON{ID: d.ID, WebhookID: d.WebhookID, EventID: d.EventID, EventType: d.EventType,
		Status: d.Status, Attempts: d.Attempts, Resends: d.Resends, LastStatusCode: d.LastStatusCode,
		LastError: d.LastError, CreatedAt: utc(d.CreatedAt), UpdatedAt: utc(d.UpdatedAt)}
	if d.DeliveredAt != nil {
		v.DeliveredAt = utc(*d.DeliveredAt)
	}
	return v
}

func newWebhookDeliveryDetailJSON(d *culture.WebhookDelivery) webhookDeliveryDetailJSON {
	v := webhookDeliveryDetailJSON{webhookDeliveryJSON: newWebhookDeliveryJSON(d),
		Payload: json.RawMessage(d.Payload), Log: []webhookAttemptJSON{}}
	for _, at := range d.Log {
		v.Log = append(v.Log, webhookAttemptJSON{At: utc(at.At), Resend: at.Resend, StatusCode: at.StatusCode,
			Error: at.Error, DurationMS: at.Duration.Milliseconds()})
	}
	return v
}

// webhookRoots lists the grant units where the caller manages webhooks.
func webhookRoots(me *culture.Account) []int64 {
	var roots []int64
	for _, g := range me.Grants {
		if me.Can(culture.ActManageWebhooks, &culture.Unit{ID: g.UnitID, Path: g.UnitPath}) {
			roots = append(roots, g.UnitID)
		}
	}
	return roots
}

// handleWebhookIndex lists the webhooks of the units the caller manages
// webhooks of, or of one of them (within).
func (a *API) handleWebhookIndex(w http.ResponseWriter, r *http.Request) {
	me := account(r.Context())
	roots := webhookRoots(me)
	p, err := parsePage(r.URL.Query())
	if err == nil && r.URL.Query().Get("within") != "" {
		var within *culture.Unit
		if within, err = a.queryUnitParam(r.Context(), r.URL.Query(), "within"); err == nil {
			roots = []int64{within.ID}
			err = me.Check(culture.ActManageWebhooks, within)
		}
	}
	if err == nil && len(roots) == 0 {
		err = culture.ErrForbidden
	}
	var found []*culture.Webhook
	out := list[webhookJSON]{Items: []webhookJSON{}, Page: p.Page, PerPage: p.PerPage}
	if err == nil {
		found, out.Total, err = a.webhooks.FindWebhooks(r.Context(), culture.WebhookFilter{Within: roots, Limit: p.limit(), Offset: p.offset()})
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	for _, x := range found {
		out.Items = append(out.Items, newWebhookJSON(x, false))
	}
	a.writeJSON(w, r, http.StatusOK, out)
}

// webhookRequest creates a webhook.
type webhookRequest struct {
	UnitID int64    `json:"unit_id"`
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

// handleWebhookCreate adds a webhook at a unit where the caller manages
// webhooks; the answer holds its secret.
func (a *API) handleWebhookCreate(w http.ResponseWriter, r *http.Request) {
	me := account(r.Context())
	if !me.CanAnywhere(culture.ActManageWebhooks) {
		a.writeError(w, r, culture.ErrForbidden)
		return
	}
	var body webhookRequest
	err := decodeJSON(w, r, &body)
	hook := &culture.Webhook{UnitID: body.UnitID, URL: body.URL, Events: body.Events, CreatedBy: me.ID}
	if err == nil {
		err = hook.Validate()
	}
	if err == nil {
		err = a.checkAt(r.Context(), culture.ActManageWebhooks, "unit_id", body.UnitID)
	}
	if err == nil {
		err = a.webhooks.CreateWebhook(r.Context(), hook)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusCreated, newWebhookJSON(hook, true))
}

// pathWebhook finds the webhook named by the path and checks that the
// caller manages webhooks at its unit. As for bookings to waive
// (grab.go), an account that manages webhooks nowhere is forbidden
// whatever the id, and one that manages them elsewhere gets not found,
// as for an id that does not exist: no oracle of other units' webhooks.
func (a *API) pathWebhook(r *http.Request) (*culture.Webhook, error) {
	if !account(r.Context()).CanAnywhere(culture.ActManageWebhooks) {
		return nil, culture.ErrForbidden
	}
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	hook, err := a.webhooks.FindWebhookByID(r.Context(), id)
	if culture.ErrorCode(err) == culture.ENOTFOUND {
		return nil, errNoWebhook
	} else if err != nil {
		return nil, err
	}
	return hook, a.checkWebhookUnit(r.Context(), hook.UnitID)
}

func (a *API) checkWebhookUnit(ctx context.Context, unitID int64) error {
	u, err := a.units.FindUnitByID(ctx, unitID)
	if err != nil {
		return err
	}
	if !account(ctx).Can(culture.ActManageWebhooks, u) {
		return errNoWebhook
	}
	return nil
}

// handleWebhookView shows a webhook with its secret (audited).
func (a *API) handleWebhookView(w http.ResponseWriter, r *http.Request) {
	hook, err := a.pathWebhook(r)
	if err == nil {
		hook, err = a.webhooks.RevealWebhookSecret(r.Context(), hook.ID, account(r.Context()).ID)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, newWebhookJSON(hook, true))
}

// webhookPatch changes a webhook; absent fields stay.
type webhookPatch struct {
	URL    *string   `json:"url"`
	Events *[]string `json:"events"`
	Active *bool     `json:"active"`
}

// handleWebhookPatch changes a webhook's URL, events or state.
func (a *API) handleWebhookPatch(w http.ResponseWriter, r *http.Request) {
	hook, err := a.pathWebhook(r)
	var body webhookPatch
	if err == nil {
		err = decodeJSON(w, r, &body)
	}
	if err == nil {
		hook, err = a.webhooks.UpdateWebhook(r.Context(), hook.ID,
			culture.WebhookUpdate{URL: body.URL, Events: body.Events, Active: body.Active}, account(r.Context()).ID)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, newWebhookJSON(hook, false))
}

// handleWebhookDelete deletes a webhook with its delivery log.
func (a *API) handleWebhookDelete(w http.ResponseWriter, r *http.Request) {
	hook, err := a.pathWebhook(r)
	if err == nil {
		err = a.webhooks.DeleteWebhook(r.Context(), hook.ID, account(r.Context()).ID)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleWebhookRotate gives a webhook a new secret and shows it.
func (a *API) handleWebhookRotate(w http.ResponseWriter, r *http.Request) {
	hook, err := a.pathWebhook(r)
	if err == nil {
		hook, err = a.webhooks.RotateWebhookSecret(r.Context(), hook.ID, account(r.Context()).ID)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, newWebhookJSON(hook, true))
}

// handleWebhookDeliveries lists a webhook's deliveries, newest first,
// optionally of one status.
func (a *API) handleWebhookDeliveries(w http.ResponseWriter, r *http.Request) {
	hook, err := a.pathWebhook(r)
	var p page
	if err == nil {
		p, err = parsePage(r.URL.Query())
	}
	var found []*culture.WebhookDelivery
	out := list[webhookDeliveryJSON]{Items: []webhookDeliveryJSON{}, Page: p.Page, PerPage: p.PerPage}
	if err == nil {
		found, out.Total, err = a.webhooks.FindWebhookDeliveries(r.Context(), culture.WebhookDeliveryFilter{
			WebhookID: hook.ID, Status: r.URL.Query().Get("status"), Limit: p.limit(), Offset: p.offset()})
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	for _, d := range found {
		out.Items = append(out.Items, newWebhookDeliveryJSON(d))
	}
	a.writeJSON(w, r, http.StatusOK, out)
}

// pathWebhookDelivery finds the webhook and its delivery named by the path.
func (a *API) pathWebhookDelivery(r *http.Request) (*culture.WebhookDelivery, error) {
	hook, err := a.pathWebhook(r)
	if err != nil {
		return nil, err
	}
	id, err := pathID(r, "delivery_id")
	if err != nil {
		return nil, err
	}
	d, err := a.webhooks.FindWebhookDeliveryByID(r.Context(), id)
	if culture.ErrorCode(err) == culture.ENOTFOUND || err == nil && d.WebhookID != hook.ID {
		return nil, errNoWebhookDelivery
	}
	return d, err
}

// handleWebhookDeliveryView shows a delivery with its payload and every
// attempt.
func (a *API) handleWebhookDeliveryView(w http.ResponseWriter, r *http.Request) {
	d, err := a.pathWebhookDelivery(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, newWebhookDeliveryDetailJSON(d))
}

// handleWebhookResend queues a delivered or failed delivery again.
func (a *API) handleWebhookResend(w http.ResponseWriter, r *http.Request) {
	d, err := a.pathWebhookDelivery(r)
	if err == nil {
		_, err = a.webhooks.ResendWebhookDelivery(r.Context(), d.ID)
	}
	if err == nil {
		d, err = a.webhooks.FindWebhookDeliveryByID(r.Context(), d.ID)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusAccepted, newWebhookDeliveryDetailJSON(d))
}
