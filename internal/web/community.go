package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/wenyun/wenyun/internal/culture"
)

// Residents join communities themselves: setting a home branch does not
// join its community. The list and the community page mark the resident's
// home unit and offer its join button first, so joining stays a choice
// (and leaving one's home community is possible).

// Community page bounds.
const (
	communityUpcoming      = 10
	communityAnnouncements = 20
)

// communityRoutes lists the community pages.
func (s *Server) communityRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /communities", s.handleCommunityIndex)
	mux.HandleFunc("GET /communities/{id}", s.handleCommunityView)
	mux.HandleFunc("POST /communities/{id}/join", s.handleCommunityJoin)
	mux.HandleFunc("POST /communities/{id}/leave", s.handleCommunityLeave)
}

// communityRow is a community in the list, with its points under it.
type communityRow struct {
	*culture.Community
	// Home marks the signed-in resident's home unit; SignedIn shows the
	// join button.
	Home, SignedIn bool
	Points         []communityRow
}

// communitiesPage lists every branch community.
type communitiesPage struct {
	Page
	Branches []communityRow
}

// handleCommunityIndex lists the branch communities, with their points,
// the signed-in resident's own marked.
func (s *Server) handleCommunityIndex(w http.ResponseWriter, r *http.Request) {
	if s.Communities == nil {
		s.notFound(w, r)
		return
	}
	data := communitiesPage{Page: s.page(r, "社群")}
	var err error
	data.Branches, err = s.communityRows(r.Context(), data.Account)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "communities", "", &data)
}

// communityRows returns the branch communities with their points, each
// marked with acct's membership and home unit.
func (s *Server) communityRows(ctx context.Context, acct *culture.Account) ([]communityRow, error) {
	all, err := s.Communities.FindCommunities(ctx, 0, 0)
	if err != nil {
		return nil, err
	}
	units, _, err := s.Units.FindUnits(ctx, culture.UnitFilter{})
	if err != nil {
		return nil, err
	}
	mine, err := s.memberOf(ctx, acct)
	if err != nil {
		return nil, err
	}
	return groupCommunities(all, units, mine, acct), nil
}

// memberOf returns the units of the communities acct belongs to.
func (s *Server) memberOf(ctx context.Context, acct *culture.Account) (map[int64]bool, error) {
	mine := map[int64]bool{}
	if acct == nil {
		return mine, nil
	}
	cs, err := s.Communities.FindCommunities(ctx, 0, acct.ID)
	for _, c := range cs {
		mine[c.UnitID] = true
	}
	return mine, err
}

// groupCommunities puts each point's community under its branch's, in
// the order the store listed them (branches first).
func groupCommunities(all []*culture.Community, units []*culture.Unit, mine map[int64]bool, acct *culture.Account) []communityRow {
	parent := map[int64]int64{}
	for _, u := range units {
		if u.Kind == culture.UnitPoint && u.ParentID != nil {
			parent[u.ID] = *u.ParentID
		}
	}
	var out []communityRow
	at := map[int64]int{}
	for _, c := range all {
		c.Member = mine[c.UnitID]
		row := communityRow{Community: c, SignedIn: acct != nil, Home: acct != nil && deref(acct.HomeUnitID) == c.UnitID}
		if i, ok := at[parent[c.UnitID]]; ok {
			out[i].Points = append(out[i].Points, row)
			continue
		}
		at[c.UnitID] = len(out)
		out = append(out, row)
	}
	return out
}

// communityPage is the data of a community page.
type communityPage struct {
	Page
	Community     *culture.Community
	Unit          *culture.Unit
	Growth        growthTable
	Upcoming      []activityCard
	Total         int // upcoming activities, of which Upcoming are the first
	Announcements []*culture.Announcement
}

// Home reports whether the community is the resident's home unit's.
func (p *communityPage) Home() bool {
	return p.Account != nil && deref(p.Account.HomeUnitID) == p.Community.UnitID
}

// LoginURL signs in and comes back to the community.
func (p *communityPage) LoginURL() string { return communityLoginURL(p.Community.UnitID) }

// growthTable is a community's weekly growth, oldest week first, with
// the largest member count: the scale of its bars.
type growthTable struct {
	Rows []growthRow
	Max  int
}

// growthRow is one week, labelled by its Monday ("3月2日").
type growthRow struct {
	*culture.CommunityGrowth
	Label string
}

func newGrowthTable(weeks []*culture.CommunityGrowth) growthTable {
	g := growthTable{Max: 1}
	for _, w := range weeks {
		l := w.Week.In(culture.Shanghai)
		g.Rows = append(g.Rows, growthRow{CommunityGrowth: w, Label: fmt.Sprintf("%d月%d日", l.Month(), l.Day())})
		g.Max = max(g.Max, w.Members)
	}
	return g
}

// handleCommunityView shows a community: members and growth, the unit's
// (and its points') upcoming activities, announcements and the join or
// leave button.
func (s *Server) handleCommunityView(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok || s.Communities == nil {
		s.notFound(w, r)
		return
	}
	data, err := s.communityPage(r, id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "community", "", data)
}

func (s *Server) communityPage(r *http.Request, id int64) (*communityPage, error) {
	ctx, acct := r.Context(), culture.AccountFromContext(r.Context())
	var viewer int64
	if acct != nil {
		viewer = acct.ID
	}
	c, err := s.Communities.FindCommunity(ctx, id, viewer)
	if err != nil {
		return nil, err
	}
	data := &communityPage{Page: s.page(r, c.UnitName+"社群"), Community: c, Growth: newGrowthTable(c.Growth)}
	if data.Unit, err = s.Units.FindUnitByID(ctx, id); err != nil {
		return nil, err
	}
	f := upcomingFilter(s.Now(), communityUpcoming)
	f.Within = &id
	as, total, err := s.Activities.FindActivities(ctx, f)
	if err != nil {
		return nil, err
	}
	data.Upcoming, data.Total = activityCards(as, s.Now()), total
	data.Announcements, err = s.Communities.FindAnnouncements(ctx, id, communityAnnouncements)
	return data, err
}

// handleCommunityJoin adds the signed-in resident to the community.
func (s *Server) handleCommunityJoin(w http.ResponseWriter, r *http.Request) {
	s.communityMembership(w, r, true)
}

// handleCommunityLeave takes the signed-in resident out of the community.
func (s *Server) handleCommunityLeave(w http.ResponseWriter, r *http.Request) {
	s.communityMembership(w, r, false)
}

// communityMembership joins or leaves; doing either twice only says so.
// Visitors are sent to sign in and come back to the community page.
func (s *Server) communityMembership(w http.ResponseWriter, r *http.Request, join bool) {
	id, ok := pathID(r)
	if !ok || s.Communities == nil {
		s.notFound(w, r)
		return
	}
	acct := culture.AccountFromContext(r.Context())
	if acct == nil {
		s.sessions.Put(r.Context(), "after_login", communityPath(id))
		redirect(w, r, communityLoginURL(id))
		return
	}
	if !s.readForm(w, r) {
		return
	}
	c, err := s.Communities.FindCommunity(r.Context(), id, acct.ID)
	if err == nil {
		err = s.changeMembership(r, c, acct.ID, join)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	redirect(w, r, communityPath(id))
}

// changeMembership joins or leaves c and sets the flash message.
func (s *Server) changeMembership(r *http.Request, c *culture.Community, accountID int64, join bool) error {
	if join && c.Member {
		s.flash(r, "您已是“"+c.UnitName+"”社群的成员。")
		return nil
	} else if join {
		if err := s.Communities.JoinCommunity(r.Context(), accountID, c.UnitID); err != nil {
			return err
		}
		s.flash(r, "已加入“"+c.UnitName+"”社群，公告会发到您的消息中。")
		return nil
	}
	err := s.Communities.LeaveCommunity(r.Context(), accountID, c.UnitID)
	switch culture.ErrorCode(err) {
	case "":
		s.flash(r, "已退出“"+c.UnitName+"”社群。")
	case culture.ENOTFOUND: // left already, perhaps in another tab
		s.flash(r, "您不是“"+c.UnitName+"”社群的成员。")
	default:
		return err
	}
	return nil
}

// communityPath is the URL of a community page.
func communityPath(id int64) string { return "/communities/" + strconv.FormatInt(id, 10) }

// communityLoginURL signs in and comes back to the community page.
func communityLoginURL(id int64) string { return "/login?next=" + url.QueryEscape(communityPath(id)) }
