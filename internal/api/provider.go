package api

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wenyun/wenyun/internal/culture"
)

// errRevisionReviewed refuses a revision no longer pending, before its
// reason is read.
var errRevisionReviewed = culture.Errorf(culture.ECONFLICT, "该提交已审核或已被新的提交替换。")

// providerJSON is a culture provider. The contact appears only to whoever
// acts for the provider (its staff, the hub's reviewers).
type providerJSON struct {
	ID           int64      `json:"id"`
	HubID        int64      `json:"hub_id"`
	Name         string     `json:"name"`
	Level        string     `json:"level"`
	LevelLabel   string     `json:"level_label"`
	Kind         string     `json:"kind"`
	KindLabel    string     `json:"kind_label"`
	Intro        string     `json:"intro"`
	LogoID       *int64     `json:"logo_id"`
	CreatedAt    *time.Time `json:"created_at"`
	ItemCount    int        `json:"item_count"`
	Deliveries   int        `json:"deliveries"`
	RatingAvg    float64    `json:"rating_avg"`
	RatingCount  int        `json:"rating_count"`
	ContactName  *string    `json:"contact_name,omitempty"`
	ContactPhone *string    `json:"contact_phone,omitempty"`
}

func newProviderJSON(p *culture.Provider, showContact bool) providerJSON {
	v := providerJSON{
		ID: p.ID, HubID: p.HubID, Name: p.Name, Level: p.Level, LevelLabel: culture.ProviderLevels[p.Level],
		Kind: p.Kind, KindLabel: culture.LabelOf(culture.ProviderKinds, p.Kind), Intro: p.Intro, LogoID: p.LogoID,
		CreatedAt: utc(p.CreatedAt), ItemCount: p.ItemCount, Deliveries: p.Deliveries,
		RatingAvg: p.RatingAvg, RatingCount: p.RatingCount,
	}
	if showContact {
		v.ContactName, v.ContactPhone = &p.ContactName, &p.ContactPhone
	}
	return v
}

// providerJSONFor shows p to the caller, with the contact when it acts
// for p.
func (a *API) providerJSONFor(ctx context.Context, p *culture.Provider) (providerJSON, error) {
	own, err := a.actsFor(ctx, p.ID)
	return newProviderJSON(p, own), err
}

// handleProviderIndex lists providers, of one hub with hub_id. The list
// reads no token, so it never shows contacts.
func (a *API) handleProviderIndex(w http.ResponseWriter, r *http.Request) {
	hubID, err := queryID(r.URL.Query(), "hub_id")
	var found []*culture.Provider
	if err == nil {
		found, err = a.menu.FindProviders(r.Context(), hubID)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := items[providerJSON]{Items: make([]providerJSON, 0, len(found))}
	for _, p := range found {
		out.Items = append(out.Items, newProviderJSON(p, false))
	}
	a.writeJSON(w, r, http.StatusOK, out)
}

// handleProviderView shows one provider.
func (a *API) handleProviderView(w http.ResponseWriter, r *http.Request) {
	p, err := a.pathProvider(r)
	var v providerJSON
	if err == nil {
		v, err = a.providerJSONFor(r.Context(), p)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, v)
}

// pathProvider finds the provider named by the path.
func (a *API) pathProvider(r *http.Request) (*culture.Provider, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return a.menu.FindProviderByID(r.Context(), id)
}

// ownProvider finds the provider of the path and checks that the caller
// acts for it.
func (a *API) ownProvider(r *http.Request) (*culture.Provider, error) {
	p, err := a.pathProvider(r)
	if err != nil {
		return nil, err
	}
	return p, a.checkProvider(r.Context(), p)
}

// providerFields is what the hub edits of a provider.
type providerFields struct {
	Name         string `json:"name"`
	Level        string `json:"level"`
	Kind         string `json:"kind"`
	ContactName  string `json:"contact_name"`
	ContactPhone string `json:"contact_phone"`
	Intro        string `json:"intro"`
	LogoID       *int64 `json:"logo_id"`
}

// providerCreate adds the hub the new provider serves.
type providerCreate struct {
	HubID int64 `json:"hub_id"`
	providerFields
}

func (f *providerFields) apply(p *culture.Provider) error {
	p.Name, p.Level, p.Kind, p.Intro = f.Name, f.Level, f.Kind, f.Intro
	p.ContactName, p.ContactPhone, p.LogoID = f.ContactName, f.ContactPhone, f.LogoID
	if p.LogoID != nil && *p.LogoID <= 0 {
		return culture.Invalid("logo_id", "图片编号无效。")
	}
	return p.Validate()
}

// handleProviderCreate adds a provider to a hub the caller reviews.
func (a *API) handleProviderCreate(w http.ResponseWriter, r *http.Request) {
	if !account(r.Context()).CanAnywhere(culture.ActReviewMenu) {
		a.writeError(w, r, culture.ErrForbidden)
		return
	}
	var body providerCreate
	err := decodeJSON(w, r, &body)
	p := &culture.Provider{HubID: body.HubID}
	if err == nil {
		err = body.apply(p)
	}
	if err == nil {
		err = a.checkHub(r.Context(), body.HubID)
	}
	if err == nil {
		err = a.checkLogo(r.Context(), p.LogoID, nil)
	}
	if err == nil {
		err = a.menu.CreateProvider(r.Context(), p)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusCreated, newProviderJSON(p, true))
}

// checkHub checks that hubID names a hub where the caller reviews the menu.
func (a *API) checkHub(ctx context.Context, hubID int64) error {
	hub, err := a.bodyUnit(ctx, "hub_id", hubID)
	if err != nil {
		return err
	} else if hub.Kind != culture.UnitHub {
		return culture.Invalid("hub_id", "文化主体须隶属于总馆。")
	}
	return account(ctx).Check(culture.ActReviewMenu, hub)
}

// bodyUnit finds a unit named by a request field: a missing one is the
// field's fault.
func (a *API) bodyUnit(ctx context.Context, field string, id int64) (*culture.Unit, error) {
	if id <= 0 {
		return nil, culture.Invalid(field, "请选择单位。")
	}
	u, err := a.units.FindUnitByID(ctx, id)
	if culture.ErrorCode(err) == culture.ENOTFOUND {
		return nil, culture.Invalid(field, "单位不存在。")
	}
	return u, err
}

// checkLogo refuses a logo other than the current one unless the caller
// uploaded it.
func (a *API) checkLogo(ctx context.Context, logo, current *int64) error {
	if logo == nil {
		return nil
	}
	var keep []int64
	if current != nil {
		keep = []int64{*current}
	}
	return a.checkImages(ctx, "logo_id", []int64{*logo}, keep)
}

// handleProviderUpdate edits a provider, for reviewers at its hub.
func (a *API) handleProviderUpdate(w http.ResponseWriter, r *http.Request) {
	if !account(r.Context()).CanAnywhere(culture.ActReviewMenu) {
		a.writeError(w, r, culture.ErrForbidden)
		return
	}
	p, err := a.pathProvider(r)
	if err == nil {
		err = a.checkHub(r.Context(), p.HubID)
	}
	var body providerFields
	if err == nil {
		err = decodeJSON(w, r, &body)
	}
	var current *int64
	if err == nil {
		current = p.LogoID
		err = body.apply(p)
	}
	if err == nil {
		err = a.checkLogo(r.Context(), p.LogoID, current)
	}
	if err == nil {
		err = a.menu.UpdateProvider(r.Context(), p)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, newProviderJSON(p, true))
}

// handleProviderItems lists every item of a provider, in every status,
// with edits under review: for its staff and the hub's reviewers.
func (a *API) handleProviderItems(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p, err := a.ownProvider(r)
	f := culture.MenuFilter{AnyStatus: true}
	if err == nil {
		f.ProviderID = &p.ID
		f.Limit, f.Offset, err = limitOffset(q)
	}
	var found []*culture.MenuItem
	var total int
	if err == nil {
		found, total, err = a.menu.FindMenuItems(r.Context(), f)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := menuList{Items: make([]menuItemJSON, 0, len(found)), Total: total}
	for _, m := range found {
		out.Items = append(out.Items, newOwnItemJSON(m))
	}
	a.writeJSON(w, r, http.StatusOK, out)
}

// handleProviderItemCreate submits a new item for review.
func (a *API) handleProviderItemCreate(w http.ResponseWriter, r *http.Request) {
	p, err := a.pathProvider(r)
	var m *culture.MenuItem
	if err == nil {
		m, err = a.submitItem(w, r, p, 0, nil)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusCreated, newOwnItemJSON(m))
}

// revisionJSON is one submission of an item's fields.
type revisionJSON struct {
	ID           int64          `json:"id"`
	ItemID       int64          `json:"item_id"`
	State        string         `json:"state"`
	Fields       menuFieldsJSON `json:"fields"`
	Reason       string         `json:"reason"`
	SubmittedBy  int64          `json:"submitted_by"`
	SubmittedAt  *time.Time     `json:"submitted_at"`
	ReviewedBy   *int64         `json:"reviewed_by"`
	ReviewedAt   *time.Time     `json:"reviewed_at"`
	ItemTitle    string         `json:"item_title"`
	ProviderID   int64          `json:"provider_id"`
	ProviderName string         `json:"provider_name"`
}

func newRevisionJSON(rev *culture.MenuRevision) revisionJSON {
	v := revisionJSON{
		ID: rev.ID, ItemID: rev.ItemID, State: rev.State, Fields: newMenuFieldsJSON(&rev.Fields),
		Reason: rev.Reason, SubmittedBy: rev.SubmittedBy, SubmittedAt: utc(rev.SubmittedAt),
		ReviewedBy: rev.ReviewedBy, ItemTitle: rev.ItemTitle, ProviderID: rev.ProviderID, ProviderName: rev.ProviderName,
	}
	if rev.ReviewedAt != nil {
		v.ReviewedAt = utc(*rev.ReviewedAt)
	}
	return v
}

// handleReviewIndex lists the revisions waiting for review at every hub
// the caller reviews, oldest first.
func (a *API) handleReviewIndex(w http.ResponseWriter, r *http.Request) {
	revs, err := a.pendingRevisions(r.Context())
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := items[revisionJSON]{Items: make([]revisionJSON, 0, len(revs))}
	for _, rev := range revs {
		out.Items = append(out.Items, newRevisionJSON(rev))
	}
	a.writeJSON(w, r, http.StatusOK, out)
}

// pendingRevisions gathers the pending revisions of the hubs the caller
// reviews; ErrForbidden when it reviews none.
func (a *API) pendingRevisions(ctx context.Context) ([]*culture.MenuRevision, error) {
	me := account(ctx)
	if !me.CanAnywhere(culture.ActReviewMenu) {
		return nil, culture.ErrForbidden
	}
	kind := culture.UnitHub
	hubs, _, err := a.units.FindUnits(ctx, culture.UnitFilter{Kind: &kind, Limit: maxUnits})
	var out []*culture.MenuRevision
	for _, hub := range hubs {
		if err != nil || !me.Can(culture.ActReviewMenu, hub) {
			continue
		}
		var revs []*culture.MenuRevision
		revs, err = a.menu.FindPendingRevisions(ctx, hub.ID)
		out = append(out, revs...)
	}
	slices.SortStableFunc(out, func(x, y *culture.MenuRevision) int { return x.SubmittedAt.Compare(y.SubmittedAt) })
	return out, err
}

// reasonRequest carries the reason of a refusal: a returned item, a
// declined request or delivery, a cancelled delivery.
type reasonRequest struct {
	Reason string `json:"reason"`
}

// readReason reads and checks a reason body: 1 to 200 characters.
func readReason(w http.ResponseWriter, r *http.Request) (string, error) {
	var body reasonRequest
	if err := decodeJSON(w, r, &body); err != nil {
		return "", err
	}
	s := strings.TrimSpace(body.Reason)
	switch n := utf8.RuneCountInString(s); {
	case !culture.CleanText(s):
		return "", culture.Invalid("reason", "原因包含无效字符。")
	case n == 0:
		return "", culture.Invalid("reason", "请填写原因。")
	case n > 200:
		return "", culture.Invalid("reason", "原因不能超过 200 个字。")
	}
	return s, nil
}

// handleReviewApprove puts a pending revision live.
func (a *API) handleReviewApprove(w http.ResponseWriter, r *http.Request) {
	a.review(w, r, true)
}

// handleReviewReturn returns a pending revision to its provider with a
// reason.
func (a *API) handleReviewReturn(w http.ResponseWriter, r *http.Request) {
	a.review(w, r, false)
}

// review approves or returns a pending revision at a hub where the
// caller reviews the menu.
func (a *API) review(w http.ResponseWriter, r *http.Request, approve bool) {
	id, err := pathID(r, "id")
	var rev *culture.MenuRevision
	if err == nil {
		rev, err = a.reviewable(r.Context(), id)
	}
	reason := ""
	if err == nil && !approve {
		reason, err = readReason(w, r)
	}
	if err == nil {
		err = a.menu.ReviewMenuItem(r.Context(), id, approve, reason, account(r.Context()).ID)
	}
	var m *culture.MenuItem
	if err == nil {
		m, err = a.menu.FindMenuItemByID(r.Context(), rev.ItemID)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, newOwnItemJSON(m))
}

// reviewable finds a pending revision the caller may review: unknown is
// 404, one at a hub where the caller does not review the menu 403, one no
// longer pending 409 (ReviewMenuItem says the same when another reviewer
// gets there in between).
func (a *API) reviewable(ctx context.Context, id int64) (*culture.MenuRevision, error) {
	me := account(ctx)
	if !me.CanAnywhere(culture.ActReviewMenu) {
		return nil, culture.ErrForbidden
	}
	rev, err := a.menu.FindRevisionByID(ctx, id)
	var hub *culture.Unit
	if err == nil {
		hub, err = a.units.FindUnitByID(ctx, rev.HubID)
	}
	if err == nil {
		err = me.Check(culture.ActReviewMenu, hub)
	}
	if err == nil && rev.State != culture.RevisionPending {
		err = errRevisionReviewed
	}
	return rev, err
}
