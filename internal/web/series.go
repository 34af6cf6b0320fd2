package web

import (
	"net/http"
	"strconv"

	"github.com/wenyun/wenyun/internal/culture"
)

// seriesUpcoming bounds the sessions and items listed on a series page.
const (
	seriesUpcoming = 20
	seriesItems    = 20
)

// seriesListPage is the data of the list of series.
type seriesListPage struct {
	Page
	Series []*culture.Series
}

// handleSeriesIndex lists the brand series (解放益课, 解放剧场).
func (s *Server) handleSeriesIndex(w http.ResponseWriter, r *http.Request) {
	all, err := s.Activities.FindSeries(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "series_list", "", &seriesListPage{Page: s.page(r, "品牌系列"), Series: all})
}

// seriesPage is the data of a series page. Without the menu service it
// shows the series and its sessions only.
type seriesPage struct {
	Page
	Series   *culture.Series
	Upcoming []activityCard
	Total    int // upcoming sessions, of which Upcoming are the first
	Items    []menuCard
	Figures  *culture.SeriesFigures
	// Following is true when the signed-in resident follows the series.
	Following bool
}

// RatingText shows the series' average score with its count.
func (p *seriesPage) RatingText() string {
	return ratingText(p.Figures.RatingAvg, p.Figures.RatingCount)
}

// LoginURL signs in and comes back to the series.
func (p *seriesPage) LoginURL() string {
	return "/login?next=" + seriesPath(p.Series.ID)
}

// handleSeriesView shows a series: its description, next sessions, menu
// items, past figures and the follow button.
func (s *Server) handleSeriesView(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	se, err := s.Activities.FindSeriesByID(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	data := seriesPage{Page: s.page(r, se.Name), Series: se}
	f := upcomingFilter(s.Now(), seriesUpcoming)
	f.SeriesID = &id
	as, total, err := s.Activities.FindActivities(r.Context(), f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	data.Upcoming, data.Total = activityCards(as, s.Now()), total
	if err := s.fillSeriesMenu(r, &data); err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "series", "", &data)
}

// fillSeriesMenu adds the series' items, figures and follow state.
func (s *Server) fillSeriesMenu(r *http.Request, data *seriesPage) error {
	if s.Menu == nil {
		return nil
	}
	id := data.Series.ID
	items, _, err := s.Menu.FindMenuItems(r.Context(), culture.MenuFilter{SeriesID: &id, Limit: seriesItems})
	if err != nil {
		return err
	}
	supported, err := s.supportedItems(r, data.Account)
	if err != nil {
		return err
	}
	data.Items = menuCards(items, supported)
	if data.Figures, err = s.Menu.SeriesFigures(r.Context(), id); err != nil {
		return err
	}
	if data.Account != nil {
		data.Following, err = s.Menu.IsFollowing(r.Context(), data.Account.ID, id)
	}
	return err
}

// handleSeriesFollow follows (follow=1) or unfollows (follow=0) a series.
func (s *Server) handleSeriesFollow(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok || s.Menu == nil {
		s.notFound(w, r)
		return
	}
	acct := s.signedInFor(w, r, seriesPath(id))
	if acct == nil || !s.readForm(w, r) {
		return
	}
	follow := r.PostForm.Get("follow")
	if follow != "1" && follow != "0" {
		s.error(w, r, culture.Invalid("follow", "请选择关注或取消关注。"))
		return
	}
	se, err := s.Activities.FindSeriesByID(r.Context(), id)
	if err == nil {
		err = s.Menu.FollowSeries(r.Context(), acct.ID, id, follow == "1")
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	if follow == "1" {
		s.flash(r, "已关注“"+se.Name+"”。")
	} else {
		s.flash(r, "已取消关注“"+se.Name+"”。")
	}
	redirect(w, r, seriesPath(id))
}

// seriesPath is the URL of a series page.
func seriesPath(id int64) string { return "/series/" + strconv.FormatInt(id, 10) }
