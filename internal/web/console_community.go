package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/wenyun/wenyun/internal/culture"
)

// Staff who manage activities at a branch or point (culture.ActManageActivities)
// run its community: they see its members — names, and phones masked by
// the store — and post announcements to them.

var errNoCommunities = culture.Errorf(culture.EFORBIDDEN, "您没有管理社群的权限。")

// Console community bounds.
const (
	consoleMembersPage   = 50
	consoleMaxPage       = 100000
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
	id, ok := consolePathID(r, "id")
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

// renderCommunity shows the community page with the announcement form f.
func (s *Server) renderCommunity(w http.ResponseWriter, r *http.Request, status int, c *culture.Community, f *consoleForm) {
	data := &consoleCommunityPage{Page: s.page(r, c.UnitName+"社群"), Community: c,
		Growth: newGrowthTable(c.Growth), PageNo: consolePageNo(r), Form: f}
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

// consolePageNo reads ?page=, 1 when missing or not a page number.
func consolePageNo(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 || n > consoleMaxPage {
		return 1
	}
	return n
}

// handleConsoleAnnouncementCreate posts an announcement to the community's
// members: 403 for staff of another unit, 422 with the form for bad input.
func (s *Server) handleConsoleAnnouncementCreate(w http.ResponseWriter, r *http.Request) {
	c, ok := s.consoleCommunity(w, r)
	if !ok || !s.consoleParseForm(w, r) {
		return
	}
	f := consoleFormFrom(r, "announce", "title", "body")
	a := &culture.Announcement{UnitID: c.UnitID, Title: f.text("title", "请填写标题。"),
		Body: f.text("body", "请填写内容。"), AuthorID: consoleAccount(r).ID}
	if f.Valid() {
		err := s.Communities.PostAnnouncement(r.Context(), a)
		if err == nil {
			s.flash(r, "已发布公告“"+a.Title+"”，已通知社群成员。")
			redirect(w, r, fmt.Sprintf("/console/communities/%d", c.UnitID))
			return
		} else if !f.absorb(err) {
			s.error(w, r, err)
			return
		}
	}
	s.renderCommunity(w, r, http.StatusUnprocessableEntity, c, f)
}
