package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// Refusals of the culture menu routes.
var (
	errNoMenu       = notFound("文化菜单功能未启用。")
	errItemNotFound = notFound("菜单项目不存在。")
)

// withMenu answers 404 when the API runs without a MenuService.
func (a *API) withMenu(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if a.menu == nil {
			a.writeError(w, r, errNoMenu)
			return
		}
		next(w, r)
	}
}

// optionalAccount serves a public route that shows more to some callers
// (a provider's staff see its costs). Without an Authorization header the
// caller is anonymous; a header with a bad token is refused with 401, so a
// client learns its token has expired instead of silently seeing less.
func (a *API) optionalAccount(next http.HandlerFunc) http.Handler {
	authed := a.requireAccount(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Authorization")
		if r.Header.Get("Authorization") == "" {
			next(w, r)
			return
		}
		authed.ServeHTTP(w, r)
	})
}

// menuFieldsJSON is what a provider submits for an item, and a revision's
// fields as the API shows them.
type menuFieldsJSON struct {
	Title       string   `json:"title"`
	Category    string   `json:"category"`
	Format      string   `json:"format"`
	Sessions    int      `json:"sessions"`
	Groups      []string `json:"groups"`
	AgeMin      int      `json:"age_min"`
	AgeMax      int      `json:"age_max"`
	Minutes     int      `json:"minutes"`
	CapacityMin int      `json:"capacity_min"`
	CapacityMax int      `json:"capacity_max"`
	Needs       string   `json:"needs"`
	Cost        int      `json:"cost"`
	Available   string   `json:"available"`
	Description string   `json:"description"`
	PhotoIDs    []int64  `json:"photo_ids"`
	SeriesID    *int64   `json:"series_id"`
}

func newMenuFieldsJSON(f *culture.MenuItemFields) menuFieldsJSON {
	return menuFieldsJSON{
		Title: f.Title, Category: f.Category, Format: f.Format, Sessions: f.Sessions,
		Groups: nonNil(f.Groups), AgeMin: f.AgeMin, AgeMax: f.AgeMax, Minutes: f.Minutes,
		CapacityMin: f.CapacityMin, CapacityMax: f.CapacityMax, Needs: f.Needs, Cost: f.Cost,
		Available: f.Available, Description: f.Description, PhotoIDs: nonNil(f.PhotoIDs), SeriesID: f.SeriesID,
	}
}

// fields turns a submission into domain fields. Sessions may be left out
// for every format but a class series.
func (j *menuFieldsJSON) fields() culture.MenuItemFields {
	f := culture.MenuItemFields{
		Title: j.Title, Category: j.Category, Format: j.Format, Sessions: j.Sessions,
		Groups: j.Groups, AgeMin: j.AgeMin, AgeMax: j.AgeMax, Minutes: j.Minutes,
		CapacityMin: j.CapacityMin, CapacityMax: j.CapacityMax, Needs: j.Needs, Cost: j.Cost,
		Available: j.Available, Description: j.Description, PhotoIDs: j.PhotoIDs, SeriesID: j.SeriesID,
	}
	if f.Sessions == 0 && f.Format != culture.FormatClass {
		f.Sessions = 1
	}
	return f
}

// menuItemJSON is a menu item. Cost is null unless the caller acts for
// the provider; pending and return_reason appear only in the provider's
// own list and replies to its submissions.
type menuItemJSON struct {
	ID           int64  `json:"id"`
	ProviderID   int64  `json:"provider_id"`
	ProviderName string `json:"provider_name"`
	Status       string `json:"status"`
	StatusLabel  string `json:"status_label"`
	FormatLabel  string `json:"format_label"`
	menuFieldsJSON
	// Cost shadows the embedded fields' cost (encoding/json takes the
	// shallower field), so that it can be null when hidden.
	Cost         *int          `json:"cost"`
	SeriesName   string        `json:"series_name"`
	CreatedAt    *time.Time    `json:"created_at"`
	UpdatedAt    *time.Time    `json:"updated_at"`
	Supports     int           `json:"supports"`
	Requests     int           `json:"requests"`
	Deliveries   int           `json:"deliveries"`
	Attendance   int           `json:"attendance"`
	RatingAvg    float64       `json:"rating_avg"`
	RatingCount  int           `json:"rating_count"`
	ReturnReason string        `json:"return_reason,omitempty"`
	Pending      *revisionJSON `json:"pending,omitempty"`
}

// newMenuItemJSON shows an item to the public; showCost adds its cost.
func newMenuItemJSON(m *culture.MenuItem, showCost bool) menuItemJSON {
	v := menuItemJSON{
		ID: m.ID, ProviderID: m.ProviderID, ProviderName: m.ProviderName, Status: m.Status,
		StatusLabel: culture.ItemStatusLabels[m.Status], FormatLabel: m.FormatLabel(),
		menuFieldsJSON: newMenuFieldsJSON(&m.MenuItemFields), SeriesName: m.SeriesName,
		CreatedAt: utc(m.CreatedAt), UpdatedAt: utc(m.UpdatedAt), Supports: m.Supports, Requests: m.Requests,
		Deliveries: m.Deliveries, Attendance: m.Attendance, RatingAvg: m.RatingAvg, RatingCount: m.RatingCount,
	}
	if showCost {
		cost := m.Cost
		v.Cost = &cost
	}
	return v
}

// newOwnItemJSON shows an item to its provider or a reviewer: with its
// cost, the reason it was returned and the edit under review.
func newOwnItemJSON(m *culture.MenuItem) menuItemJSON {
	v := newMenuItemJSON(m, true)
	v.ReturnReason = m.ReturnReason
	if m.Pending != nil {
		rev := newRevisionJSON(m.Pending)
		v.Pending = &rev
	}
	return v
}

// menuList is a page of menu items, by limit and offset.
type menuList struct {
	Items []menuItemJSON `json:"items"`
	Total int            `json:"total"`
}

// handleMenuIndex lists published menu items, filtered and paged.
func (a *API) handleMenuIndex(w http.ResponseWriter, r *http.Request) {
	f, err := menuFilter(r.URL.Query())
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	found, total, err := a.menu.FindMenuItems(r.Context(), f)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := menuList{Items: make([]menuItemJSON, 0, len(found)), Total: total}
	for _, m := range found {
		out.Items = append(out.Items, newMenuItemJSON(m, false))
	}
	a.writeJSON(w, r, http.StatusOK, out)
}

// menuSorts maps the sort parameter to MenuFilter.Sort.
var menuSorts = map[string]string{"": "", "newest": "", "supports": "supports", "rating": "rating"}

// menuFilter reads the menu list parameters; only published items show.
func menuFilter(q url.Values) (culture.MenuFilter, error) {
	published := culture.ItemPublished
	f := culture.MenuFilter{Status: &published, Query: q.Get("q")}
	sort, okSort := menuSorts[q.Get("sort")]
	f.Sort = sort
	var err error
	for _, check := range []func() error{
		func() (err error) { f.Limit, f.Offset, err = limitOffset(q); return err },
		func() (err error) { f.HubID, err = queryID(q, "hub_id"); return err },
		func() (err error) { f.ProviderID, err = queryID(q, "provider_id"); return err },
		func() (err error) { f.SeriesID, err = queryID(q, "series_id"); return err },
		func() (err error) { f.Category, err = queryCategory(q); return err },
		func() (err error) { f.Format, err = queryLabel(q, "format", culture.Formats); return err },
		func() (err error) { f.Group, err = queryLabel(q, "group", culture.AudienceGroups); return err },
		func() error { return checkSearch(f.Query) },
	} {
		if err == nil {
			err = check()
		}
	}
	if err == nil && !okSort {
		err = culture.Invalid("sort", "参数 sort 应为 newest、supports 或 rating。")
	}
	return f, err
}

// Bounds of limit and offset paging.
const maxOffset = 100000

// limitOffset reads limit (1–100, default 20) and offset (0–100000).
func limitOffset(q url.Values) (limit, offset int, err error) {
	limit = defaultPerPage
	if s := q.Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > maxPerPage {
			return 0, 0, culture.Invalid("limit", "参数 limit 应为 1 到 100 之间的整数。")
		}
	}
	if s := q.Get("offset"); s != "" {
		if offset, err = strconv.Atoi(s); err != nil || offset < 0 || offset > maxOffset {
			return 0, 0, culture.Invalid("offset", "参数 offset 应为 0 到 100000 之间的整数。")
		}
	}
	return limit, offset, nil
}

// queryLabel reads an optional parameter that must be one of labels.
func queryLabel(q url.Values, name string, labels []culture.Label) (*string, error) {
	s := q.Get(name)
	if s == "" {
		return nil, nil
	}
	if !slices.ContainsFunc(labels, func(l culture.Label) bool { return l.Value == s }) {
		return nil, culture.Invalid(name, "参数 "+name+" 的取值无效。")
	}
	return &s, nil
}

// handleMenuView shows a menu item. Items never approved show only to
// whoever acts for the provider; so does the cost. A withdrawn item shows
// to all, with its status, as on the web (it cannot be supported).
func (a *API) handleMenuView(w http.ResponseWriter, r *http.Request) {
	m, own, err := a.visibleItem(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, newMenuItemJSON(m, own))
}

// visibleItem finds the item of the path for the caller (maybe anonymous)
// and reports whether the caller acts for its provider. Published and
// withdrawn items are public; pending and returned ones are not.
func (a *API) visibleItem(r *http.Request) (*culture.MenuItem, bool, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, false, err
	}
	m, err := a.menu.FindMenuItemByID(r.Context(), id)
	if err != nil {
		return nil, false, err
	}
	own, err := a.actsFor(r.Context(), m.ProviderID)
	if err != nil {
		return nil, false, err
	} else if !own && m.Status != culture.ItemPublished && m.Status != culture.ItemWithdrawn {
		return nil, false, errItemNotFound
	}
	return m, own, nil
}

// actsFor reports whether the caller, if any, may act for the provider:
// its staff, or a reviewer of the menu at its hub.
func (a *API) actsFor(ctx context.Context, providerID int64) (bool, error) {
	me := account(ctx)
	switch {
	case me == nil:
		return false, nil
	case me.IsProviderStaff(providerID):
		return true, nil
	case !me.CanAnywhere(culture.ActReviewMenu):
		return false, nil
	}
	p, err := a.menu.FindProviderByID(ctx, providerID)
	if err != nil {
		return false, err
	}
	return a.checkProvider(ctx, p) == nil, nil
}

// checkProvider returns nil when the caller may act for p.
func (a *API) checkProvider(ctx context.Context, p *culture.Provider) error {
	hub, err := a.units.FindUnitByID(ctx, p.HubID)
	if err != nil {
		return err
	}
	return account(ctx).CheckProvider(p, hub)
}

// handleMenuUpdate submits an edit of an item for review; the live
// version stays until the hub approves it.
func (a *API) handleMenuUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var m *culture.MenuItem
	if err == nil {
		m, err = a.menu.FindMenuItemByID(r.Context(), id)
	}
	var p *culture.Provider
	if err == nil {
		p, err = a.menu.FindProviderByID(r.Context(), m.ProviderID)
	}
	if err == nil {
		m, err = a.submitItem(w, r, p, id, itemPhotoIDs(m))
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, newOwnItemJSON(m))
}

// submitItem checks the caller acts for p, reads and checks the fields
// and files them (a new item when itemID is 0). Photos must be in keep
// (those already on the item) or uploaded by the caller.
func (a *API) submitItem(w http.ResponseWriter, r *http.Request, p *culture.Provider, itemID int64, keep []int64) (*culture.MenuItem, error) {
	if err := a.checkProvider(r.Context(), p); err != nil {
		return nil, err
	}
	var body menuFieldsJSON
	if err := decodeJSON(w, r, &body); err != nil {
		return nil, err
	}
	f := body.fields()
	if err := f.Validate(); err != nil {
		return nil, photoField(err)
	}
	if err := a.checkImages(r.Context(), "photo_ids", f.PhotoIDs, keep); err != nil {
		return nil, err
	}
	// The store checks that the series and the images exist.
	m, err := a.menu.SubmitMenuItem(r.Context(), p.ID, itemID, f, account(r.Context()).ID)
	return m, photoField(err)
}

// itemPhotoIDs lists the photos already on the item: live and pending.
func itemPhotoIDs(m *culture.MenuItem) []int64 {
	ids := slices.Clone(m.PhotoIDs)
	if m.Pending != nil {
		ids = append(ids, m.Pending.Fields.PhotoIDs...)
	}
	return ids
}

// imageOwners tells who uploaded an image. The store implements it; the
// API reaches it through its MenuService, and refuses every new image
// when that does not implement it.
type imageOwners interface {
	ImageOwner(ctx context.Context, id int64) (*int64, error)
}

// checkImages refuses image ids the caller may not attach: any id not in
// keep must be an image the caller uploaded, so that no one takes another
// provider's photos (or any upload) by guessing numbers.
func (a *API) checkImages(ctx context.Context, field string, ids, keep []int64) error {
	for _, id := range ids {
		if slices.Contains(keep, id) {
			continue
		}
		if err := a.checkUploader(ctx, field, id); err != nil {
			return err
		}
	}
	return nil
}

func (a *API) checkUploader(ctx context.Context, field string, id int64) error {
	refuse := culture.Invalid(field, "只能使用您自己上传的图片，请重新上传。")
	owners, ok := a.menu.(imageOwners)
	if !ok {
		return refuse
	}
	by, err := owners.ImageOwner(ctx, id)
	switch {
	case culture.ErrorCode(err) == culture.ENOTFOUND:
		return culture.Invalid(field, "图片不存在，请重新上传。")
	case err != nil:
		return err
	case by == nil || *by != account(ctx).ID:
		return refuse
	}
	return nil
}

// photoField names the images by their request field: the domain calls
// them photos, the body photo_ids.
func photoField(err error) error {
	var e *culture.Error
	if errors.As(err, &e) && e.Field == "photos" {
		named := *e
		named.Field = "photo_ids"
		return &named
	}
	return err
}

// ratingJSON is an attendee's rating; the author's name is masked.
type ratingJSON struct {
	ID         int64      `json:"id"`
	ActivityID int64      `json:"activity_id"`
	Score      int        `json:"score"`
	Comment    string     `json:"comment"`
	AuthorName string     `json:"author_name"`
	CreatedAt  *time.Time `json:"created_at"`
}

func newRatingJSON(r *culture.Rating) ratingJSON {
	return ratingJSON{ID: r.ID, ActivityID: r.ActivityID, Score: r.Score, Comment: r.Comment,
		AuthorName: r.AuthorName, CreatedAt: utc(r.CreatedAt)}
}

// handleMenuRatings lists the ratings of an item's deliveries, newest
// first; hidden ones are left out.
func (a *API) handleMenuRatings(w http.ResponseWriter, r *http.Request) {
	limit, _, err := limitOffset(r.URL.Query())
	var m *culture.MenuItem
	if err == nil {
		m, _, err = a.visibleItem(r)
	}
	var found []*culture.Rating
	if err == nil {
		found, err = a.menu.FindRatings(r.Context(), nil, &m.ID, limit)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := items[ratingJSON]{Items: []ratingJSON{}}
	for _, x := range found {
		if !x.Hidden {
			out.Items = append(out.Items, newRatingJSON(x))
		}
	}
	a.writeJSON(w, r, http.StatusOK, out)
}

// ratingRequest rates an activity the caller attended.
type ratingRequest struct {
	Score   int    `json:"score"`
	Comment string `json:"comment"`
}

// handleRatingCreate stores the caller's rating of an activity they were
// checked in to.
func (a *API) handleRatingCreate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var body ratingRequest
	if err == nil {
		err = decodeJSON(w, r, &body)
	}
	rating := &culture.Rating{ActivityID: id, AccountID: account(r.Context()).ID, Score: body.Score, Comment: body.Comment}
	if err == nil {
		err = rating.Validate()
	}
	if err == nil {
		_, err = a.activities.FindActivityByID(r.Context(), id)
	}
	if err == nil {
		err = a.menu.Rate(r.Context(), rating)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusCreated, newRatingJSON(rating))
}

// nonNil returns s, or an empty slice for nil, so that JSON shows [].
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
