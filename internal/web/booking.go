package web

import (
	"crypto/rand"
	"net/http"
	"net/url"
	"strconv"

	"github.com/wenyun/wenyun/internal/culture"
)

// newIdemKey returns a random idempotency key for one render of a form.
func newIdemKey() string { return rand.Text() }

// handleBookingCreate books seats for the resident and the family members
// ticked on the activity page. A refusal shows the page again with the
// reason and the mapped status (409 sold out or booked, 403 not open or
// closed, 422 bad input).
func (s *Server) handleBookingCreate(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	acct := s.signedInFor(w, r, "/activities/"+strconv.FormatInt(id, 10))
	if acct == nil {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	req, err := bookingRequest(r.PostForm, id, acct.ID)
	var b *culture.Booking
	if err == nil {
		b, err = s.Bookings.CreateBooking(r.Context(), req)
	}
	if err != nil {
		s.refuseBooking(w, r, id, req, err)
		return
	}
	s.booked(w, r, b)
}

// booked answers a successful booking request: the ticket, or the
// activity again when the form's key had made a booking since cancelled
// (the resident went back and sent an old form).
func (s *Server) booked(w http.ResponseWriter, r *http.Request, b *culture.Booking) {
	if !b.Active() {
		s.flash(r, "这份预约表单此前已提交过（当前状态："+b.StatusLabel()+"），请重新选择参加人后预约。")
		redirect(w, r, "/activities/"+strconv.FormatInt(b.ActivityID, 10))
		return
	}
	s.flash(r, bookedMessage(b))
	redirect(w, r, "/me/tickets/"+strconv.FormatInt(b.ID, 10))
}

// validIdem reports whether key could be a form's idempotency key (see
// newIdemKey): 1 to 100 of A-Z, a-z, 0-9, "_" and "-". Anything else is a
// stale or tampered form.
func validIdem(key string) bool {
	if key == "" || len(key) > culture.MaxIdempotencyKey {
		return false
	}
	for i := 0; i < len(key); i++ {
		switch c := key[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// bookingRequest reads the booking form: "self", "family" (ids) and "idem".
func bookingRequest(form url.Values, activityID, accountID int64) (*culture.BookingRequest, error) {
	req := &culture.BookingRequest{
		ActivityID: activityID, AccountID: accountID,
		Self: form.Get("self") == "1", IdempotencyKey: form.Get("idem"),
	}
	for _, v := range form["family"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return req, culture.Invalid("family", "参加人无效，请刷新页面后重试。")
		}
		req.FamilyIDs = append(req.FamilyIDs, id)
	}
	if !validIdem(req.IdempotencyKey) {
		req.IdempotencyKey = ""
		return req, culture.Invalid("idem", "页面已过期，请刷新后重试。")
	}
	req.Waitlist, req.RealNames = form.Get("waitlist") == "1", realNamesFrom(form, req)
	return req, req.Validate()
}

// refuseBooking shows the activity page again with why booking failed.
func (s *Server) refuseBooking(w http.ResponseWriter, r *http.Request, id int64, req *culture.BookingRequest, err error) {
	code := culture.ErrorCode(err)
	if code == culture.EINTERNAL {
		s.error(w, r, err)
		return
	}
	a, ferr := s.Activities.FindActivityByID(r.Context(), id)
	if ferr != nil {
		s.error(w, r, ferr)
		return
	}
	data, ferr := s.activityPage(r, a, req)
	if ferr != nil {
		s.error(w, r, ferr)
		return
	}
	data.Error = culture.ErrorMessage(err)
	s.render(w, r, statusOf[code], "activity", "", &data)
}

// bookedMessage is the flash shown on the new ticket.
func bookedMessage(b *culture.Booking) string {
	if b.Status == culture.BookingPending {
		return "报名已提交，请等待工作人员审核。"
	}
	if b.Status == culture.BookingApplied {
		return "抽签报名成功！报名截止后公开抽签，结果可在“我的票券”中查看。"
	}
	return "预约成功！入场时请出示二维码。"
}

// signedInFor returns the signed-in account of a form post. Without one it
// sends the visitor to sign in and then to back (a page, since a post
// cannot be replayed), and returns nil.
func (s *Server) signedInFor(w http.ResponseWriter, r *http.Request, back string) *culture.Account {
	acct := culture.AccountFromContext(r.Context())
	if acct == nil {
		s.sessions.Put(r.Context(), "after_login", back)
		redirect(w, r, "/login")
	}
	return acct
}
