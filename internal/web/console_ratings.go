package web

import (
	"fmt"
	"net/http"

	"github.com/wenyun/wenyun/internal/culture"
)

// Rating moderation in the console: staff who manage activities at a unit
// see every rating of its activities and hide (with a reason) or show
// them. The store checks the permission again and audits each change.

// consoleRatingsPerPage is the page size of the ratings list.
const consoleRatingsPerPage = 50

// consoleRatingRoutes lists the moderation pages.
func (s *Server) consoleRatingRoutes(staff func(string, http.HandlerFunc)) {
	mod := func(pattern string, h http.HandlerFunc) { staff(pattern, s.moderationOnly(h)) }
	mod("GET /console/ratings", s.handleConsoleRatings)
	mod("POST /console/ratings/{id}/hide", s.handleConsoleRatingHide)
	mod("POST /console/ratings/{id}/show", s.handleConsoleRatingShow)
}

// moderationOnly answers 404 without the moderation service, and 403 to
// staff who manage activities nowhere.
func (s *Server) moderationOnly(h http.HandlerFunc) http.HandlerFunc {
	return s.consoleGate(func() bool { return s.Moderation != nil }, culture.ActManageActivities, errNoActivities, h)
}

// consoleRatingsPage lists the ratings of one subtree's activities.
type consoleRatingsPage struct {
	Page
	Units []consoleUnitRow
	// UnitID is the unit whose subtree is listed.
	UnitID  int64
	Ratings []*culture.Rating
	Total   int
	PageNum int
	// PrevURL and NextURL link the neighbouring pages, "" at the ends.
	PrevURL, NextURL string
	// Failed is the rating whose form was refused, Form that form.
	Failed int64
	Form   *consoleForm
}

// FormFor returns the hide form of a rating: the refused one as sent, or
// an empty one.
func (p consoleRatingsPage) FormFor(id int64) *consoleForm {
	if id == p.Failed && p.Form != nil {
		return p.Form
	}
	return newConsoleForm(consoleRatingFormID(id))
}

// Query is the list's query string ("?unit=3&page=2"), kept by its forms.
func (p consoleRatingsPage) Query() string { return consoleRatingsQuery(p.UnitID, p.PageNum) }

func consoleRatingFormID(id int64) string { return fmt.Sprintf("r%d", id) }

// consoleRatingsQuery is the query string of a list page.
func consoleRatingsQuery(unit int64, page int) string {
	q := fmt.Sprintf("?unit=%d", unit)
	if page > 1 {
		q += fmt.Sprintf("&page=%d", page)
	}
	return q
}

func (s *Server) handleConsoleRatings(w http.ResponseWriter, r *http.Request) {
	s.renderRatings(w, r, http.StatusOK, 0, nil)
}

// renderRatings shows the list the query names (?unit=, by default the
// account's first subtree; ?page=), with form f of rating failed refused.
func (s *Server) renderRatings(w http.ResponseWriter, r *http.Request, status int, failed int64, f *consoleForm) {
	acc := consoleAccount(r)
	roots, _, ok := s.consoleListRoots(w, r, acc)
	n, okPage := pageNumber(r)
	if !ok {
		return
	} else if !okPage || len(roots) == 0 {
		s.notFound(w, r)
		return
	}
	units, err := s.consoleScope(r.Context(), acc, culture.ActManageActivities)
	if err != nil {
		s.error(w, r, err)
		return
	}
	rs, total, err := s.Moderation.FindRatingsForStaff(r.Context(), roots[0], consoleRatingsPerPage, (n-1)*consoleRatingsPerPage)
	if err != nil {
		s.error(w, r, err)
		return
	}
	data := consoleRatingsPage{Page: s.page(r, "评价管理"), Units: units, UnitID: roots[0], Ratings: rs,
		Total: total, PageNum: n, Failed: failed, Form: f}
	if n > 1 {
		data.PrevURL = "/console/ratings" + consoleRatingsQuery(roots[0], n-1)
	}
	if n*consoleRatingsPerPage < total {
		data.NextURL = "/console/ratings" + consoleRatingsQuery(roots[0], n+1)
	}
	s.render(w, r, status, "console_ratings", "", data)
}

func (s *Server) handleConsoleRatingHide(w http.ResponseWriter, r *http.Request) {
	s.consoleModerate(w, r, true, "已隐藏这条评价，它不再计入平均分。")
}

func (s *Server) handleConsoleRatingShow(w http.ResponseWriter, r *http.Request) {
	s.consoleModerate(w, r, false, "已恢复显示这条评价。")
}

// consoleModerate hides or shows the rating named by the path with the
// posted reason. A refused reason shows the list again (422) with the
// message on that rating's form; a rating of another unit is 403.
func (s *Server) consoleModerate(w http.ResponseWriter, r *http.Request, hide bool, done string) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.consoleParseForm(w, r) {
		return
	}
	f := consoleFormFrom(r, consoleRatingFormID(id), "reason")
	var err error
	if f.Valid() {
		err = s.Moderation.HideRating(r.Context(), id, hide, f.Get("reason"), consoleAccount(r).ID)
	}
	switch {
	case err == nil && f.Valid():
		s.flash(r, done)
		redirect(w, r, "/console/ratings"+consoleRatingsBack(r))
	case err == nil || f.absorb(err):
		s.renderRatings(w, r, http.StatusUnprocessableEntity, id, f)
	default:
		s.error(w, r, err)
	}
}

// consoleRatingsBack keeps the list's unit and page, as the form's action
// carried them, for the redirect after a change. Only digits pass: the
// values go into a URL.
func consoleRatingsBack(r *http.Request) string {
	q := r.URL.Query()
	unit, page := q.Get("unit"), q.Get("page")
	if !consoleDigits(unit) {
		return ""
	}
	if consoleDigits(page) {
		return "?unit=" + unit + "&page=" + page
	}
	return "?unit=" + unit
}

func consoleDigits(s string) bool {
	if s == "" || len(s) > 18 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
