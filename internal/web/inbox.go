package web

import (
	"cmp"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/wenyun/wenyun/internal/culture"
)

// inboxPerPage is the number of notifications on one page of the inbox.
const inboxPerPage = 20

// inboxRoutes lists the inbox and notification-preference pages. Without
// the notification service they answer 404.
func (s *Server) inboxRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /me/inbox", s.handleInboxIndex)
	mux.HandleFunc("POST /me/inbox/read-all", s.handleInboxReadAll)
	mux.HandleFunc("POST /me/inbox/{id}/read", s.handleInboxRead)
	mux.HandleFunc("GET /me/notifications", s.handlePrefsView)
	mux.HandleFunc("POST /me/notifications", s.handlePrefsUpdate)
}

// inboxPage is the data of the inbox.
type inboxPage struct {
	Page
	Items []inboxItem
	Total int
	// PageNum is the page shown, of Pages; PrevURL and NextURL are "" at
	// the ends.
	PageNum, Pages   int
	PrevURL, NextURL string
}

// inboxItem is a notification as the inbox shows it.
type inboxItem struct {
	*culture.Notification
	// Target is the notification's link when it is a path on this site,
	// else "": only such links are followed.
	Target string
}

// KindName names the notification's kind, or says 通知 for a kind this
// version does not know.
func (i inboxItem) KindName() string { return cmp.Or(i.KindLabel(), "通知") }

// Unread reports whether the notification has not been read.
func (i inboxItem) Unread() bool { return i.ReadAt == nil }

func inboxItems(ns []*culture.Notification) []inboxItem {
	items := make([]inboxItem, len(ns))
	for i, n := range ns {
		items[i] = inboxItem{Notification: n}
		if localPath(n.Link) {
			items[i].Target = n.Link
		}
	}
	return items
}

// inboxAccount returns the signed-in account, or answers: 404 without the
// notification service, else a redirect to sign in and come back to back.
func (s *Server) inboxAccount(w http.ResponseWriter, r *http.Request, back string) *culture.Account {
	if s.Notifications == nil {
		s.notFound(w, r)
		return nil
	}
	acct := culture.AccountFromContext(r.Context())
	if acct == nil {
		redirect(w, r, "/login?next="+url.QueryEscape(back))
	}
	return acct
}

// handleInboxIndex lists the resident's notifications, newest first.
func (s *Server) handleInboxIndex(w http.ResponseWriter, r *http.Request) {
	acct := s.inboxAccount(w, r, r.URL.RequestURI())
	if acct == nil {
		return
	}
	n := 1
	if err := parsePage(r.URL.Query().Get("page"), &n); err != nil {
		s.error(w, r, err)
		return
	}
	ns, total, err := s.Notifications.FindNotifications(r.Context(), acct.ID, false, inboxPerPage, (n-1)*inboxPerPage)
	if err != nil {
		s.error(w, r, err)
		return
	}
	data := inboxPage{Page: s.page(r, "我的消息"), Items: inboxItems(ns), Total: total, PageNum: n,
		Pages: (total + inboxPerPage - 1) / inboxPerPage}
	data.PrevURL, data.NextURL = inboxPageURL(n-1, data.Pages), inboxPageURL(n+1, data.Pages)
	s.render(w, r, http.StatusOK, "inbox", "", &data)
}

// inboxPageURL returns the inbox URL of page n, or "" when there is no
// such page.
func inboxPageURL(n, pages int) string {
	if n < 1 || n > pages {
		return ""
	}
	return "/me/inbox?page=" + strconv.Itoa(n)
}

// handleInboxRead marks one notification read and follows its link. The
// link comes from the form (field next, the notification's own link as
// the inbox rendered it): the service has no lookup by id, and only a path
// on this site is followed, so a forged value leads nowhere else.
func (s *Server) handleInboxRead(w http.ResponseWriter, r *http.Request) {
	acct := s.inboxAccount(w, r, "/me/inbox")
	if acct == nil || !s.readForm(w, r) {
		return
	}
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	if err := s.Notifications.MarkRead(r.Context(), acct.ID, id); err != nil {
		s.error(w, r, err)
		return
	}
	if next := r.PostForm.Get("next"); localPath(next) {
		redirect(w, r, next)
		return
	}
	redirect(w, r, "/me/inbox")
}

// handleInboxReadAll marks every notification of the resident read.
func (s *Server) handleInboxReadAll(w http.ResponseWriter, r *http.Request) {
	acct := s.inboxAccount(w, r, "/me/inbox")
	if acct == nil {
		return
	}
	if err := s.Notifications.MarkRead(r.Context(), acct.ID, 0); err != nil {
		s.error(w, r, err)
		return
	}
	s.flash(r, "全部消息已标为已读。")
	redirect(w, r, "/me/inbox")
}

// prefsPage is the data of the notification preferences page.
type prefsPage struct {
	Page
	Prefs *culture.NotificationPrefs
	// Channels are the external channels offered, in display order.
	Channels []culture.Label
	Error    string
	// Field names the input the error is about.
	Field string
}

// Chosen reports whether the channel is switched on in the form.
func (p *prefsPage) Chosen(channel string) bool { return p.Prefs.Channels[channel] }

// handlePrefsView shows the resident's notification channels.
func (s *Server) handlePrefsView(w http.ResponseWriter, r *http.Request) {
	acct := s.inboxAccount(w, r, "/me/notifications")
	if acct == nil {
		return
	}
	p, err := s.Notifications.FindPrefs(r.Context(), acct.ID)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.renderPrefs(w, r, http.StatusOK, prefsPage{Prefs: p})
}

func (s *Server) renderPrefs(w http.ResponseWriter, r *http.Request, status int, data prefsPage) {
	data.Page, data.Channels = s.page(r, "通知设置"), culture.ExternalChannels
	s.render(w, r, status, "notification_prefs", "", &data)
}

// handlePrefsUpdate stores the resident's channels: form fields channel
// (repeated: sms, email, wechat), email and wechat_openid. Invalid input
// shows the form again with 422 and changes nothing.
func (s *Server) handlePrefsUpdate(w http.ResponseWriter, r *http.Request) {
	acct := s.inboxAccount(w, r, "/me/notifications")
	if acct == nil || !s.readForm(w, r) {
		return
	}
	p := prefsFromForm(acct.ID, r.PostForm)
	if err := s.Notifications.UpdatePrefs(r.Context(), p); err != nil {
		s.refusePrefs(w, r, p, err)
		return
	}
	s.flash(r, "通知设置已保存。")
	redirect(w, r, "/me/notifications")
}

// prefsFromForm reads the preferences form as submitted; UpdatePrefs
// validates it.
func prefsFromForm(accountID int64, form url.Values) *culture.NotificationPrefs {
	p := &culture.NotificationPrefs{
		AccountID: accountID, Channels: map[string]bool{},
		Email:    strings.TrimSpace(form.Get("email")),
		WeChatID: strings.TrimSpace(form.Get("wechat_openid")),
	}
	for _, ch := range form["channel"] {
		p.Channels[ch] = true
	}
	return p
}

// refusePrefs shows the form again, as submitted, with the message.
func (s *Server) refusePrefs(w http.ResponseWriter, r *http.Request, p *culture.NotificationPrefs, err error) {
	code := culture.ErrorCode(err)
	if code != culture.EINVALID {
		s.error(w, r, err)
		return
	}
	s.renderPrefs(w, r, statusOf[code], prefsPage{Prefs: p, Error: culture.ErrorMessage(err), Field: errorField(err)})
}
