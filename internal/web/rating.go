package web

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// Ratings are read whole to average an activity's and to find the
// resident's own: an activity has at most as many as it had attendees, so
// this bound is never reached in practice.
const (
	maxRatingsRead  = 5000
	activityRatings = 5 // latest comments shown on an activity page
)

// ticketRating is the rating box of a ticket whose activity the resident
// attended and which has ended: the form, or their rating once given.
type ticketRating struct {
	Booking *culture.Booking
	Mine    *culture.Rating
	// Lazy marks the box rendered inside the ticket page: it holds the
	// form, and htmx replaces it from /me/tickets/{id}/rating, which knows
	// whether the resident has rated (the ticket page's data does not).
	Lazy bool
}

// scoreOption is a choice of the rating form.
type scoreOption struct {
	Score int
	Label string
}

// scoreOptions are the rating form's choices, best first.
var scoreOptions = []scoreOption{{5, "非常满意"}, {4, "满意"}, {3, "一般"}, {2, "不满意"}, {1, "很不满意"}}

// Scores lists the choices of the form.
func (t *ticketRating) Scores() []scoreOption { return scoreOptions }

// RateBox returns the rating box of the ticket, or nil when the booking
// cannot be rated (not checked in, or the activity has not ended).
func (p *ticketPage) RateBox() *ticketRating {
	if !rateable(p.Booking, p.Now) {
		return nil
	}
	return &ticketRating{Booking: p.Booking, Lazy: true}
}

// rateable reports whether the booking's attendee may rate its activity at now.
func rateable(b *culture.Booking, now time.Time) bool {
	return b.Status == culture.BookingCheckedIn && b.Activity != nil && now.After(b.Activity.EndsAt)
}

// handleTicketRating answers the ticket page's htmx request for its
// rating box: the form, or the resident's rating. 204 when there is none.
func (s *Server) handleTicketRating(w http.ResponseWriter, r *http.Request) {
	b := s.ownBooking(w, r)
	if b == nil {
		return
	} else if s.Menu == nil {
		s.notFound(w, r)
		return
	}
	a, err := s.Activities.FindActivityByID(r.Context(), b.ActivityID)
	if err != nil {
		s.error(w, r, err)
		return
	}
	b.Activity = a
	if !rateable(b, s.Now()) {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	mine, err := s.myRating(r, b.AccountID, a.ID)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "ticket", "ticket_rating", &ticketRating{Booking: b, Mine: mine})
}

// myRating returns the account's rating of the activity, or nil.
func (s *Server) myRating(r *http.Request, accountID, activityID int64) (*culture.Rating, error) {
	rs, err := s.Menu.FindRatings(r.Context(), &activityID, nil, maxRatingsRead)
	if err != nil {
		return nil, err
	}
	for _, rt := range rs {
		if rt.AccountID == accountID {
			return rt, nil
		}
	}
	return nil, nil
}

// handleRatingCreate stores the resident's rating (score 1–5, comment) of
// an activity they were checked in to. A refusal (not attended, already
// rated, bad score) shows the ticket again with the reason.
func (s *Server) handleRatingCreate(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok || s.Menu == nil {
		s.notFound(w, r)
		return
	}
	acct := s.signedInFor(w, r, "/activities/"+strconv.FormatInt(id, 10))
	if acct == nil || !s.readForm(w, r) {
		return
	}
	rt, err := ratingFrom(r.PostForm, id, acct.ID)
	if err == nil {
		err = s.Menu.Rate(r.Context(), rt)
	}
	b, ferr := s.attendedBooking(r, acct.ID, id)
	if ferr != nil {
		s.error(w, r, ferr)
		return
	}
	if err != nil {
		s.refuseRating(w, r, b, err)
		return
	}
	s.flash(r, fmt.Sprintf("感谢您的评价！您的评价：%d 星。", rt.Score))
	if b == nil {
		redirect(w, r, "/activities/"+strconv.FormatInt(id, 10))
		return
	}
	redirect(w, r, "/me/tickets/"+strconv.FormatInt(b.ID, 10))
}

// ratingFrom reads the rating form: "score" (1 to 5) and "comment".
func ratingFrom(form url.Values, activityID, accountID int64) (*culture.Rating, error) {
	rt := &culture.Rating{ActivityID: activityID, AccountID: accountID, Comment: strings.TrimSpace(form.Get("comment"))}
	score, err := strconv.Atoi(form.Get("score"))
	if err != nil {
		return rt, culture.Invalid("score", "请选择 1 到 5 星。")
	}
	rt.Score = score
	return rt, rt.Validate()
}

// attendedBooking returns the account's booking of the activity, the
// checked-in one first; nil when there is none.
func (s *Server) attendedBooking(r *http.Request, accountID, activityID int64) (*culture.Booking, error) {
	bs, _, err := s.Bookings.FindBookings(r.Context(), culture.BookingFilter{AccountID: &accountID, ActivityID: &activityID})
	if err != nil || len(bs) == 0 {
		return nil, err
	}
	for _, b := range bs {
		if b.Status == culture.BookingCheckedIn {
			return b, nil
		}
	}
	return bs[0], nil
}

// refuseRating shows the ticket again with why the rating was refused,
// or the error page when the resident has no booking to show.
func (s *Server) refuseRating(w http.ResponseWriter, r *http.Request, b *culture.Booking, err error) {
	code := culture.ErrorCode(err)
	if code == culture.EINTERNAL || b == nil {
		s.error(w, r, err)
		return
	}
	s.renderTicket(w, r, cmp.Or(statusOf[code], http.StatusBadRequest), b, culture.ErrorMessage(err))
}

// ratingSummary is an activity's visible ratings: average and the latest.
type ratingSummary struct {
	Avg    float64
	Count  int
	Latest []*culture.Rating
}

// Text shows "4.6 分（12 人评价）".
func (r *ratingSummary) Text() string { return ratingText(r.Avg, r.Count) }

// summarize averages the visible ratings and keeps the latest few with a comment.
func summarize(rs []*culture.Rating) ratingSummary {
	var sum ratingSummary
	total := 0
	for _, rt := range visibleRatings(rs) {
		sum.Count++
		total += rt.Score
		if rt.Comment != "" && len(sum.Latest) < activityRatings {
			sum.Latest = append(sum.Latest, rt)
		}
	}
	if sum.Count > 0 {
		sum.Avg = float64(total) / float64(sum.Count)
	}
	return sum
}

// activityRatings summarises the activity's visible ratings (one query);
// nil when there are none.
func (s *Server) activityRatings(ctx context.Context, activityID int64) (*ratingSummary, error) {
	rs, err := s.Menu.FindRatings(ctx, &activityID, nil, maxRatingsRead)
	if err != nil {
		return nil, err
	}
	sum := summarize(rs)
	if sum.Count == 0 {
		return nil, nil
	}
	return &sum, nil
}

// pageRatings is activityRatings for the activity page, which does
// without them (logging why) rather than fail; nil without the menu.
func (s *Server) pageRatings(ctx context.Context, activityID int64) *ratingSummary {
	if s.Menu == nil {
		return nil
	}
	sum, err := s.activityRatings(ctx, activityID)
	if err != nil {
		s.Logger.ErrorContext(ctx, "activity page ratings", "activity", activityID, "err", err)
	}
	return sum
}

// handleActivityRatings answers an htmx request for an activity's
// ratings: the average and latest comments, or 204 when there are none.
// (The activity page renders them itself.)
func (s *Server) handleActivityRatings(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok || s.Menu == nil {
		s.notFound(w, r)
		return
	}
	sum, err := s.activityRatings(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return
	} else if sum == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.render(w, r, http.StatusOK, "activity", "activity_ratings", sum)
}
