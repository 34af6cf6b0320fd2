package web

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"slices"

	"github.com/wenyun/wenyun/internal/culture"
)

// Staff who manage activities at a branch or point (culture.ActManageActivities)
// run its community: they see its members — names, and phones masked by
// the store — and post announcements to them.

var errNoCommunities = culture.Errorf(culture.EFORBIDDEN, "您没有管理社群的权限。")

// Console community bounds.
const (
	consoleMembersPage   = 50
	consoleAnnouncements = 10
)

// consoleCommunityRoutes lists the console's community pages. staff
// registers a route for signed-in staff.
func (s *Server) consoleCommunityRoutes(staff func(string, http.HandlerFunc)) {
	staff("GET /console/communities", s.handleConsoleCommunities)
	staff("GET /console/communities/{id}", s.handleConsoleCommunity)
	staff("POST /console/communities/{id}/announcements", s.handleConsoleAnnouncementCreate)
}

// consoleCommunitiesPage lists the communities the staff member runs.
type consoleCommunitiesPage struct {
	Page
	Communities []*culture.Community
}

func (s *Server) handleConsoleCommunities(w http.ResponseWriter, r *http.Request) {
	acc := consoleAccount(r)
	if s.Communities == nil {
		s.notFound(w, r)
		return
	} else if !acc.CanAnywhere(culture.ActManageActivities) {
		s.error(w, r, errNoCommunities)
		return
	}
	cs, err := s.consoleCommunities(r.Context(), acc)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "console_communities", "",
		&consoleCommunitiesPage{Page: s.page(r, "社群"), Communities: cs})
}

// consoleCommunities returns the communities under each unit where acc
// manages activities, each once.
func (s *Server) consoleCommunities(ctx context.Context, acc *culture.Account) ([]*culture.Community, error) {
	var out []*culture.Community
	for _, root := range consoleRoots(acc, culture.ActManageActivities) {
		cs, err := s.Communities.FindCommunities(ctx, root, 0)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			if !slices.ContainsFunc(out, func(o *culture.Community) bool { return o.UnitID == c.UnitID }) {
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// consoleCommunityPage shows one community to its staff.
type consoleCommunityPage struct {
	Page
	Community     *culture.Community
	Growth        growthTable
	Members       []*culture.CommunityMember
	Total         int // members
	PageNo, Pages int
	Announcements []*culture.Announcement
	Form          *consoleForm // a new announcement
}

// PageURL is the URL of page n of the member list.
func (p *consoleCommunityPage) PageURL(n int) string {
	return fmt.Sprintf("/console/communities/%d?page=%d#members", p.Community.UnitID, n)
}

func (s *Server) handleConsoleCommunity(w http.ResponseWriter, r *http.Request) {
	c, ok := s.consoleCommunity(w, r)
	if ok {
		s.renderCommunity(w, r, http.StatusOK, c, newConsoleForm("announce"))
	}
}

// consoleCommunity loads the community named by the path and checks that
// the account manages activities at its unit. On failure it answers:
// 404 for no such community, 403 for another branch's.
func (s *Server) consoleCommunity(w http.ResponseWriter, r *http.Request) (*culture.Community, bool) {
	id, ok := pathID(r)
	if !ok || s.Communities == nil {
		s.notFound(w, r)
		return nil, false
	}
	_, err := s.consoleUnitFor(r.Context(), consoleAccount(r), culture.ActManageActivities, id)
	var c *culture.Community
	if err == nil {
		c, err = s.Communities.FindCommunity(r.Context(), id, 0)
	}
	if err != nil {
		s.error(w, r, err)
		return nil, false
	}
	return c, true
}

// renderCommunity shows the community page with the announcement form f,
// which gets a fresh key unless it carries one (a refused form keeps its
// key: nothing was posted with it).
func (s *Server) renderCommunity(w http.ResponseWriter, r *http.Request, status int, c *culture.Community, f *consoleForm) {
	if f.Get(announceKey) == "" {
		f.Values[announceKey] = newAnnounceKey()
	}
	pageNo, _ := pageNumber(r) // a bad page shows the first
	data := &consoleCommunityPage{Page: s.page(r, c.UnitName+"社群"), Community: c,
		Growth: newGrowthTable(c.Growth), PageNo: pageNo, Form: f}
	var err error
	data.Members, data.Total, err = s.Communities.FindMembers(r.Context(), c.UnitID,
		consoleMembersPage, (data.PageNo-1)*consoleMembersPage)
	if err == nil {
		data.Announcements, err = s.Communities.FindAnnouncements(r.Context(), c.UnitID, consoleAnnouncements)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	data.Pages = max(1, (data.Total+consoleMembersPage-1)/consoleMembersPage)
	s.render(w, r, status, "console_community", "", data)
}

// handleConsoleAnnouncementCreate posts an announcement to the community's
// members: 403 for staff of another unit, 422 with the form for bad input.
// The form's key makes a double submit post (and notify) once.
func (s *Server) handleConsoleAnnouncementCreate(w http.ResponseWriter, r *http.Request) {
	c, ok := s.consoleCommunity(w, r)
	if !ok || !s.consoleParseForm(w, r) {
		return
	}
	f := consoleFormFrom(r, "announce", "title", "body")
	key := announceKeyFrom(r, f)
	a := &culture.Announcement{UnitID: c.UnitID, Title: f.text("title", "请填写标题。"),
		Body: f.text("body", "请填写内容。"), AuthorID: consoleAccount(r).ID}
	if f.Valid() {
		created, err := s.postAnnouncement(r.Context(), a, key)
		if err == nil {
			s.flash(r, announcedFlash(a, created))
			redirect(w, r, fmt.Sprintf("/console/communities/%d", c.UnitID))
			return
		} else if !f.absorb(err) {
			s.error(w, r, err)
			return
		}
	}
	s.renderCommunity(w, r, http.StatusUnprocessableEntity, c, f)
}

// announceKey is the announcement form's hidden field: a random key made
// when the form is shown, so that submitting it twice posts once.
const announceKey = "idempotency_key"

// newAnnounceKey returns a fresh form key (crypto/rand, 26 base32
// characters: 128 bits).
func newAnnounceKey() string { return rand.Text() }

// announceKeyFrom reads the submitted key into f; a key the store would
// refuse (a tampered form) fails the form, which is shown again with a
// fresh key. A form without one (shown before keys existed) posts unkeyed.
func announceKeyFrom(r *http.Request, f *consoleForm) string {
	key := r.PostForm.Get(announceKey)
	if !culture.ValidIdempotencyKey(key) {
		f.fail("", "表单已失效，请核对内容后重新提交。")
		key = ""
	}
	f.Values[announceKey] = key
	return key
}

// announcementPoster is the store's keyed post (sqlstore.Store implements
// it); a CommunityService without it posts unkeyed.
type announcementPoster interface {
	PostAnnouncementOnce(ctx context.Context, a *culture.Announcement, key string) (created bool, err error)
}

// postAnnouncement posts a once per key; created is false when the key
// was used before and a is then the announcement posted with it.
func (s *Server) postAnnouncement(ctx context.Context, a *culture.Announcement, key string) (bool, error) {
	if p, ok := s.Communities.(announcementPoster); ok {
		return p.PostAnnouncementOnce(ctx, a, key)
	}
	return true, s.Communities.PostAnnouncement(ctx, a)
}

// announcedFlash tells staff the announcement went out, or that a repeat
// of the form changed nothing.
func announcedFlash(a *culture.Announcement, created bool) string {
	if !created {
		return "公告“" + a.Title + "”已发布过，没有重复发布或通知。"
	}
	return "已发布公告“" + a.Title + "”，已通知社群成员。"
}
