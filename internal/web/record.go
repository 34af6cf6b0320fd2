package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/wenyun/wenyun/internal/culture"
)

// recordPage is the data of "my no-show record".
type recordPage struct {
	Page
	Record *culture.NoShowRecord
	Rule   string
}

// handleRecordView shows the resident's no-shows, late cancellations and
// any restriction, with the rule.
func (s *Server) handleRecordView(w http.ResponseWriter, r *http.Request) {
	acct := s.currentAccount(w, r)
	if acct == nil {
		return
	} else if s.Grab == nil {
		s.notFound(w, r)
		return
	}
	rec, err := s.Grab.FindNoShowRecord(r.Context(), acct.ID)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "record", "", &recordPage{Page: s.page(r, "我的爽约记录"), Record: rec, Rule: rec.Rules.Text()})
}

// handleTicketClaim confirms the resident's waiting-list offer.
func (s *Server) handleTicketClaim(w http.ResponseWriter, r *http.Request) {
	acct := s.signedInFor(w, r, "/me/tickets")
	if acct == nil {
		return
	}
	id, ok := pathID(r)
	if !ok || s.Grab == nil {
		s.notFound(w, r)
		return
	}
	b, err := s.Grab.ClaimOffer(r.Context(), acct.ID, id)
	if err != nil {
		s.refuseCancel(w, r, err) // shows the ticket again with the reason
		return
	}
	s.flash(r, "已确认参加，入场时请出示二维码。")
	redirect(w, r, "/me/tickets/"+strconv.FormatInt(b.ID, 10))
}

// realNamesFrom reads the real-name inputs of the booking form, one pair
// per attendee in booking order: rn_name_self / rn_id_self, then
// rn_name_<family id> / rn_id_<family id>. Nil when the form has none.
func realNamesFrom(form url.Values, req *culture.BookingRequest) []culture.RealName {
	keys := []string{}
	if req.Self {
		keys = append(keys, "self")
	}
	for _, id := range req.FamilyIDs {
		keys = append(keys, strconv.FormatInt(id, 10))
	}
	var out []culture.RealName
	for _, k := range keys {
		name, id := strings.TrimSpace(form.Get("rn_name_"+k)), strings.TrimSpace(form.Get("rn_id_"+k))
		if name == "" && id == "" {
			continue
		}
		out = append(out, culture.RealName{Name: name, IDNumber: id})
	}
	return out
}

// handleConsoleNoShowWaive waives a no-show with a reason, for staff who
// manage the activity's unit.
func (s *Server) handleConsoleNoShowWaive(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok || s.Grab == nil {
		s.notFound(w, r)
		return
	}
	b, ok := s.consoleBooking(w, r, id)
	if !ok || !s.consoleParseForm(w, r) {
		return
	}
	_, err := s.Grab.WaiveNoShow(r.Context(), id, consoleAccount(r).ID, r.PostForm.Get("reason"))
	if culture.ErrorCode(err) == culture.EINTERNAL {
		s.error(w, r, err)
		return
	}
	s.flash(r, map[bool]string{true: "已免除该爽约记录。", false: culture.ErrorMessage(err)}[err == nil])
	redirect(w, r, consoleActivityURL(b.ActivityID))
}

// handleConsoleCounterBooking books at the counter for a resident by
// mobile number (代为预约), from the walk-in reserve first.
func (s *Server) handleConsoleCounterBooking(w http.ResponseWriter, r *http.Request) {
	a, ok := s.consoleActivity(w, r)
	if !ok || !s.consoleParseForm(w, r) {
		return
	}
	if s.Grab == nil {
		s.notFound(w, r)
		return
	}
	seats, err := strconv.Atoi(r.PostForm.Get("seats"))
	if err != nil || seats < 1 || seats > a.MaxPerBooking {
		s.flash(r, "人数应在 1 到 "+strconv.Itoa(a.MaxPerBooking)+" 之间。")
		redirect(w, r, consoleActivityURL(a.ID))
		return
	}
	b, err := s.Grab.CounterBooking(r.Context(), culture.CounterRequest{
		ActivityID: a.ID, Phone: strings.TrimSpace(r.PostForm.Get("phone")), Seats: seats, StaffID: consoleAccount(r).ID,
	})
	switch {
	case culture.ErrorCode(err) == culture.EINTERNAL:
		s.error(w, r, err)
		return
	case err != nil:
		s.flash(r, "代为预约未成功："+culture.ErrorMessage(err))
	default:
		s.flash(r, "已代为预约 "+strconv.Itoa(b.Seats)+" 人，票券号码 "+b.DisplayCode()+"（请告知居民）。")
	}
	redirect(w, r, consoleActivityURL(a.ID))
}
