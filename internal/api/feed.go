package api

import (
	"fmt"
	"net/http"
	"net/url"
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
	a.writeJSON(w, r, http.StatusOK, newCalendarJSON(a.siteBase(w, r), token))
}

// handleCalendarReset replaces the caller's feed token; the old address
// answers 404 from then on.
func (a *API) handleCalendarReset(w http.ResponseWriter, r *http.Request) {
	token, err := a.feeds.ResetFeedToken(r.Context(), account(r.Context()).ID)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, newCalendarJSON(a.siteBase(w, r), token))
}

// newCalendarJSON is the feed address under the site's base.
func newCalendarJSON(base, token string) calendarJSON {
	u := base + culture.MyFeedPath(token)
	_, rest, _ := strings.Cut(u, "://")
	return calendarJSON{URL: u, WebcalURL: "webcal://" + rest}
}

// siteHost accepts a host name or IP literal with an optional port.
var siteHost = regexp.MustCompile(`^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$`)

// mustPublicBase checks Config.PublicURL and returns it without a
// trailing slash; "" stays "". A malformed one is a wiring mistake (cmd
// checks --public-url): New panics.
func mustPublicBase(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || !siteHost.MatchString(u.Host) || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" || strings.ContainsFunc(raw, func(c rune) bool { return c <= ' ' || c >= 0x7f }) {
		panic(fmt.Sprintf("api.New: PublicURL %q is not the site's http:// or https:// address", raw))
	}
	return u.Scheme + "://" + u.Host + strings.TrimSuffix(u.EscapedPath(), "/")
}

// siteBase is the site's address for absolute links: Config.PublicURL when
// set, so that no request header can change a link of a cached reply.
// Without it, the address the request reached: https when TLS ends here
// or a proxy says so (X-Forwarded-Proto, in any case), the Host header for
// the host (a malformed one becomes localhost); the reply then varies with
// those headers (Vary).
func (a *API) siteBase(w http.ResponseWriter, r *http.Request) string {
	if a.publicURL != "" {
		return a.publicURL
	}
	w.Header().Add("Vary", "Host, X-Forwarded-Proto")
	host := r.Host
	if !siteHost.MatchString(host) {
		host = "localhost"
	}
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + host
}
