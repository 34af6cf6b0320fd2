package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// Open data (开放数据): GET /open/activities exports the public activities
// for anyone to reuse (the national platform, city portals, researchers),
// without an account. Published activities are listed, and cancelled ones
// marked so while they are recent (cancelledDays), so that a reuser can
// take them down; nothing personal is in it. docs/open-data.md describes
// the export for reusers.

// openLicense is the licence note of every export.
const openLicense = "开放数据，可自由使用，请注明来源"

// Windows of the export, in Asia/Shanghai days.
const (
	// openPastDays is how far before today the default window starts.
	openPastDays = 30
	// openWindowDays is the length of the default window, and of the
	// window given by from or to alone.
	openWindowDays = 121
	// cancelledDays: a cancelled activity is listed while it started at
	// most this many days before today.
	cancelledDays = 30
)

// openCacheControl lets browsers and shared caches keep an export for
// five minutes (the ETag revalidates it after).
const openCacheControl = "public, max-age=300"

// openActivity is a public activity as the export shows it. Times are
// RFC 3339 in Asia/Shanghai (+08:00).
type openActivity struct {
	ID             int64   `json:"id"`
	Title          string  `json:"title"`
	Category       string  `json:"category"`
	Audience       string  `json:"audience"`
	Status         string  `json:"status"`
	Cancelled      bool    `json:"cancelled"`
	UnitID         int64   `json:"unit_id"`
	UnitName       string  `json:"unit_name"`
	BranchID       *int64  `json:"branch_id"`
	BranchName     *string `json:"branch_name"`
	RoomName       *string `json:"room_name"`
	Address        string  `json:"address"`
	StartsAt       string  `json:"starts_at"`
	EndsAt         string  `json:"ends_at"`
	Mode           string  `json:"mode"`
	ModeLabel      string  `json:"mode_label"`
	BookableOnline bool    `json:"bookable_online"`
	Capacity       int     `json:"capacity"`
	SeatsLeft      int     `json:"seats_left"`
	SeriesID       *int64  `json:"series_id"`
	SeriesName     *string `json:"series_name"`
	URL            string  `json:"url"`
	UpdatedAt      string  `json:"updated_at"`
}

// openFilters echoes the filters the export applied, defaults filled in.
type openFilters struct {
	UnitID   *int64  `json:"unit_id"`
	From     string  `json:"from"`
	To       string  `json:"to"`
	Category *string `json:"category"`
}

// openExport is the reply: an envelope around one page of activities.
type openExport struct {
	GeneratedAt string         `json:"generated_at"`
	License     string         `json:"license"`
	Publisher   string         `json:"publisher"`
	Filters     openFilters    `json:"filters"`
	Total       int            `json:"total"`
	Limit       int            `json:"limit"`
	Offset      int            `json:"offset"`
	Items       []openActivity `json:"items"`
}

// openQuery is a checked request of the export.
type openQuery struct {
	unitID        *int64
	from, to      culture.Day // inclusive
	category      *string
	limit, offset int
}

// openDataRoutes lists the open-data routes: public, no service beyond
// units and activities.
func (a *API) openDataRoutes(r router) {
	r.Handle("GET /api/v1/open/activities", http.HandlerFunc(a.handleOpenActivities))
}

// handleOpenActivities exports a page of public activities. An unchanged
// page answers If-None-Match with 304. Every reply, errors included, may
// be read by any web page (CORS), its ETag too.
func (a *API) handleOpenActivities(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Expose-Headers", "ETag")
	now := a.now()
	q, err := a.parseOpenQuery(r.Context(), r.URL.Query(), culture.DayOf(now))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	export, err := a.buildOpenExport(r.Context(), q, culture.DayOf(now), a.siteBase(w, r))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	etag, err := exportETag(export)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	h.Set("ETag", etag)
	h.Set("Cache-Control", openCacheControl)
	if openETagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	export.GeneratedAt = openTime(now)
	a.writeJSON(w, r, http.StatusOK, export)
}

// parseOpenQuery reads and checks the parameters; today fills in the default
// window.
func (a *API) parseOpenQuery(ctx context.Context, v url.Values, today culture.Day) (openQuery, error) {
	var q openQuery
	var from, to *culture.Day
	var err error
	for _, check := range []func() error{
		func() (err error) { q.unitID, err = queryID(v, "unit_id"); return err },
		func() (err error) { from, err = openQueryDay(v, "from"); return err },
		func() (err error) { to, err = openQueryDay(v, "to"); return err },
		func() (err error) { q.category, err = queryCategory(v); return err },
		func() (err error) { q.limit, q.offset, err = limitOffset(v); return err },
	} {
		if err == nil {
			err = check()
		}
	}
	if err != nil {
		return q, err
	}
	if q.from, q.to, err = openWindow(from, to, today); err != nil {
		return q, err
	}
	return q, a.checkOpenUnit(ctx, q.unitID)
}

// The days the export covers at all: a window is refused when a day given
// lies outside them, and one computed from a single day is cut to them
// (so that no reply names a year of five digits).
var (
	openFirstDay = culture.DayOf(time.Date(2000, 1, 1, 0, 0, 0, 0, culture.Shanghai))
	openLastDay  = culture.DayOf(time.Date(2099, 12, 31, 0, 0, 0, 0, culture.Shanghai))
)

// openQueryDay reads an optional date parameter written 2006-01-02, a day
// from 2000 to 2099.
func openQueryDay(v url.Values, name string) (*culture.Day, error) {
	s := v.Get(name)
	if s == "" {
		return nil, nil
	}
	d, err := culture.ParseDay(s)
	if err != nil || len(s) != len(time.DateOnly) {
		return nil, culture.Invalid(name, "参数 "+name+" 应为日期，格式如 2026-03-01。")
	}
	if d < openFirstDay || d > openLastDay {
		return nil, culture.Invalid(name, fmt.Sprintf("参数 %s 应在 %s 至 %s 之间。", name, openFirstDay, openLastDay))
	}
	return &d, nil
}

// openWindow fills in the days not given and checks the range: the
// default is openPastDays before today to openWindowDays in all; one end
// alone opens a window of openWindowDays from or up to it. A day filled in
// is kept within openFirstDay and openLastDay.
func openWindow(from, to *culture.Day, today culture.Day) (culture.Day, culture.Day, error) {
	switch {
	case from == nil && to == nil:
		f := min(max(today-openPastDays, openFirstDay), openLastDay)
		from = &f
		fallthrough
	case to == nil:
		t := min(*from+openWindowDays-1, openLastDay)
		to = &t
	case from == nil:
		f := max(*to-openWindowDays+1, openFirstDay)
		from = &f
	}
	if *from > *to {
		return 0, 0, culture.Invalid("to", fmt.Sprintf("参数 to（%s）不能早于 from（%s）。", *to, *from))
	}
	if n := int(*to-*from) + 1; n > culture.MaxStatsDays {
		return 0, 0, culture.Invalid("to", fmt.Sprintf("参数 from 到 to 最长 %d 天，现为 %d 天。", culture.MaxStatsDays, n))
	}
	return *from, *to, nil
}

// checkOpenUnit answers 404 for a unit_id that names no unit.
func (a *API) checkOpenUnit(ctx context.Context, id *int64) error {
	if id == nil {
		return nil
	}
	_, err := a.units.FindUnitByID(ctx, *id)
	if culture.ErrorCode(err) == culture.ENOTFOUND {
		return notFound("参数 unit_id 指定的单位不存在。")
	}
	return err
}

// buildOpenExport builds the page of q; base makes the page URLs absolute.
func (a *API) buildOpenExport(ctx context.Context, q openQuery, today culture.Day, base string) (*openExport, error) {
	units, _, err := a.units.FindUnits(ctx, culture.UnitFilter{Limit: maxUnits})
	if err != nil {
		return nil, err
	}
	tree := newOpenUnits(units)
	acts, total, err := a.pageAcross(ctx, openSegments(q, today), q.limit, q.offset)
	if err != nil {
		return nil, err
	}
	out := &openExport{
		License: openLicense, Publisher: tree.publisher(),
		Filters: openFilters{UnitID: q.unitID, From: q.from.String(), To: q.to.String(), Category: q.category},
		Total:   total, Limit: q.limit, Offset: q.offset, Items: make([]openActivity, 0, len(acts)),
	}
	for _, act := range acts {
		if openStatus(act.Status) {
			out.Items = append(out.Items, newOpenActivity(act, tree, base))
		}
	}
	return out, nil
}

// openStatus reports whether an activity of this status may be
// exported at all (the segments select these; this guards new statuses).
func openStatus(s string) bool {
	return s == culture.ActivityPublished || s == culture.ActivityCancelled
}

// openSegments splits q's days into the store queries whose concatenation,
// in start order, is the export: before the cancellation horizon only
// published activities, from it on published and cancelled ones.
func openSegments(q openQuery, today culture.Day) []culture.ActivityFilter {
	base := culture.ActivityFilter{Within: q.unitID, Category: q.category}
	published := culture.ActivityPublished
	horizon := max(today-cancelledDays, q.from)
	var segs []culture.ActivityFilter
	if q.from < horizon {
		f := base
		f.Status = &published
		f.From, f.To = openDayStart(q.from), openDayStart(min(horizon, q.to+1))
		segs = append(segs, f)
	}
	if horizon <= q.to {
		f := base
		f.From, f.To = openDayStart(horizon), openDayStart(q.to+1)
		segs = append(segs, f)
	}
	return segs
}

func openDayStart(d culture.Day) *time.Time {
	t := d.Start().UTC()
	return &t
}

// pageAcross returns the page [offset, offset+limit) of the concatenated
// results of segs, and their total. Each segment is asked once: for its
// share of the page, or for one row when the page is full (its total is
// still needed).
func (a *API) pageAcross(ctx context.Context, segs []culture.ActivityFilter, limit, offset int) ([]*culture.Activity, int, error) {
	var out []*culture.Activity
	total := 0
	for _, f := range segs {
		f.Limit = max(limit-len(out), 1)
		f.Offset = max(offset-total, 0)
		acts, n, err := a.activities.FindActivities(ctx, f)
		if err != nil {
			return nil, 0, err
		}
		if room := limit - len(out); room > 0 {
			out = append(out, acts[:min(len(acts), room)]...)
		}
		total += n
	}
	return out, total, nil
}

// openUnits looks units up by id, for branches and the publisher.
type openUnits map[int64]*culture.Unit

func newOpenUnits(units []*culture.Unit) openUnits {
	t := openUnits{}
	for _, u := range units {
		t[u.ID] = u
	}
	return t
}

// branchOf returns the branch that id lies in (itself when a branch), or
// nil for the hub and anything above.
func (t openUnits) branchOf(id int64) *culture.Unit {
	for u := t[id]; u != nil; {
		if u.Kind == culture.UnitBranch {
			return u
		}
		if u.ParentID == nil {
			return nil
		}
		u = t[*u.ParentID]
	}
	return nil
}

// publisher names the root of the tree (the hub), the source to credit.
func (t openUnits) publisher() string {
	name := ""
	for _, u := range t {
		if u.ParentID == nil && (name == "" || u.Name < name) {
			name = u.Name
		}
	}
	return name
}

func newOpenActivity(a *culture.Activity, tree openUnits, base string) openActivity {
	v := openActivity{
		ID: a.ID, Title: a.Title, Category: a.Category, Audience: a.Audience,
		Status: a.Status, Cancelled: a.Status == culture.ActivityCancelled,
		UnitID: a.UnitID, UnitName: a.UnitName, RoomName: openOptional(a.RoomName), Address: a.Address,
		StartsAt: openTime(a.StartsAt), EndsAt: openTime(a.EndsAt),
		Mode: a.Mode, ModeLabel: a.ModeLabel(), BookableOnline: a.Bookable(),
		Capacity: a.Capacity, SeatsLeft: a.SeatsLeft,
		SeriesID: a.SeriesID, SeriesName: openOptional(a.SeriesName),
		URL:       base + "/activities/" + strconv.FormatInt(a.ID, 10),
		UpdatedAt: openTime(activityUpdated(a)),
	}
	if b := tree.branchOf(a.UnitID); b != nil {
		v.BranchID, v.BranchName = &b.ID, &b.Name
	}
	return v
}

// activityUpdated is when the activity's record last changed.
func activityUpdated(a *culture.Activity) time.Time { return a.UpdatedAt }

func openTime(t time.Time) string { return t.In(culture.Shanghai).Format(time.RFC3339) }

func openOptional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// exportETag hashes everything of the export but generated_at, so that an
// unchanged page keeps its tag. The tag is weak: replies with the same tag
// differ in generated_at.
func exportETag(e *openExport) (string, error) {
	c := *e
	c.GeneratedAt = ""
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("encode export: %w", err)
	}
	sum := sha256.Sum256(b)
	return `W/"` + hex.EncodeToString(sum[:16]) + `"`, nil
}

// openETagMatches applies If-None-Match: "*" or any listed tag, compared
// weakly (a W/ prefix on either side is ignored), as RFC 9110 asks for GET.
func openETagMatches(header, etag string) bool {
	etag = strings.TrimPrefix(etag, "W/")
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
