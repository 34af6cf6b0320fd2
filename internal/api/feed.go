package api

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/wenyun/wenyun/internal/culture"
)

// errNoFeeds answers the calendar routes when the API runs without the
// feed service.
var errNoFeeds = notFound("日历订阅功能未启用。")

// feedRoutes lists the issue-6 routes of this file; each answers 404 without
// its service. The .ics feeds themselves are web routes (/ical/...), not
// API ones: see docs/calendar.md.
func (a *API) feedRoutes(r router) {
	f := a.with(a.feeds != nil, errNoFeeds)
	r.Handle("GET /api/v1/me/calendar", a.requireAccount(f(a.handleCalendarView)))
	r.Handle("POST /api/v1/me/calendar/reset", a.requireAccount(f(a.handleCalendarReset)))
}

// calendarJSON is the caller's secret feed address, as https (or http)
// and as webcal:// for phones.
type calendarJSON struct {
	URL       string `json:"url"`
	WebcalURL string `json:"webcal_url"`
}

// handleCalendarView shows the caller's feed address, creating the feed
// token on first use.
func (a *API) handleCalendarView(w http.ResponseWriter, r *http.Request) {
	token, err := a.feeds.FeedToken(r.Context(), account(r.Context()).ID)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, newCalendarJSON(r, token))
}

// handleCalendarReset replaces the caller's feed token; the old address
// answers 404 from then on.
func (a *API) handleCalendarReset(w http.ResponseWriter, r *http.Request) {
	token, err := a.feeds.ResetFeedToken(r.Context(), account(r.Context()).ID)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, newCalendarJSON(r, token))
}

// siteHost accepts a host name or IP literal with an optional port.
var siteHost = regexp.MustCompile(`^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$`)

// newCalendarJSON builds the feed address on the host the request came
// to: https when TLS ends here or a proxy says so (X-Forwarded-Proto).
func newCalendarJSON(r *http.Request, token string) calendarJSON {
	host := r.Host
	if !siteHost.MatchString(host) {
		host = "localhost"
	}
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	path := host + culture.MyFeedPath(token)
	return calendarJSON{URL: scheme + "://" + path, WebcalURL: "webcal://" + path}
}
