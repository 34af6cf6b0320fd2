package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/wenyun/wenyun/internal/culture"
)

// Seat states of an activity card, worked out at the time of the request.
const (
	stateAvailable = "available"
	stateOpening   = "opening" // booking opens later: count down
	stateSoldOut   = "sold_out"
	stateClosed    = "closed"
	stateNoBooking = "no_booking"
	stateCancelled = "cancelled"
	stateEnded     = "ended"
)

// activityCard is an activity as listed, with its seat state at now.
type activityCard struct {
	*culture.Activity
	State string
}

func newActivityCard(a *culture.Activity, now time.Time) activityCard {
	return activityCard{Activity: a, State: seatState(a, now)}
}

func activityCards(as []*culture.Activity, now time.Time) []activityCard {
	out := make([]activityCard, len(as))
	for i, a := range as {
		out[i] = newActivityCard(a, now)
	}
	return out
}

// seatState names why an activity can or cannot be booked at now.
func seatState(a *culture.Activity, now time.Time) string {
	if a.Status != culture.ActivityCancelled && !now.Before(a.EndsAt) {
		return stateEnded
	}
	switch culture.ErrorReason(a.BookingState(now)) {
	case "":
		return stateAvailable
	case culture.ReasonCancelled:
		return stateCancelled
	case culture.ReasonNoBooking:
		return stateNoBooking
	case culture.ReasonNotOpen:
		return stateOpening
	case culture.ReasonSoldOut:
		return stateSoldOut
	}
	return stateClosed
}

// activitiesPerPage is the page size of the activity list.
const activitiesPerPage = 20

// activitiesPage is the data of the activity list.
type activitiesPage struct {
	Page
	Query activityQuery
	// Units fill the branch select.
	Units []*culture.Unit
	Items []activityCard
	Total int
	// Pages is the number of pages; PrevURL and NextURL are "" at the ends.
	Pages            int
	PrevURL, NextURL string
	Error            string
}

// handleActivityIndex lists activities by branch, dates, category,
// bookability and search text. An htmx request gets the results block.
func (s *Server) handleActivityIndex(w http.ResponseWriter, r *http.Request) {
	units, _, err := s.Units.FindUnits(r.Context(), culture.UnitFilter{})
	if err != nil {
		s.error(w, r, err)
		return
	}
	q, err := parseActivityQuery(r.URL.Query())
	data := activitiesPage{Page: s.page(r, "活动"), Query: q, Units: units}
	if err != nil {
		data.Error = culture.ErrorMessage(err)
		s.renderActivities(w, r, http.StatusUnprocessableEntity, data)
		return
	} else if q.UnitID != 0 && !hasUnit(units, q.UnitID) {
		s.notFound(w, r)
		return
	}
	as, total, err := s.Activities.FindActivities(r.Context(), q.filter(s.Now()))
	if err != nil {
		s.error(w, r, err)
		return
	}
	data.Items, data.Total = activityCards(as, s.Now()), total
	data.Pages = (total + activitiesPerPage - 1) / activitiesPerPage
	data.PrevURL, data.NextURL = q.pageURL(q.Page-1, data.Pages), q.pageURL(q.Page+1, data.Pages)
	s.renderActivities(w, r, http.StatusOK, data)
}

// renderActivities answers htmx with the results block only (except when
// htmx restores its history, which needs the whole page).
func (s *Server) renderActivities(w http.ResponseWriter, r *http.Request, status int, data activitiesPage) {
	block := ""
	if r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-History-Restore-Request") != "true" {
		block = "activities_results"
	}
	w.Header().Add("Vary", "HX-Request")
	s.render(w, r, status, "activities", block, &data)
}

func hasUnit(units []*culture.Unit, id int64) bool {
	for _, u := range units {
		if u.ID == id {
			return true
		}
	}
	return false
}

// activityQuery is the activity list's filter as the form sends it.
type activityQuery struct {
	Unit, From, To, Category, Q string
	Bookable                    bool
	Page                        int

	UnitID   int64
	from, to time.Time
}

// maxQueryRunes bounds the search text.
const maxQueryRunes = 50

// parseActivityQuery validates the list filter. Blank fields are ignored.
func parseActivityQuery(v url.Values) (activityQuery, error) {
	q := activityQuery{
		Unit: v.Get("unit"), From: v.Get("from"), To: v.Get("to"),
		Category: v.Get("category"), Q: strings.TrimSpace(v.Get("q")),
		Bookable: v.Get("bookable") == "1", Page: 1,
	}
	var err error
	if q.Unit != "" {
		if q.UnitID, err = strconv.ParseInt(q.Unit, 10, 64); err != nil || q.UnitID <= 0 {
			return q, culture.Invalid("unit", "请选择正确的场馆。")
		}
	}
	if q.from, err = parseDay(q.From); err != nil {
		return q, culture.Invalid("from", "开始日期格式不正确。")
	}
	if q.to, err = parseDay(q.To); err != nil {
		return q, culture.Invalid("to", "结束日期格式不正确。")
	}
	return q, q.check(v.Get("page"))
}

// check validates what parseActivityQuery has not.
func (q *activityQuery) check(page string) error {
	switch {
	case !q.from.IsZero() && !q.to.IsZero() && q.to.Before(q.from):
		return culture.Invalid("to", "结束日期不能早于开始日期。")
	case q.Category != "" && !isCategory(q.Category):
		return culture.Invalid("category", "请选择正确的活动类别。")
	case !culture.CleanText(q.Q):
		return culture.Invalid("q", "搜索内容包含无效字符。")
	case utf8.RuneCountInString(q.Q) > maxQueryRunes:
		return culture.Invalid("q", fmt.Sprintf("搜索内容最多 %d 个字。", maxQueryRunes))
	}
	if page != "" {
		n, err := strconv.Atoi(page)
		if err != nil || n < 1 || n > 10000 {
			return culture.Invalid("page", "页码不正确。")
		}
		q.Page = n
	}
	return nil
}

// parseDay reads a YYYY-MM-DD date in Asia/Shanghai; "" is the zero time.
func parseDay(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, s, culture.Shanghai)
	if err == nil && (t.Year() < 2000 || t.Year() > 2100) {
		err = errors.New("year out of range")
	}
	return t, err
}

func isCategory(c string) bool {
	for _, x := range culture.Categories {
		if x == c {
			return true
		}
	}
	return false
}

// filter turns the query into a store filter; without a start date it
// lists what has not started yet.
func (q *activityQuery) filter(now time.Time) culture.ActivityFilter {
	f := upcomingFilter(now, activitiesPerPage)
	f.Offset = (q.Page - 1) * activitiesPerPage
	f.Query, f.BookableOnly = q.Q, q.Bookable
	if q.UnitID != 0 {
		f.Within = &q.UnitID
	}
	if !q.from.IsZero() {
		f.From = &q.from
	}
	if !q.to.IsZero() {
		to := q.to.AddDate(0, 0, 1)
		f.To = &to
	}
	if q.Category != "" {
		f.Category = &q.Category
	}
	return f
}

// pageURL returns the list URL of page n, or "" when there is no such page.
func (q *activityQuery) pageURL(n, pages int) string {
	if n < 1 || n > pages {
		return ""
	}
	v := url.Values{}
	for k, x := range map[string]string{"unit": q.Unit, "from": q.From, "to": q.To,
		"category": q.Category, "q": q.Q} {
		if x != "" {
			v.Set(k, x)
		}
	}
	if q.Bookable {
		v.Set("bookable", "1")
	}
	v.Set("page", strconv.Itoa(n))
	return "/activities?" + v.Encode()
}

// activityPage is the data of an activity's page and its booking form.
type activityPage struct {
	Page
	Activity *culture.Activity
	State    string
	// Booking is the viewer's active booking of the activity, if any.
	Booking *culture.Booking
	// Self and Family are the attendees offered, with their checked state.
	Self   bool
	Family []attendeeOption
	// IdemKey makes a double submit of this form book once.
	IdemKey string
	Error   string
	// QueueUntil ends the fair-start window of a first-come activity
	// (zero without one): a request sent before it waits to be admitted
	// in random order, and the form says "正在排队".
	QueueUntil time.Time
	// NoShowRule and WeeklyRule state the per-person rules ("" if none).
	NoShowRule, WeeklyRule string
	// Ratings are an ended activity's visible ratings, rendered in the
	// page so that they show without JavaScript; nil when there are none.
	Ratings *ratingSummary
}

// attendeeOption is a family member offered as an attendee.
type attendeeOption struct {
	*culture.FamilyMember
	Checked bool
}

// TimeRange shows the start and end: "11月30日 周一 19:00 – 21:00".
func (p *activityPage) TimeRange() string {
	a := p.Activity
	start, end := a.StartsAt.In(culture.Shanghai), a.EndsAt.In(culture.Shanghai)
	if start.Format(time.DateOnly) == end.Format(time.DateOnly) {
		return fmtDateTime(a.StartsAt) + " – " + end.Format("15:04")
	}
	return fmtDateTime(a.StartsAt) + " – " + fmtDateTime(a.EndsAt)
}

// AudienceText describes who the activity is for, with the age range.
func (p *activityPage) AudienceText() string {
	a := p.Activity
	ages := ""
	switch {
	case a.AgeMin > 0 && a.AgeMax > 0:
		ages = fmt.Sprintf("%d–%d 岁", a.AgeMin, a.AgeMax)
	case a.AgeMin > 0:
		ages = fmt.Sprintf("%d 岁以上", a.AgeMin)
	case a.AgeMax > 0:
		ages = fmt.Sprintf("%d 岁以下", a.AgeMax)
	}
	switch {
	case a.Audience != "" && ages != "":
		return a.Audience + "（" + ages + "）"
	case a.Audience != "":
		return a.Audience
	case ages != "":
		return ages
	}
	return "所有居民"
}

// Card is the activity with its seat state, for the shared seat partial.
func (p *activityPage) Card() activityCard { return activityCard{Activity: p.Activity, State: p.State} }

// LoginURL signs in and comes back to the activity.
func (p *activityPage) LoginURL() string {
	return "/login?next=" + url.QueryEscape("/activities/"+strconv.FormatInt(p.Activity.ID, 10))
}

// handleActivityView shows an activity with its rules and booking form.
func (s *Server) handleActivityView(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	a, err := s.Activities.FindActivityByID(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	data, err := s.activityPage(r, a, nil)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "activity", "", &data)
}

// activityPage builds the activity page for the viewer. req, when set, is
// a refused booking request whose choices are shown again.
func (s *Server) activityPage(r *http.Request, a *culture.Activity, req *culture.BookingRequest) (activityPage, error) {
	p := activityPage{Page: s.page(r, a.Title), Activity: a, State: seatState(a, s.Now())}
	if s.Grab != nil {
		p.NoShowRule, p.WeeklyRule = s.Grab.Rules().Text(), s.Grab.Rules().WeeklyText()
	}
	if a.Mode == culture.ModeFirstCome && s.FairWindow > 0 {
		p.QueueUntil = a.OpensAt.Add(s.FairWindow)
	}
	if p.State == stateEnded {
		p.Ratings = s.pageRatings(r.Context(), a.ID)
	}
	if p.Account == nil {
		return p, nil
	}
	family, err := s.Accounts.FindFamily(r.Context(), p.Account.ID)
	if err != nil {
		return p, err
	}
	if p.Booking, err = s.activeBooking(r.Context(), p.Account.ID, a.ID); err != nil {
		return p, err
	}
	p.Self = req == nil && len(family) == 0 || req != nil && req.Self
	for _, m := range family {
		p.Family = append(p.Family, attendeeOption{FamilyMember: m, Checked: req != nil && hasID(req.FamilyIDs, m.ID)})
	}
	p.IdemKey = newIdemKey()
	return p, nil
}

// activeBooking returns the account's active booking of the activity, or nil.
func (s *Server) activeBooking(ctx context.Context, accountID, activityID int64) (*culture.Booking, error) {
	bs, _, err := s.Bookings.FindBookings(ctx, culture.BookingFilter{AccountID: &accountID, ActivityID: &activityID})
	if err != nil {
		return nil, err
	}
	for _, b := range bs {
		if b.Active() {
			return b, nil
		}
	}
	return nil, nil
}

func hasID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// Request helpers shared by the resident handlers.

// maxFormBytes bounds every posted form.
const maxFormBytes = 64 << 10

// readForm parses a posted form of at most maxFormBytes. When it cannot,
// it answers 413 or 400 with the error page and returns false.
func (s *Server) readForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	err := r.ParseForm()
	if err == nil {
		return true
	}
	status, msg := http.StatusBadRequest, "提交的内容无法识别，请返回后重试。"
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		status, msg = http.StatusRequestEntityTooLarge, "提交的内容过长。"
	}
	s.render(w, r, status, "error", "", &errorPage{Page: s.page(r, "出错了"), Status: status, Message: msg})
	return false
}

// pathID returns the {id} path value; false unless it is a positive integer.
func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// maxLocalPath bounds a redirect target kept in a link or the session.
const maxLocalPath = 1000

// localPath reports whether p is a path on this site, safe to redirect to:
// it is the one check of every "go back to" target (?next=, back=, the
// session's after_login, the Referer). Browsers drop tabs and newlines from
// URLs and read "\\" as "/", so "/\t/evil.example" or "/\\evil.example"
// would leave the site: p must start with a single "/", hold only
// printable characters (no control, format or line separator character,
// no backslash, also not percent-encoded in the path), and parse as a
// path without scheme or host.
func localPath(p string) bool {
	if len(p) == 0 || len(p) > maxLocalPath || p[0] != '/' || !utf8.ValidString(p) {
		return false
	}
	for _, c := range p {
		if c == '\\' || !unicode.IsGraphic(c) {
			return false
		}
	}
	if strings.HasPrefix(p, "//") {
		return false
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return false
	}
	// Nor may the decoded path ("/%2F/evil.example", "/%5Cevil.example",
	// "/%09/evil.example").
	return !strings.HasPrefix(u.Path, "//") && !strings.ContainsFunc(u.Path, func(c rune) bool {
		return c == '\\' || !unicode.IsGraphic(c)
	})
}
