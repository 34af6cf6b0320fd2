package api

import (
	"net/http"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// errNoInbox answers the inbox routes when the API runs without a
// NotificationService.
var errNoInbox = notFound("站内通知功能未启用。")

// notificationJSON is a message in the caller's inbox. Link is a local
// path of the site ("/me/tickets/12"), or empty.
type notificationJSON struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind"`
	KindLabel string     `json:"kind_label"`
	Title     string     `json:"title"`
	Body      string     `json:"body"`
	Link      string     `json:"link"`
	CreatedAt *time.Time `json:"created_at"`
	ReadAt    *time.Time `json:"read_at"`
}

func newNotificationJSON(n *culture.Notification) notificationJSON {
	v := notificationJSON{ID: n.ID, Kind: n.Kind, KindLabel: n.KindLabel(), Title: n.Title, Body: n.Body,
		Link: n.Link, CreatedAt: utc(n.CreatedAt)}
	if n.ReadAt != nil {
		v.ReadAt = utc(*n.ReadAt)
	}
	return v
}

// notificationList is a page of the inbox with the unread count of all of
// it (the badge in the header).
type notificationList struct {
	Items  []notificationJSON `json:"items"`
	Total  int                `json:"total"`
	Unread int                `json:"unread"`
}

// handleNotificationIndex lists the caller's notifications, newest first,
// optionally only the unread ones.
func (a *API) handleNotificationIndex(w http.ResponseWriter, r *http.Request) {
	q, me := r.URL.Query(), account(r.Context())
	unread, err := queryBool(q, "unread")
	var limit, offset int
	if err == nil {
		limit, offset, err = limitOffset(q)
	}
	var found []*culture.Notification
	out := notificationList{Items: []notificationJSON{}}
	if err == nil {
		found, out.Total, err = a.inbox.FindNotifications(r.Context(), me.ID, unread, limit, offset)
	}
	if err == nil {
		out.Unread, err = a.inbox.UnreadCount(r.Context(), me.ID)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	for _, n := range found {
		out.Items = append(out.Items, newNotificationJSON(n))
	}
	a.writeJSON(w, r, http.StatusOK, out)
}

// handleNotificationRead marks one of the caller's notifications read.
func (a *API) handleNotificationRead(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = a.inbox.MarkRead(r.Context(), account(r.Context()).ID, id)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleNotificationReadAll marks all the caller's notifications read.
func (a *API) handleNotificationReadAll(w http.ResponseWriter, r *http.Request) {
	if err := a.inbox.MarkRead(r.Context(), account(r.Context()).ID, 0); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// prefsJSON are the caller's notification preferences: the external
// channels chosen (the inbox always receives everything) and their
// addresses. SMS goes to the account's phone.
type prefsJSON struct {
	Channels []string `json:"channels"`
	Email    string   `json:"email"`
	WeChatID string   `json:"wechat_openid"`
}

// newPrefsJSON lists the chosen channels in display order.
func newPrefsJSON(p *culture.NotificationPrefs) prefsJSON {
	v := prefsJSON{Channels: []string{}, Email: p.Email, WeChatID: p.WeChatID}
	for _, ch := range culture.ExternalChannels {
		if p.Channels[ch.Value] {
			v.Channels = append(v.Channels, ch.Value)
		}
	}
	return v
}

// prefs turns a request into domain preferences; unknown channels are
// kept, for Validate to refuse.
func (j *prefsJSON) prefs(accountID int64) *culture.NotificationPrefs {
	p := &culture.NotificationPrefs{AccountID: accountID, Channels: map[string]bool{}, Email: j.Email, WeChatID: j.WeChatID}
	for _, ch := range j.Channels {
		p.Channels[ch] = true
	}
	return p
}

// handlePrefsView shows the caller's notification preferences.
func (a *API) handlePrefsView(w http.ResponseWriter, r *http.Request) {
	p, err := a.inbox.FindPrefs(r.Context(), account(r.Context()).ID)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, newPrefsJSON(p))
}

// handlePrefsUpdate replaces the caller's notification preferences. They
// are checked whole before anything is stored.
func (a *API) handlePrefsUpdate(w http.ResponseWriter, r *http.Request) {
	var body prefsJSON
	err := decodeJSON(w, r, &body)
	p := body.prefs(account(r.Context()).ID)
	if err == nil {
		err = p.Validate()
	}
	if err == nil {
		err = a.inbox.UpdatePrefs(r.Context(), p)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, newPrefsJSON(p))
}
