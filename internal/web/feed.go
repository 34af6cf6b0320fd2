package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/ical"
)

// feedRoutes lists the iCalendar feeds and the resident's calendar page.
// Each answers 404 without the feed service.
func (s *Server) feedRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /ical/units/{file}", s.handleUnitFeed)
	mux.HandleFunc("GET /ical/series/{file}", s.handleSeriesFeed)
	mux.HandleFunc("GET /ical/me/{file}", s.handleMyFeed)
	mux.HandleFunc("GET /me/calendar", s.handleCalendarView)
	mux.HandleFunc("POST /me/calendar/reset", s.handleCalendarReset)
}

// Feed caching: public feeds may be cached for five minutes by anyone;
// the personal feed by no one. Calendar apps poll about hourly
// (feedRefresh asks for that).
const (
	publicFeedCache   = "public, max-age=300"
	personalFeedCache = "private, no-store"
	feedRefresh       = time.Hour
)

// feedFile returns the name in a feed's {file} path value, which must end
// in ".ics".
func feedFile(r *http.Request) (string, bool) {
	return strings.CutSuffix(r.PathValue("file"), ".ics")
}

// handleUnitFeed serves /ical/units/{id}.ics: the activities of the unit
// and its subtree. Only the canonical id is a feed: 01.ics and +1.ics are
// 404, so that one feed has one address (and one cache entry).
func (s *Server) handleUnitFeed(w http.ResponseWriter, r *http.Request) {
	name, ok := feedFile(r)
	id, err := strconv.ParseInt(name, 10, 64)
	if !ok || err != nil || id <= 0 || strconv.FormatInt(id, 10) != name || s.Feeds == nil {
		s.notFound(w, r)
		return
	}
	u, err := s.Units.FindUnitByID(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	f := culture.FeedFilter{FeedWindow: culture.FeedWindowAt(s.Now()), Within: &u.ID}
	s.servePublicFeed(w, r, f, u.Name+" · 活动日历", u.Name+"及下属文化点的公开活动。")
}

// handleSeriesFeed serves /ical/series/{slug}.ics: a series' activities.
func (s *Server) handleSeriesFeed(w http.ResponseWriter, r *http.Request) {
	slug, ok := feedFile(r)
	if !ok || s.Feeds == nil {
		s.notFound(w, r)
		return
	}
	se, err := s.seriesBySlug(r, slug)
	if err != nil {
		s.error(w, r, err)
		return
	}
	f := culture.FeedFilter{FeedWindow: culture.FeedWindowAt(s.Now()), SeriesID: &se.ID}
	s.servePublicFeed(w, r, f, se.Name+" · 活动日历", se.Name+"系列的公开活动。")
}

// seriesBySlug finds a series by its slug (there are few series).
func (s *Server) seriesBySlug(r *http.Request, slug string) (*culture.Series, error) {
	all, err := s.Activities.FindSeries(r.Context())
	if err != nil {
		return nil, err
	}
	for _, se := range all {
		if se.Slug == slug {
			return se, nil
		}
	}
	return nil, culture.Errorf(culture.ENOTFOUND, "系列不存在。")
}

func (s *Server) servePublicFeed(w http.ResponseWriter, r *http.Request, f culture.FeedFilter, name, desc string) {
	evs, err := s.Feeds.FeedActivities(r.Context(), f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	site := s.feedSite(w, r)
	cal := &ical.Calendar{Name: name, Description: desc, Refresh: feedRefresh}
	for _, e := range evs {
		cal.Events = append(cal.Events, site.activityEvent(e))
	}
	s.writeFeed(w, r, cal, publicFeedCache)
}

// handleMyFeed serves /ical/me/{token}.ics: the bookings of the account
// holding the token. An unknown or reset token is 404.
func (s *Server) handleMyFeed(w http.ResponseWriter, r *http.Request) {
	token, ok := feedFile(r)
	if !ok || !culture.ValidFeedToken(token) || s.Feeds == nil {
		s.error(w, r, culture.ErrFeedToken)
		return
	}
	acct, err := s.Feeds.FindAccountByFeedToken(r.Context(), token)
	var evs []*culture.FeedEvent
	if err == nil {
		evs, err = s.Feeds.FeedBookings(r.Context(), acct.ID, culture.FeedWindowAt(s.Now()))
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	site := s.feedSite(w, r)
	cal := &ical.Calendar{Name: "我的票券 · 解放区数字文化馆", Refresh: feedRefresh,
		Description: "您在解放区数字文化馆预约的活动（含为家人预约的）。"}
	for _, e := range evs {
		cal.Events = append(cal.Events, site.bookingEvent(e))
	}
	w.Header().Set("X-Robots-Tag", "noindex")
	w.Header().Set("Referrer-Policy", "no-referrer")
	s.writeFeed(w, r, cal, personalFeedCache)
}

// writeFeed writes the calendar with its caching headers. The ETag hashes
// the body, which depends only on the data (DTSTAMP is each event's last
// change), so an unchanged feed answers If-None-Match with 304.
func (s *Server) writeFeed(w http.ResponseWriter, r *http.Request, cal *ical.Calendar, cache string) {
	body, err := cal.Bytes()
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Cache-Control", cache)
	etag := feedETag(body)
	h.Set("ETag", etag)
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// feedETag returns a weak ETag of a calendar body. Weak: a feed is the
// same calendar for as long as its data is, whatever bytes a later
// version of the writer makes of it.
func feedETag(body []byte) string {
	sum := sha256.Sum256(body)
	return `W/"` + hex.EncodeToString(sum[:16]) + `"`
}

// etagMatches applies If-None-Match with the weak comparison of RFC 9110
// (a W/ prefix on either side is ignored; "*" matches).
func etagMatches(header, etag string) bool {
	etag = strings.TrimPrefix(etag, "W/")
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == "*" || tag == etag {
			return true
		}
	}
	return false
}

// logPath is the request's path as logs may show it: a personal feed's
// secret token is cut (/ical/me/…), whatever the case or odd slashes of
// the path that carried it.
func logPath(r *http.Request) string {
	p := r.URL.Path
	if c := path.Clean("/" + p); len(c) >= len("/ical/me/") && strings.EqualFold(c[:len("/ical/me/")], "/ical/me/") {
		return "/ical/me/…"
	}
	return p
}

// feedSite is what events link to: the site's address, and the host that
// qualifies UIDs.
type feedSite struct {
	base string // "https://wenyun.example"
	host string // "wenyun.example"
	now  time.Time
}

// hostRE accepts a host name or IP literal with an optional port.
var hostRE = regexp.MustCompile(`^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$`)

// publicSite reads Config.PublicURL: the links' base (scheme, host and
// any path, without a trailing slash) and the UID host (the host name in
// lower case, without port).
// CheckPublicURL reports whether raw can serve as Config.PublicURL, so
// that serve refuses a bad --public-url with its own flag message.
func CheckPublicURL(raw string) error {
	_, _, err := publicSite(raw)
	return err
}

func publicSite(raw string) (base, host string, err error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" || !hostRE.MatchString(u.Host) || !ical.ValidURI(raw) {
		return "", "", fmt.Errorf("web: public URL %q: want the site's http:// or https:// address, such as https://wenyun.example.cn", raw)
	}
	return u.Scheme + "://" + u.Host + strings.TrimSuffix(u.EscapedPath(), "/"), strings.ToLower(strings.Trim(u.Hostname(), "[]")), nil
}

// feedSite returns the site's address: Config.PublicURL when set, so that
// no request header can change a link or UID of a cached feed. Without it,
// the address the request reached: https when TLS ends here, when a proxy
// says so (X-Forwarded-Proto) or when cookies are Secure (the site is
// behind TLS), the Host header for the host; the reply then varies with
// those headers (Vary).
func (s *Server) feedSite(w http.ResponseWriter, r *http.Request) feedSite {
	if s.PublicURL != "" {
		if base, host, err := publicSite(s.PublicURL); err == nil { // New checked it
			return feedSite{base: base, host: host, now: s.Now()}
		}
	}
	w.Header().Add("Vary", "Host, X-Forwarded-Proto")
	host := r.Host
	if !hostRE.MatchString(host) {
		host = "localhost"
	}
	scheme := "http"
	if r.TLS != nil || s.Secure || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	name := host
	if i := strings.LastIndexByte(host, ':'); i > strings.LastIndexByte(host, ']') {
		name = host[:i]
	}
	return feedSite{base: scheme + "://" + host, host: strings.ToLower(strings.Trim(name, "[]")), now: s.Now()}
}

// feedURLs returns a feed's https (or http) address and its webcal://
// form, which phones open in their calendar app.
func (fs feedSite) feedURLs(path string) (httpURL string, webcal template.URL) {
	httpURL = fs.base + path
	_, rest, _ := strings.Cut(httpURL, "://")
	return httpURL, template.URL("webcal://" + rest)
}

// activityEvent is an activity as a public feed shows it; a cancelled one
// says so in its status and title.
func (fs feedSite) activityEvent(e *culture.FeedEvent) ical.Event {
	a := e.Activity
	link := fs.base + "/activities/" + strconv.FormatInt(a.ID, 10)
	ev := ical.Event{
		UID: fmt.Sprintf("activity-%d@%s", a.ID, fs.host), Stamp: fs.stamp(e), Sequence: sequence(a.CreatedAt, a.UpdatedAt),
		Start: a.StartsAt, End: a.EndsAt,
		Summary: a.Title, Description: activityText(a, "详情与预约："+link), Location: feedLocation(a),
		URL: link, Status: ical.StatusConfirmed, LastModified: e.UpdatedAt, Categories: feedCategories(a),
	}
	if a.Status == culture.ActivityCancelled {
		ev.Status, ev.Summary = ical.StatusCancelled, "【已取消】"+a.Title
	}
	return ev
}

// bookingEvent is a booking as the personal feed shows it: the activity
// with who attends; a booking not yet confirmed is tentative and says
// its state in the title, one cancelled with its activity is cancelled.
func (fs feedSite) bookingEvent(e *culture.FeedEvent) ical.Event {
	b, a := e.Booking, e.Activity
	link := fs.base + "/me/tickets/" + strconv.FormatInt(b.ID, 10)
	ev := fs.activityEvent(e)
	ev.UID, ev.URL = fmt.Sprintf("booking-%d@%s", b.ID, fs.host), link
	ev.Sequence = sequence(b.CreatedAt, e.UpdatedAt)
	ev.Description = bookingText(b) + "\n\n" + activityText(a, "我的票券："+link)
	switch {
	case a.Status == culture.ActivityCancelled || b.Status == culture.BookingCancelled:
		ev.Status, ev.Summary = ical.StatusCancelled, "【活动已取消】"+a.Title
	case b.Status == culture.BookingConfirmed || b.Status == culture.BookingCheckedIn:
		ev.Status = ical.StatusConfirmed
	default:
		ev.Status, ev.Summary = ical.StatusTentative, "【"+b.StatusLabel()+"】"+a.Title
	}
	return ev
}

// stamp is an event's DTSTAMP: its last change (a feed has no METHOD, so
// DTSTAMP means what LAST-MODIFIED does), the time of the response only
// for a record without one.
func (fs feedSite) stamp(e *culture.FeedEvent) time.Time {
	if e.UpdatedAt.IsZero() {
		return fs.now
	}
	return e.UpdatedAt
}

// sequence is an event's SEQUENCE: the seconds from the record's creation
// to its last change, at least 0 and at most 2^31-1. updated_at only moves
// forward, so the number never decreases, and every edit of the activity
// (a new time, room or title, a cancellation) makes it grow, which tells
// calendar apps that a version is newer. An activity's event counts from
// the activity's created_at to its updated_at; a booking's from the
// booking's created_at to the later of the booking's and the activity's
// updated_at, so a rescheduled activity and a booking confirmed from the
// waiting list both raise it.
func sequence(created, updated time.Time) int {
	return int(min(max(updated.Unix()-created.Unix(), 0), math.MaxInt32))
}

// bookingText names the booking's attendees and state. The ticket code is
// left out: a calendar is often synced to other services, and the code
// admits its holder; the ticket page (signed in) shows it.
func bookingText(b *culture.Booking) string {
	names := make([]string, 0, len(b.Attendees))
	for _, at := range b.Attendees {
		if at.Self {
			names = append(names, at.Name+"（本人）")
		} else {
			names = append(names, at.Name)
		}
	}
	return fmt.Sprintf("预约状态：%s\n参加人：%s（共 %d 人）", b.StatusLabel(), strings.Join(names, "、"), b.Seats)
}

// activityText describes an activity: its description, then its facts,
// then the link.
func activityText(a *culture.Activity, link string) string {
	var lines []string
	if d := strings.TrimSpace(a.Description); d != "" {
		lines = append(lines, d, "")
	}
	lines = append(lines, "类别："+a.Category)
	if a.Audience != "" {
		lines = append(lines, "适合人群："+a.Audience)
	}
	lines = append(lines, "预约方式："+a.ModeLabel())
	if a.SeriesName != "" {
		lines = append(lines, "系列："+a.SeriesName)
	}
	return strings.Join(append(lines, link), "\n")
}

// feedLocation is "unit room（address）".
func feedLocation(a *culture.Activity) string {
	loc := a.UnitName
	if a.RoomName != "" {
		loc += " " + a.RoomName
	}
	if a.Address != "" {
		loc += "（" + a.Address + "）"
	}
	return loc
}

func feedCategories(a *culture.Activity) []string {
	if a.SeriesName != "" {
		return []string{a.Category, a.SeriesName}
	}
	return []string{a.Category}
}

// calendarPage is the data of /me/calendar.
type calendarPage struct {
	Page
	// URL and Webcal are the resident's personal feed. Webcal is a
	// template.URL: html/template would refuse the webcal: scheme, and the
	// address is built here from a checked host and a token of a checked
	// shape.
	URL    string
	Webcal template.URL
	// Feeds are the public feeds of the resident's home branch and
	// followed series.
	Feeds []calendarFeed
}

// calendarFeed is a public feed offered on /me/calendar.
type calendarFeed struct {
	Name, Kind string
	URL        string
	Webcal     template.URL
}

// handleCalendarView shows the resident's feed address (creating the
// token on the first visit) and the feeds of their branch and series.
func (s *Server) handleCalendarView(w http.ResponseWriter, r *http.Request) {
	acct := s.currentAccount(w, r)
	if acct == nil {
		return
	}
	if s.Feeds == nil {
		s.notFound(w, r)
		return
	}
	// The page shows the secret address: no cache may keep it.
	w.Header().Set("Cache-Control", personalFeedCache)
	site := s.feedSite(w, r)
	token, err := s.Feeds.FeedToken(r.Context(), acct.ID)
	var feeds []calendarFeed
	if err == nil {
		feeds, err = s.publicFeeds(r, acct, site)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	data := calendarPage{Page: s.page(r, "我的日历"), Feeds: feeds}
	data.URL, data.Webcal = site.feedURLs(culture.MyFeedPath(token))
	s.render(w, r, http.StatusOK, "calendar", "", &data)
}

// publicFeeds lists the feeds of the account's home branch and followed
// series.
func (s *Server) publicFeeds(r *http.Request, acct *culture.Account, site feedSite) ([]calendarFeed, error) {
	var out []calendarFeed
	if acct.HomeUnitID != nil {
		u, err := s.Units.FindUnitByID(r.Context(), *acct.HomeUnitID)
		if err != nil {
			return nil, err
		}
		f := calendarFeed{Name: u.Name, Kind: "常去场馆"}
		f.URL, f.Webcal = site.feedURLs(unitFeedPath(u.ID))
		out = append(out, f)
	}
	series, err := s.Feeds.FollowedSeries(r.Context(), acct.ID)
	if err != nil {
		return nil, err
	}
	for _, se := range series {
		f := calendarFeed{Name: se.Name, Kind: "关注的系列"}
		f.URL, f.Webcal = site.feedURLs(seriesFeedPath(se.Slug))
		out = append(out, f)
	}
	return out, nil
}

// unitFeedPath and seriesFeedPath are the paths of the public feeds.
func unitFeedPath(id int64) string      { return "/ical/units/" + strconv.FormatInt(id, 10) + ".ics" }
func seriesFeedPath(slug string) string { return "/ical/series/" + slug + ".ics" }

// handleCalendarReset gives the resident a new feed address; the old one
// answers 404 from then on.
func (s *Server) handleCalendarReset(w http.ResponseWriter, r *http.Request) {
	acct := s.signedInFor(w, r, "/me/calendar")
	if acct == nil || !s.readForm(w, r) {
		return
	}
	if s.Feeds == nil {
		s.notFound(w, r)
		return
	}
	if _, err := s.Feeds.ResetFeedToken(r.Context(), acct.ID); err != nil {
		s.error(w, r, err)
		return
	}
	s.flash(r, "订阅地址已重置，旧地址已失效。请用新地址重新订阅。")
	redirect(w, r, "/me/calendar")
}
