package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// Webhooks in the console: the operator and hub admins register receivers
// of their units' booking and delivery events, see each delivery and its
// attempts, and resend one. The secret shows once after the webhook is
// created or its secret rotated, and again on request (a POST, so it
// never sits in a URL or the browser history).

var errNoWebhooks = culture.Errorf(culture.EFORBIDDEN, "您没有管理 Webhook 的权限。")

// consoleWebhookFields are the inputs of the webhook forms; "events" is
// a group of checkboxes, joined with commas.
var consoleWebhookFields = []string{"unit_id", "url", "events"}

// consoleWebhookDeliveriesPerPage is the page size of the delivery log.
const consoleWebhookDeliveriesPerPage = 20

// consoleWebhookReveal is the session key naming the webhook whose secret
// its page shows once.
const consoleWebhookReveal = "webhook_reveal"

// consoleWebhookRoutes lists this file's console routes (issue 6).
func (s *Server) consoleWebhookRoutes(staff func(string, http.HandlerFunc)) {
	hooks := func(pattern string, h http.HandlerFunc) { staff(pattern, s.webhooksOnly(h)) }
	hooks("GET /console/webhooks", s.handleConsoleWebhooks)
	hooks("POST /console/webhooks", s.handleConsoleWebhookCreate)
	hooks("GET /console/webhooks/{id}", s.handleConsoleWebhook)
	hooks("POST /console/webhooks/{id}/edit", s.handleConsoleWebhookUpdate)
	hooks("POST /console/webhooks/{id}/active", s.handleConsoleWebhookActive)
	hooks("POST /console/webhooks/{id}/secret", s.handleConsoleWebhookReveal)
	hooks("POST /console/webhooks/{id}/rotate", s.handleConsoleWebhookRotate)
	hooks("POST /console/webhooks/{id}/delete", s.handleConsoleWebhookDelete)
	hooks("POST /console/webhooks/{id}/deliveries/{delivery}/resend", s.handleConsoleWebhookResend)
}

// webhooksOnly answers 404 without the webhook service, and 403 to staff
// who manage webhooks nowhere.
func (s *Server) webhooksOnly(h http.HandlerFunc) http.HandlerFunc {
	return s.consoleGate(func() bool { return s.Webhooks != nil }, culture.ActManageWebhooks, errNoWebhooks, h)
}

// consoleWebhooksPage lists the webhooks of the units the account
// manages, with the form for a new one.
type consoleWebhooksPage struct {
	Page
	Webhooks []*culture.Webhook
	// Units are those a webhook may be added to: hubs and branches.
	Units []consoleUnitRow
	Form  *consoleForm
}

// Events are the event types to choose from.
func (consoleWebhooksPage) Events() []culture.Label { return culture.WebhookEvents }

func (s *Server) handleConsoleWebhooks(w http.ResponseWriter, r *http.Request) {
	f := newConsoleForm("")
	if roots := consoleRoots(consoleAccount(r), culture.ActManageWebhooks); len(roots) == 1 {
		f.Values["unit_id"] = strconv.FormatInt(roots[0], 10)
	}
	s.renderWebhooks(w, r, http.StatusOK, f)
}

func (s *Server) renderWebhooks(w http.ResponseWriter, r *http.Request, status int, f *consoleForm) {
	acc := consoleAccount(r)
	units, err := s.consoleScope(r.Context(), acc, culture.ActManageWebhooks)
	if err != nil {
		s.error(w, r, err)
		return
	}
	units = slices.DeleteFunc(units, func(u consoleUnitRow) bool { return u.Kind == culture.UnitPoint })
	hooks, _, err := s.Webhooks.FindWebhooks(r.Context(), culture.WebhookFilter{
		Within: consoleRoots(acc, culture.ActManageWebhooks), Limit: 200})
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, status, "console_webhooks", "", consoleWebhooksPage{Page: s.page(r, "Webhook 管理"),
		Webhooks: hooks, Units: units, Form: f})
}

// consoleWebhookForm reads a posted webhook form; false when it has
// answered (a body it could not parse).
func (s *Server) consoleWebhookForm(w http.ResponseWriter, r *http.Request) (*consoleForm, bool) {
	if !s.consoleParseForm(w, r) {
		return nil, false
	}
	f := consoleFormFrom(r, "", "unit_id", "url")
	f.Values["events"] = strings.Join(r.PostForm["events"], ",")
	return f, true
}

// events returns the form's chosen event types.
func consoleWebhookEvents(f *consoleForm) []string {
	if f.Get("events") == "" {
		return nil
	}
	return strings.Split(f.Get("events"), ",")
}

func (s *Server) handleConsoleWebhookCreate(w http.ResponseWriter, r *http.Request) {
	f, ok := s.consoleWebhookForm(w, r)
	if !ok {
		return
	}
	hook := &culture.Webhook{URL: f.Get("url"), Events: consoleWebhookEvents(f), CreatedBy: consoleAccount(r).ID}
	if err := s.consoleWebhookUnit(r, f, hook); err != nil {
		s.error(w, r, err)
		return
	}
	var err error
	if f.Valid() {
		err = s.Webhooks.CreateWebhook(r.Context(), hook)
	}
	switch {
	case err == nil && f.Valid():
		s.revealOnce(r, hook.ID)
		s.flash(r, "已添加 Webhook。请把下面的签名密钥配置到接收方，用于校验请求。")
		redirect(w, r, fmt.Sprintf("/console/webhooks/%d", hook.ID))
	case err == nil || f.absorb(err):
		s.renderWebhooks(w, r, http.StatusUnprocessableEntity, f)
	default:
		s.error(w, r, err)
	}
}

// consoleWebhookUnit checks the chosen unit: a problem with the input
// goes on f; a unit the account may not manage webhooks of is returned as
// an error (403).
func (s *Server) consoleWebhookUnit(r *http.Request, f *consoleForm, hook *culture.Webhook) error {
	id := f.id("unit_id")
	if id == nil {
		f.fail("unit_id", "请选择单位。")
		return nil
	}
	_, err := s.consoleUnitFor(r.Context(), consoleAccount(r), culture.ActManageWebhooks, *id)
	switch culture.ErrorCode(err) {
	case "":
		hook.UnitID = *id
	case culture.ENOTFOUND:
		f.fail("unit_id", "所选单位不存在。")
	default:
		return err
	}
	return nil
}

// revealOnce makes the webhook's page show its secret on the next view.
func (s *Server) revealOnce(r *http.Request, id int64) {
	s.sessions.Put(r.Context(), consoleWebhookReveal, strconv.FormatInt(id, 10))
}

// consoleWebhook loads the webhook named by the path and checks that the
// account manages webhooks at its unit. On failure it answers.
func (s *Server) consoleWebhook(w http.ResponseWriter, r *http.Request) (*culture.Webhook, bool) {
	id, ok := consolePathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return nil, false
	}
	hook, err := s.Webhooks.FindWebhookByID(r.Context(), id)
	if err == nil {
		_, err = s.consoleUnitFor(r.Context(), consoleAccount(r), culture.ActManageWebhooks, hook.UnitID)
	}
	if err != nil {
		s.error(w, r, err)
		return nil, false
	}
	return hook, true
}

// consoleWebhookPage is one webhook: its settings, its secret when shown,
// the edit form and a page of its delivery log with each attempt.
type consoleWebhookPage struct {
	Page
	Webhook *culture.Webhook
	// Secret is set only when the page shows the secret.
	Secret     string
	Form       *consoleForm
	Deliveries []*culture.WebhookDelivery
	Total      int
	PageNum    int
	// Status filters the log ("" for all).
	Status string
	// PrevURL and NextURL link the neighbouring pages, "" at the ends.
	PrevURL, NextURL string
}

// Events are the event types to choose from.
func (consoleWebhookPage) Events() []culture.Label { return culture.WebhookEvents }

// Statuses are the log's filter options.
func (consoleWebhookPage) Statuses() []culture.Label {
	return []culture.Label{{Value: culture.WebhookPending, Name: "投递中"},
		{Value: culture.WebhookDelivered, Name: "已送达"}, {Value: culture.WebhookFailed, Name: "失败"}}
}

// MaskedSecret shows the secret's end only.
func (p consoleWebhookPage) MaskedSecret() string {
	s := p.Webhook.Secret
	if len(s) < 10 {
		return "••••••"
	}
	return "whsec_••••••••" + s[len(s)-4:]
}

// Query is the log's query string, kept by the forms on the page.
func (p consoleWebhookPage) Query() string { return consoleWebhookQuery(p.PageNum, p.Status) }

func consoleWebhookQuery(page int, status string) string {
	q := ""
	if page > 1 {
		q = fmt.Sprintf("page=%d", page)
	}
	if status != "" {
		if q != "" {
			q += "&"
		}
		q += "status=" + status
	}
	if q == "" {
		return ""
	}
	return "?" + q
}

// consoleWebhookFormOf prefills the edit form with the webhook.
func consoleWebhookFormOf(hook *culture.Webhook) *consoleForm {
	f := newConsoleForm("edit")
	f.Values["url"], f.Values["events"] = hook.URL, strings.Join(hook.Events, ",")
	return f
}

func (s *Server) handleConsoleWebhook(w http.ResponseWriter, r *http.Request) {
	hook, ok := s.consoleWebhook(w, r)
	if !ok {
		return
	}
	s.renderWebhook(w, r, http.StatusOK, hook, consoleWebhookFormOf(hook))
}

// renderWebhook shows the webhook with the log page the query names
// (?page=, ?status=); a bad page or status is 404.
func (s *Server) renderWebhook(w http.ResponseWriter, r *http.Request, status int, hook *culture.Webhook, f *consoleForm) {
	n, okPage := pageNumber(r)
	filter := r.URL.Query().Get("status")
	if _, known := culture.WebhookStatusLabels[filter]; !okPage || filter != "" && !known {
		s.notFound(w, r)
		return
	}
	data := consoleWebhookPage{Page: s.page(r, "Webhook 详情"), Webhook: hook, Form: f, PageNum: n, Status: filter}
	if err := s.consoleWebhookLog(r, &data); err != nil {
		s.error(w, r, err)
		return
	}
	if s.sessions.GetString(r.Context(), consoleWebhookReveal) == strconv.FormatInt(hook.ID, 10) {
		s.sessions.Remove(r.Context(), consoleWebhookReveal)
		data.Secret = hook.Secret
		// Neither the browser's cache nor a proxy keeps the secret.
		w.Header().Set("Cache-Control", "no-store")
	}
	s.render(w, r, status, "console_webhook", "", data)
}

// consoleWebhookLog fills the page's deliveries, each with its attempts.
func (s *Server) consoleWebhookLog(r *http.Request, p *consoleWebhookPage) error {
	per := consoleWebhookDeliveriesPerPage
	ds, total, err := s.Webhooks.FindWebhookDeliveries(r.Context(), culture.WebhookDeliveryFilter{
		WebhookID: p.Webhook.ID, Status: p.Status, Limit: per, Offset: (p.PageNum - 1) * per})
	if err != nil {
		return err
	}
	for i, d := range ds {
		if ds[i], err = s.Webhooks.FindWebhookDeliveryByID(r.Context(), d.ID); err != nil {
			return err
		}
	}
	p.Deliveries, p.Total = ds, total
	base := fmt.Sprintf("/console/webhooks/%d", p.Webhook.ID)
	if p.PageNum > 1 {
		p.PrevURL = base + consoleWebhookQuery(p.PageNum-1, p.Status)
	}
	if p.PageNum*per < total {
		p.NextURL = base + consoleWebhookQuery(p.PageNum+1, p.Status)
	}
	return nil
}

func (s *Server) handleConsoleWebhookUpdate(w http.ResponseWriter, r *http.Request) {
	hook, ok := s.consoleWebhook(w, r)
	if !ok {
		return
	}
	f, ok := s.consoleWebhookForm(w, r)
	if !ok {
		return
	}
	f.ID = "edit"
	url, events := f.Get("url"), consoleWebhookEvents(f)
	if events == nil {
		events = []string{}
	}
	var err error
	if f.Valid() {
		_, err = s.Webhooks.UpdateWebhook(r.Context(), hook.ID, culture.WebhookUpdate{URL: &url, Events: &events}, consoleAccount(r).ID)
	}
	switch {
	case err == nil && f.Valid():
		s.flash(r, "已保存 Webhook 设置。")
		redirect(w, r, fmt.Sprintf("/console/webhooks/%d", hook.ID))
	case err == nil || f.absorb(err):
		s.renderWebhook(w, r, http.StatusUnprocessableEntity, hook, f)
	default:
		s.error(w, r, err)
	}
}

func (s *Server) handleConsoleWebhookActive(w http.ResponseWriter, r *http.Request) {
	hook, ok := s.consoleWebhook(w, r)
	if !ok || !s.consoleParseForm(w, r) {
		return
	}
	var active bool
	switch r.PostForm.Get("active") {
	case "1":
		active = true
	case "0":
	default:
		s.consoleFail(w, r, http.StatusUnprocessableEntity, "请求参数无效，请返回重试。")
		return
	}
	if _, err := s.Webhooks.UpdateWebhook(r.Context(), hook.ID, culture.WebhookUpdate{Active: &active}, consoleAccount(r).ID); err != nil {
		s.error(w, r, err)
		return
	}
	msg := "已停用 Webhook：新的事件不再发送，尚未送达的投递也不再重试。"
	if active {
		msg = "已启用 Webhook。"
	}
	s.flash(r, msg)
	redirect(w, r, fmt.Sprintf("/console/webhooks/%d", hook.ID))
}

// handleConsoleWebhookReveal shows the secret on the webhook's next view
// (the showing is audited here).
func (s *Server) handleConsoleWebhookReveal(w http.ResponseWriter, r *http.Request) {
	hook, ok := s.consoleWebhook(w, r)
	if !ok {
		return
	}
	if _, err := s.Webhooks.RevealWebhookSecret(r.Context(), hook.ID, consoleAccount(r).ID); err != nil {
		s.error(w, r, err)
		return
	}
	s.revealOnce(r, hook.ID)
	redirect(w, r, fmt.Sprintf("/console/webhooks/%d#secret", hook.ID))
}

func (s *Server) handleConsoleWebhookRotate(w http.ResponseWriter, r *http.Request) {
	hook, ok := s.consoleWebhook(w, r)
	if !ok {
		return
	}
	if _, err := s.Webhooks.RotateWebhookSecret(r.Context(), hook.ID, consoleAccount(r).ID); err != nil {
		s.error(w, r, err)
		return
	}
	s.revealOnce(r, hook.ID)
	s.flash(r, "已更换签名密钥，旧密钥立即失效；请把新密钥配置到接收方。")
	redirect(w, r, fmt.Sprintf("/console/webhooks/%d#secret", hook.ID))
}

func (s *Server) handleConsoleWebhookDelete(w http.ResponseWriter, r *http.Request) {
	hook, ok := s.consoleWebhook(w, r)
	if !ok {
		return
	}
	if err := s.Webhooks.DeleteWebhook(r.Context(), hook.ID, consoleAccount(r).ID); err != nil {
		s.error(w, r, err)
		return
	}
	s.flash(r, "已删除 Webhook："+hook.URL)
	redirect(w, r, "/console/webhooks")
}

// handleConsoleWebhookResend queues a delivery of the webhook again. A
// refusal (still in progress, webhook disabled) comes back as the flash.
func (s *Server) handleConsoleWebhookResend(w http.ResponseWriter, r *http.Request) {
	hook, ok := s.consoleWebhook(w, r)
	if !ok {
		return
	}
	id, ok := consolePathID(r, "delivery")
	var d *culture.WebhookDelivery
	var err error
	if ok {
		d, err = s.Webhooks.FindWebhookDeliveryByID(r.Context(), id)
	}
	if !ok || err == nil && d.WebhookID != hook.ID || culture.ErrorCode(err) == culture.ENOTFOUND {
		s.notFound(w, r)
		return
	}
	if err == nil {
		_, err = s.Webhooks.ResendWebhookDelivery(r.Context(), id)
	}
	switch code := culture.ErrorCode(err); {
	case err == nil:
		s.flash(r, fmt.Sprintf("已重新排队投递 #%d，稍后刷新查看结果。", id))
	case code == culture.ECONFLICT || code == culture.EINVALID:
		s.flash(r, "未能重发："+culture.ErrorMessage(err))
	default:
		s.error(w, r, err)
		return
	}
	redirect(w, r, fmt.Sprintf("/console/webhooks/%d%s#d%d", hook.ID, consoleWebhookBack(r), id))
}

// consoleWebhookBack keeps the log's page and filter, as the form's action
// carried them; only known values pass, as they go into a URL.
func consoleWebhookBack(r *http.Request) string {
	q := r.URL.Query()
	page, _ := pageNumber(r)
	status := q.Get("status")
	if _, ok := culture.WebhookStatusLabels[status]; !ok {
		status = ""
	}
	return consoleWebhookQuery(page, status)
}

// AttemptTime shows an attempt's time to the second, in Asia/Shanghai.
func (consoleWebhookPage) AttemptTime(t time.Time) string {
	return t.In(culture.Shanghai).Format("1月2日 15:04:05")
}
