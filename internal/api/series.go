package api

import (
	"net/http"

	"github.com/wenyun/wenyun/internal/culture"
)

// seriesJSON is a brand series of activities and menu items.
type seriesJSON struct {
	ID          int64  `json:"id"`
	Slug        string `json:"slug"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

func newSeriesJSON(s *culture.Series) seriesJSON {
	return seriesJSON{ID: s.ID, Slug: s.Slug, Name: s.Name, Description: s.Description}
}

// seriesViewJSON is a series with its past figures and whether the caller
// follows it (false for anonymous callers).
type seriesViewJSON struct {
	seriesJSON
	Figures   seriesFiguresJSON `json:"figures"`
	Following bool              `json:"following"`
}

// seriesFiguresJSON are a series' past figures.
type seriesFiguresJSON struct {
	Held        int     `json:"held"`
	Attendance  int     `json:"attendance"`
	Followers   int     `json:"followers"`
	RatingAvg   float64 `json:"rating_avg"`
	RatingCount int     `json:"rating_count"`
}

// handleSeriesIndex lists every series.
func (a *API) handleSeriesIndex(w http.ResponseWriter, r *http.Request) {
	found, err := a.activities.FindSeries(r.Context())
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := items[seriesJSON]{Items: make([]seriesJSON, 0, len(found))}
	for _, s := range found {
		out.Items = append(out.Items, newSeriesJSON(s))
	}
	a.writeJSON(w, r, http.StatusOK, out)
}

// handleSeriesView shows a series with its figures.
func (a *API) handleSeriesView(w http.ResponseWriter, r *http.Request) {
	s, err := a.pathSeries(r)
	var fig *culture.SeriesFigures
	if err == nil {
		fig, err = a.menu.SeriesFigures(r.Context(), s.ID)
	}
	following := false
	if me := account(r.Context()); err == nil && me != nil {
		following, err = a.menu.IsFollowing(r.Context(), me.ID, s.ID)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, seriesViewJSON{seriesJSON: newSeriesJSON(s), Following: following,
		Figures: seriesFiguresJSON{Held: fig.Held, Attendance: fig.Attendance, Followers: fig.Followers,
			RatingAvg: fig.RatingAvg, RatingCount: fig.RatingCount}})
}

// pathSeries finds the series named by the path.
func (a *API) pathSeries(r *http.Request) (*culture.Series, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return a.activities.FindSeriesByID(r.Context(), id)
}

// handleSeriesActivities lists a series' published activities from today
// on, paginated like the activity list.
func (a *API) handleSeriesActivities(w http.ResponseWriter, r *http.Request) {
	s, err := a.pathSeries(r)
	var p page
	if err == nil {
		p, err = parsePage(r.URL.Query())
	}
	published, from := culture.ActivityPublished, startOfDay(a.now())
	f := culture.ActivityFilter{Status: &published, From: &from, Limit: p.limit(), Offset: p.offset()}
	var acts []*culture.Activity
	var total int
	if err == nil {
		f.SeriesID = &s.ID
		acts, total, err = a.activities.FindActivities(r.Context(), f)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, list[activityJSON]{
		Items: newActivityList(acts), Total: total, Page: p.Page, PerPage: p.PerPage,
	})
}

// handleSeriesFollow makes the caller follow the series (idempotent).
func (a *API) handleSeriesFollow(w http.ResponseWriter, r *http.Request) {
	a.follow(w, r, true)
}

// handleSeriesUnfollow stops the caller following the series.
func (a *API) handleSeriesUnfollow(w http.ResponseWriter, r *http.Request) {
	a.follow(w, r, false)
}

func (a *API) follow(w http.ResponseWriter, r *http.Request, follow bool) {
	s, err := a.pathSeries(r)
	if err == nil {
		err = a.menu.FollowSeries(r.Context(), account(r.Context()).ID, s.ID, follow)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
