package api

import (
	"context"
	"net/http"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// Refusals of the community routes.
var (
	errNoCommunities = notFound("社群功能未启用。")
	errNoCommunity   = notFound("社群不存在：只有分馆和基层文化点有社群。")
)

// communityJSON is a branch's (or point's) community in a list.
type communityJSON struct {
	UnitID   int64  `json:"unit_id"`
	UnitName string `json:"unit_name"`
	Members  int    `json:"members"`
}

// communityViewJSON is a community with its growth and the caller's own
// membership (false and null without a token).
type communityViewJSON struct {
	communityJSON
	Member   bool         `json:"member"`
	JoinedAt *time.Time   `json:"joined_at"`
	Growth   []growthJSON `json:"growth"`
}

// growthJSON is one week of a community's growth. Week is the Monday it
// starts, a date in Asia/Shanghai.
type growthJSON struct {
	Week    string `json:"week"`
	Joined  int    `json:"joined"`
	Members int    `json:"members"`
}

func newCommunityJSON(c *culture.Community) communityJSON {
	return communityJSON{UnitID: c.UnitID, UnitName: c.UnitName, Members: c.Members}
}

func newCommunityViewJSON(c *culture.Community) communityViewJSON {
	v := communityViewJSON{communityJSON: newCommunityJSON(c), Member: c.Member, Growth: []growthJSON{}}
	if c.JoinedAt != nil {
		v.JoinedAt = utc(*c.JoinedAt)
	}
	for _, g := range c.Growth {
		v.Growth = append(v.Growth, growthJSON{Week: g.Week.In(shanghai).Format(time.DateOnly), Joined: g.Joined, Members: g.Members})
	}
	return v
}

// handleCommunityIndex lists the communities of the branches and points
// within a unit (every one without within).
func (a *API) handleCommunityIndex(w http.ResponseWriter, r *http.Request) {
	within, err := a.queryWithin(r)
	var found []*culture.Community
	if err == nil {
		found, err = a.community.FindCommunities(r.Context(), within, 0)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := items[communityJSON]{Items: make([]communityJSON, 0, len(found))}
	for _, c := range found {
		out.Items = append(out.Items, newCommunityJSON(c))
	}
	a.writeJSON(w, r, http.StatusOK, out)
}

// queryWithin reads the optional within parameter, which must name a
// unit; 0 when absent.
func (a *API) queryWithin(r *http.Request) (int64, error) {
	q := r.URL.Query()
	if q.Get("within") == "" {
		return 0, nil
	}
	u, err := a.queryUnitParam(r.Context(), q, "within")
	if err != nil {
		return 0, err
	}
	return u.ID, nil
}

// handleCommunityView shows a community; with a token, whether the caller
// is a member.
func (a *API) handleCommunityView(w http.ResponseWriter, r *http.Request) {
	u, err := a.communityUnit(r)
	var viewer int64
	if me := account(r.Context()); me != nil {
		viewer = me.ID
	}
	var c *culture.Community
	if err == nil {
		c, err = a.community.FindCommunity(r.Context(), u.ID, viewer)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, newCommunityViewJSON(c))
}

// communityUnit finds the unit of the path. Only branches and points have
// communities; any other id names no community.
func (a *API) communityUnit(r *http.Request) (*culture.Unit, error) {
	id, err := pathID(r, "unit_id")
	if err != nil {
		return nil, err
	}
	u, err := a.units.FindUnitByID(r.Context(), id)
	if culture.ErrorCode(err) == culture.ENOTFOUND || (err == nil && u.Kind != culture.UnitBranch && u.Kind != culture.UnitPoint) {
		return nil, errNoCommunity
	}
	return u, err
}

// handleCommunityJoin makes the caller a member (joining twice is fine).
func (a *API) handleCommunityJoin(w http.ResponseWriter, r *http.Request) {
	a.membership(w, r, a.community.JoinCommunity)
}

// handleCommunityLeave ends the caller's membership.
func (a *API) handleCommunityLeave(w http.ResponseWriter, r *http.Request) {
	a.membership(w, r, a.community.LeaveCommunity)
}

func (a *API) membership(w http.ResponseWriter, r *http.Request, change func(ctx context.Context, accountID, unitID int64) error) {
	u, err := a.communityUnit(r)
	if err == nil {
		err = change(r.Context(), account(r.Context()).ID, u.ID)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// memberJSON is a member as staff see them: the phone masked.
type memberJSON struct {
	AccountID int64      `json:"account_id"`
	Name      string     `json:"name"`
	Phone     string     `json:"phone"`
	JoinedAt  *time.Time `json:"joined_at"`
}

// memberList is a page of members, by limit and offset.
type memberList struct {
	Items []memberJSON `json:"items"`
	Total int          `json:"total"`
}

// handleMemberIndex lists a community's members, newest first, for staff
// who manage activities at the unit.
func (a *API) handleMemberIndex(w http.ResponseWriter, r *http.Request) {
	limit, offset, err := limitOffset(r.URL.Query())
	var u *culture.Unit
	if err == nil {
		u, err = a.manageCommunity(r)
	}
	var found []*culture.CommunityMember
	out := memberList{Items: []memberJSON{}}
	if err == nil {
		found, out.Total, err = a.community.FindMembers(r.Context(), u.ID, limit, offset)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	for _, m := range found {
		// The store masks the phone; masking again costs nothing and
		// keeps a full number from ever leaving here.
		out.Items = append(out.Items, memberJSON{AccountID: m.AccountID, Name: m.Name,
			Phone: culture.MaskPhone(m.Phone), JoinedAt: utc(m.JoinedAt)})
	}
	a.writeJSON(w, r, http.StatusOK, out)
}

// manageCommunity finds the community unit of the path and checks that the
// caller manages activities there.
func (a *API) manageCommunity(r *http.Request) (*culture.Unit, error) {
	u, err := a.communityUnit(r)
	if err != nil {
		return nil, err
	}
	return u, account(r.Context()).Check(culture.ActManageActivities, u)
}

// announcementJSON is a post by branch staff to a community.
type announcementJSON struct {
	ID         int64      `json:"id"`
	UnitID     int64      `json:"unit_id"`
	UnitName   string     `json:"unit_name"`
	Title      string     `json:"title"`
	Body       string     `json:"body"`
	AuthorName string     `json:"author_name"`
	CreatedAt  *time.Time `json:"created_at"`
}

func newAnnouncementJSON(x *culture.Announcement) announcementJSON {
	return announcementJSON{ID: x.ID, UnitID: x.UnitID, UnitName: x.UnitName, Title: x.Title, Body: x.Body,
		AuthorName: x.AuthorName, CreatedAt: utc(x.CreatedAt)}
}

// handleAnnouncementIndex lists a community's announcements, newest first.
func (a *API) handleAnnouncementIndex(w http.ResponseWriter, r *http.Request) {
	limit, _, err := limitOffset(r.URL.Query())
	var u *culture.Unit
	if err == nil {
		u, err = a.communityUnit(r)
	}
	var found []*culture.Announcement
	if err == nil {
		found, err = a.community.FindAnnouncements(r.Context(), u.ID, limit)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := items[announcementJSON]{Items: make([]announcementJSON, 0, len(found))}
	for _, x := range found {
		out.Items = append(out.Items, newAnnouncementJSON(x))
	}
	a.writeJSON(w, r, http.StatusOK, out)
}

// announcementRequest posts an announcement. The body is plain text.
type announcementRequest struct {
	Title string `json:"title"`
	Body  string `json:"body"`
}

// handleAnnouncementCreate posts an announcement to a community and
// notifies its members, for staff who manage activities at the unit. A
// retry with the same Idempotency-Key returns the first announcement with
// 200 instead of 201, posting and notifying nothing again.
func (a *API) handleAnnouncementCreate(w http.ResponseWriter, r *http.Request) {
	u, err := a.manageCommunity(r)
	key := r.Header.Get("Idempotency-Key")
	if err == nil {
		err = checkIdempotencyKey(key)
	}
	var body announcementRequest
	if err == nil {
		err = decodeJSON(w, r, &body)
	}
	// The store sets the id, time and names.
	x := &culture.Announcement{Title: body.Title, Body: body.Body, AuthorID: account(r.Context()).ID}
	created := false
	if err == nil {
		x.UnitID = u.ID
		err = x.Validate()
	}
	if err == nil {
		created, err = a.postAnnouncement(r.Context(), x, key)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, createdOr200(created), newAnnouncementJSON(x))
}

// checkIdempotencyKey checks an Idempotency-Key header as the bookings
// endpoint does: up to 100 visible ASCII characters, or none.
func checkIdempotencyKey(key string) error {
	if len(key) > culture.MaxIdempotencyKey {
		return culture.Invalid("idempotency_key", "Idempotency-Key 过长（最多 100 个字符）。")
	}
	if !culture.ValidIdempotencyKey(key) {
		return culture.Invalid("idempotency_key", "Idempotency-Key 只能包含可见的 ASCII 字符。")
	}
	return nil
}

// announcementPoster is the store's keyed post. The API reaches it
// through its CommunityService; a service without it posts unkeyed.
type announcementPoster interface {
	PostAnnouncementOnce(ctx context.Context, a *culture.Announcement, key string) (created bool, err error)
}

// postAnnouncement posts x once per key; created is false when the key was
// used before, and x is then the announcement posted with it.
func (a *API) postAnnouncement(ctx context.Context, x *culture.Announcement, key string) (bool, error) {
	if p, ok := a.community.(announcementPoster); ok {
		return p.PostAnnouncementOnce(ctx, x, key)
	}
	return true, a.community.PostAnnouncement(ctx, x)
}

// createdOr200 is 201 for a new resource, 200 for a replayed one.
func createdOr200(created bool) int {
	if created {
		return http.StatusCreated
	}
	return http.StatusOK
}
