package web

import (
	"net/http"
	"sort"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/wenyun/wenyun/internal/culture"
)

// maxTickets bounds the bookings listed on "my tickets".
const maxTickets = 100

// ticketsPage is the data of "my tickets".
type ticketsPage struct {
	Page
	// Upcoming are active bookings of activities not yet ended, soonest
	// first; Past is everything else, latest first.
	Upcoming, Past []*culture.Booking
	Total          int
}

// ticketPage is the data of one ticket.
type ticketPage struct {
	Page
	Booking   *culture.Booking
	CanCancel bool
	Error     string
}

// ShowQR reports whether the ticket admits: confirmed or checked in (a
// pending request has no ticket to show yet).
func (p *ticketPage) ShowQR() bool { return admits(p.Booking) }

func admits(b *culture.Booking) bool {
	return b.Status == culture.BookingConfirmed || b.Status == culture.BookingCheckedIn
}

// handleMe sends the resident to their tickets.
func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	redirect(w, r, "/me/tickets")
}

// handleTicketIndex lists the resident's bookings.
func (s *Server) handleTicketIndex(w http.ResponseWriter, r *http.Request) {
	acct := s.currentAccount(w, r)
	if acct == nil {
		return
	}
	bs, total, err := s.Bookings.FindBookings(r.Context(), culture.BookingFilter{AccountID: &acct.ID, Limit: maxTickets})
	if err != nil {
		s.error(w, r, err)
		return
	}
	data := ticketsPage{Page: s.page(r, "我的票券"), Total: total}
	data.Upcoming, data.Past = splitTickets(bs, s.Now())
	s.render(w, r, http.StatusOK, "tickets", "", &data)
}

// splitTickets separates bookings still to attend from the rest.
func splitTickets(bs []*culture.Booking, now time.Time) (upcoming, past []*culture.Booking) {
	for _, b := range bs {
		if b.Active() && b.Activity != nil && now.Before(b.Activity.EndsAt) {
			upcoming = append(upcoming, b)
		} else {
			past = append(past, b)
		}
	}
	sort.SliceStable(upcoming, func(i, j int) bool { return upcoming[i].Activity.StartsAt.Before(upcoming[j].Activity.StartsAt) })
	sort.SliceStable(past, func(i, j int) bool { return startOf(past[i]).After(startOf(past[j])) })
	return upcoming, past
}

func startOf(b *culture.Booking) time.Time {
	if b.Activity == nil {
		return b.CreatedAt
	}
	return b.Activity.StartsAt
}

// ownBooking returns the signed-in resident's booking {id}. It answers
// 404 for a booking of someone else, so ids reveal nothing.
func (s *Server) ownBooking(w http.ResponseWriter, r *http.Request) *culture.Booking {
	acct := s.currentAccount(w, r)
	if acct == nil {
		return nil
	}
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return nil
	}
	b, err := s.Bookings.FindBookingByID(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return nil
	} else if b.AccountID != acct.ID {
		s.notFound(w, r)
		return nil
	}
	return b
}

// handleTicketView shows a ticket: QR code, code text, attendees.
func (s *Server) handleTicketView(w http.ResponseWriter, r *http.Request) {
	if b := s.ownBooking(w, r); b != nil {
		s.renderTicket(w, r, http.StatusOK, b, "")
	}
}

func (s *Server) renderTicket(w http.ResponseWriter, r *http.Request, status int, b *culture.Booking, msg string) {
	if b.Activity == nil {
		a, err := s.Activities.FindActivityByID(r.Context(), b.ActivityID)
		if err != nil {
			s.error(w, r, err)
			return
		}
		b.Activity = a
	}
	canCancel := (b.Status == culture.BookingPending || b.Status == culture.BookingConfirmed ||
		b.Status == culture.BookingWaitlisted || b.Status == culture.BookingOffered) &&
		s.Now().Before(b.Activity.StartsAt)
	s.render(w, r, status, "ticket", "", &ticketPage{
		Page: s.page(r, "票券"), Booking: b, CanCancel: canCancel, Error: msg,
	})
}

// qrSize is the side of the ticket QR image in pixels.
const qrSize = 320

// handleTicketQR serves the QR code of an admitting ticket to its owner.
func (s *Server) handleTicketQR(w http.ResponseWriter, r *http.Request) {
	b := s.ownBooking(w, r)
	if b == nil {
		return
	} else if !admits(b) {
		s.notFound(w, r)
		return
	}
	png, err := qrcode.Encode(b.Code, qrcode.Medium, qrSize)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, no-cache")
	w.Write(png)
}

// handleTicketCancel cancels the resident's booking.
func (s *Server) handleTicketCancel(w http.ResponseWriter, r *http.Request) {
	acct := s.signedInFor(w, r, "/me/tickets")
	if acct == nil {
		return
	}
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	if _, err := s.Bookings.CancelBooking(r.Context(), acct.ID, id); err != nil {
		s.refuseCancel(w, r, err)
		return
	}
	s.flash(r, "已取消预约")
	redirect(w, r, "/me/tickets")
}

// refuseCancel shows the ticket again with why it cannot be cancelled.
func (s *Server) refuseCancel(w http.ResponseWriter, r *http.Request, err error) {
	code := culture.ErrorCode(err)
	if code == culture.EINTERNAL || code == culture.ENOTFOUND {
		s.error(w, r, err)
		return
	}
	if b := s.ownBooking(w, r); b != nil {
		s.renderTicket(w, r, statusOf[code], b, culture.ErrorMessage(err))
	}
}
