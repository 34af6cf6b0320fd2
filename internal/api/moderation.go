package api

import (
	"net/http"

	"github.com/wenyun/wenyun/internal/culture"
)

// errNoModeration answers the moderation routes when the API runs without
// a RatingModeration.
var errNoModeration = notFound("评价管理功能未启用。")

// staffRatingJSON is a rating as moderators see it: hidden ones too, with
// the reason and the activity.
type staffRatingJSON struct {
	ratingJSON
	Hidden        bool   `json:"hidden"`
	HiddenReason  string `json:"hidden_reason"`
	ActivityTitle string `json:"activity_title"`
	UnitID        int64  `json:"unit_id"`
}

func newStaffRatingJSON(r *culture.Rating) staffRatingJSON {
	return staffRatingJSON{ratingJSON: newRatingJSON(r), Hidden: r.Hidden, HiddenReason: r.HiddenReason,
		ActivityTitle: r.ActivityTitle, UnitID: r.UnitID}
}

// staffRatingList is a page of ratings, by limit and offset.
type staffRatingList struct {
	Items []staffRatingJSON `json:"items"`
	Total int               `json:"total"`
}

// handleRatingIndex lists the ratings of activities within a unit where
// the caller manages activities, hidden ones included, newest first.
func (a *API) handleRatingIndex(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, offset, err := limitOffset(q)
	var u *culture.Unit
	if err == nil {
		u, err = a.queryUnitParam(r.Context(), q, "within")
	}
	if err == nil {
		err = account(r.Context()).Check(culture.ActManageActivities, u)
	}
	var found []*culture.Rating
	out := staffRatingList{Items: []staffRatingJSON{}}
	if err == nil {
		found, out.Total, err = a.moderation.FindRatingsForStaff(r.Context(), u.ID, limit, offset)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	for _, x := range found {
		out.Items = append(out.Items, newStaffRatingJSON(x))
	}
	a.writeJSON(w, r, http.StatusOK, out)
}

// handleRatingHide hides a rating with a reason (audited) and answers the
// rating as moderators see it.
func (a *API) handleRatingHide(w http.ResponseWriter, r *http.Request) {
	a.moderate(w, r, true)
}

// handleRatingShow shows a hidden rating again (audited); a reason is
// optional.
func (a *API) handleRatingShow(w http.ResponseWriter, r *http.Request) {
	a.moderate(w, r, false)
}

// moderate hides or shows the rating of the path, then reads it back. The
// store checks, in the same transaction as the change, that the caller
// manages activities at the unit of the rated activity (404 before 403),
// then the reason; so no lookup is needed here first.
func (a *API) moderate(w http.ResponseWriter, r *http.Request, hide bool) {
	id, err := pathID(r, "id")
	me := account(r.Context())
	if err == nil && !me.CanAnywhere(culture.ActManageActivities) {
		err = culture.ErrForbidden
	}
	var body reasonRequest
	if err == nil && (hide || hasBody(r)) {
		err = decodeJSON(w, r, &body)
	}
	if err == nil {
		err = a.moderation.HideRating(r.Context(), id, hide, body.Reason, me.ID)
	}
	var rt *culture.Rating
	if err == nil {
		rt, err = a.moderation.FindRatingByID(r.Context(), id)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, newStaffRatingJSON(rt))
}
