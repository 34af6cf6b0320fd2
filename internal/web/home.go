package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// homeUpcoming bounds the activities the home page groups by branch, and
// homePerSection how many each branch and series shows.
const (
	homeUpcoming   = 100
	homePerSection = 3
)

// homePage is the data of the home page.
type homePage struct {
	Page
	// Units are the hub and its branches, each with a few upcoming activities.
	Units []unitSection
	// Series are the brands (解放益课, 解放剧场) with their next activities.
	Series []seriesSection
	News   []newsCard // the latest published articles (news.go)
}

// unitSection is a hub or branch with its next activities.
type unitSection struct {
	Unit  *culture.Unit
	Items []activityCard
}

// seriesSection is a series with its next activities.
type seriesSection struct {
	Series *culture.Series
	Items  []activityCard
}

// handleHome shows upcoming activities by series and by branch, a search
// box and category shortcuts.
func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	ctx, now := r.Context(), s.Now()
	units, _, err := s.Units.FindUnits(ctx, culture.UnitFilter{})
	if err != nil {
		s.error(w, r, err)
		return
	}
	upcoming, _, err := s.Activities.FindActivities(ctx, upcomingFilter(now, homeUpcoming))
	if err != nil {
		s.error(w, r, err)
		return
	}
	series, err := s.seriesSections(ctx, now)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "home", "", &homePage{
		Page:   s.page(r, ""),
		Units:  groupByBranch(units, upcoming, now, homePerSection),
		Series: series,
		News:   s.latestNews(ctx),
	})
}

// upcomingFilter selects published activities starting after now.
func upcomingFilter(now time.Time, limit int) culture.ActivityFilter {
	published := culture.ActivityPublished
	return culture.ActivityFilter{From: &now, Status: &published, Limit: limit}
}

// seriesSections returns every series with its next few activities.
func (s *Server) seriesSections(ctx context.Context, now time.Time) ([]seriesSection, error) {
	all, err := s.Activities.FindSeries(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]seriesSection, 0, len(all))
	for _, se := range all {
		f := upcomingFilter(now, homePerSection)
		f.SeriesID = &se.ID
		as, _, err := s.Activities.FindActivities(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, seriesSection{Series: se, Items: activityCards(as, now)})
	}
	return out, nil
}

// groupByBranch puts each activity under the nearest hub or branch above
// its unit (points belong to their branch), at most per each.
func groupByBranch(units []*culture.Unit, as []*culture.Activity, now time.Time, per int) []unitSection {
	byID := map[int64]*culture.Unit{}
	index := map[int64]int{}
	var out []unitSection
	for _, u := range units {
		byID[u.ID] = u
		if u.Kind == culture.UnitHub || u.Kind == culture.UnitBranch {
			index[u.ID] = len(out)
			out = append(out, unitSection{Unit: u})
		}
	}
	for _, a := range as {
		i, ok := sectionOf(byID[a.UnitID], index)
		if ok && len(out[i].Items) < per {
			out[i].Items = append(out[i].Items, newActivityCard(a, now))
		}
	}
	return out
}

// sectionOf finds the deepest unit on u's path that has a section.
func sectionOf(u *culture.Unit, index map[int64]int) (int, bool) {
	if u == nil {
		return 0, false
	}
	ids := strings.Split(strings.Trim(u.Path, "/"), "/")
	for i := len(ids) - 1; i >= 0; i-- {
		id, err := strconv.ParseInt(ids[i], 10, 64)
		if j, ok := index[id]; ok && err == nil {
			return j, true
		}
	}
	return 0, false
}
