package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// grabTemplateCases covers the waiting list, real-name and reserved-seat
// branches of the activity and ticket pages, and the record page.
func grabTemplateCases(a *culture.Activity, booking func(string) *culture.Booking, p Page) []pageCase {
	release := a.StartsAt.Add(-time.Hour)
	a.RealName, a.WalkinLeft, a.CommunityLeft, a.ReservedWalkin, a.ReservedCommunity = true, 2, 1, 2, 1
	a.ReserveReleaseAt = &release
	rank, expires := 3, p.Now.Add(30*time.Minute)
	waiting, offered := booking(culture.BookingWaitlisted), booking(culture.BookingOffered)
	waiting.QueueRank, offered.OfferExpiresAt = &rank, &expires
	noShow := booking(culture.BookingNoShow)
	late := booking(culture.BookingCancelled)
	late.LateCancel, late.Waived = true, true
	until := p.Now.Add(30 * 24 * time.Hour)
	rules := culture.DefaultRules()
	rules.WeeklyCap = 3
	return []pageCase{
		{"ActivityWaitlistRealName", "activity", "", &activityPage{Page: p, Activity: a, State: stateSoldOut, IdemKey: "k",
			Self: true, NoShowRule: rules.Text(), WeeklyRule: rules.WeeklyText()}},
		{"TicketWaitlisted", "ticket", "", &ticketPage{Page: p, Booking: waiting, CanCancel: true}},
		{"TicketOffered", "ticket", "", &ticketPage{Page: p, Booking: offered, CanCancel: true}},
		{"Record", "record", "", &recordPage{Page: p, Rule: rules.Text(),
			Record: &culture.NoShowRecord{Rules: rules, Entries: []*culture.Booking{noShow, late}, Count: 2, RestrictedUntil: &until}}},
		{"RecordEmpty", "record", "", &recordPage{Page: p, Rule: rules.Text(), Record: &culture.NoShowRecord{Rules: rules}}},
	}
}

func TestWaitlistPages(t *testing.T) {
	ts := newTestServer(t)
	c := ts.client(t, ts.Resident)
	res := ts.post(t, c, idPath("/activities/%d/book", ts.SoldOut.ID), url.Values{"self": {"1"}, "idem": {"w1"}, "waitlist": {"1"}})
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/me/tickets/") {
		t.Fatalf("waitlist = %d %s", res.Status, excerpt(res.Body))
	}
	mine := ts.bookingsOf(t, ts.Resident.ID, ts.SoldOut.ID)[0]
	if page := ts.get(t, c, res.Location); !strings.Contains(page.Body, "候补第 1 位") {
		t.Errorf("ticket lacks the rank: %s", excerpt(page.Body))
	}
	other := ts.bookingsOf(t, ts.Other.ID, ts.SoldOut.ID)[0]
	if _, err := ts.Store.CancelBooking(t.Context(), ts.Other.ID, other.ID); err != nil {
		t.Fatal(err)
	}
	if page := ts.get(t, c, res.Location); !strings.Contains(page.Body, "确认参加") {
		t.Errorf("ticket lacks the claim button: %s", excerpt(page.Body))
	}
	ts.run(t, []scenario{
		{name: "ClaimSomeoneElses", method: "POST", url: idPath("/me/tickets/%d/claim", mine.ID), as: ts.Other, want: http.StatusNotFound},
		{name: "ClaimOK", method: "POST", url: idPath("/me/tickets/%d/claim", mine.ID), as: ts.Resident, want: http.StatusSeeOther},
		{name: "Record", url: "/me/record", as: ts.Resident, want: http.StatusOK, text: []string{"我的爽约记录", "没有爽约记录"}},
		{name: "RecordVisitor", url: "/me/record", want: http.StatusSeeOther},
	})
	if b := ts.bookingsOf(t, ts.Resident.ID, ts.SoldOut.ID)[0]; b.Status != culture.BookingConfirmed {
		t.Errorf("claimed booking is %s", b.Status)
	}
}

func TestConsoleWaiveAndCounter(t *testing.T) {
	ts := newTestServer(t)
	other := ts.bookingsOf(t, ts.Other.ID, ts.SoldOut.ID)[0] // at 焦南
	if _, err := ts.Store.DB().Exec(`UPDATE bookings SET status = 'no_show' WHERE id = ?`, other.ID); err != nil {
		t.Fatal(err)
	}
	reason := url.Values{"reason": {"老人临时住院"}}
	ts.run(t, []scenario{
		// Another branch's booking answers as an unknown one: no existence oracle.
		{name: "JiaoxiAdminNotFound", method: "POST", url: idPath("/console/bookings/%d/waive", other.ID), form: reason,
			as: ts.BranchAdmin, want: http.StatusNotFound, text: []string{"预约不存在。"}},
		{name: "JiaoxiAdminUnknown", method: "POST", url: "/console/bookings/999999/waive", form: reason,
			as: ts.BranchAdmin, want: http.StatusNotFound, text: []string{"预约不存在。"}},
		{name: "ReasonNUL", method: "POST", url: idPath("/console/bookings/%d/waive", other.ID),
			form: url.Values{"reason": {"老人\x00住院"}}, as: ts.HubAdmin, want: http.StatusSeeOther},
		{name: "CheckerForbidden", method: "POST", url: idPath("/console/bookings/%d/waive", other.ID), form: reason,
			as: ts.Checker, want: http.StatusForbidden},
		{name: "HubAdminOK", method: "POST", url: idPath("/console/bookings/%d/waive", other.ID), form: reason,
			as: ts.HubAdmin, want: http.StatusSeeOther},
		{name: "AttendeeListShowsWaived", url: idPath("/console/activities/%d", ts.SoldOut.ID), as: ts.HubAdmin,
			want: http.StatusOK, text: []string{"已免除", "代为预约"}},
		{name: "CounterOK", method: "POST", url: idPath("/console/activities/%d/counter", ts.Bookable.ID),
			form: url.Values{"phone": {"13900000009"}, "seats": {"2"}}, as: ts.BranchAdmin, want: http.StatusSeeOther},
		{name: "CounterOtherBranch", method: "POST", url: idPath("/console/activities/%d/counter", ts.SoldOut.ID),
			form: url.Values{"phone": {"13900000009"}, "seats": {"1"}}, as: ts.BranchAdmin, want: http.StatusForbidden},
	})
	if b := ts.bookingsOf(t, other.AccountID, ts.SoldOut.ID)[0]; !b.Waived {
		t.Errorf("not waived: %+v", b)
	}
	bs, _, err := ts.Store.FindBookings(t.Context(), culture.BookingFilter{ActivityID: &ts.Bookable.ID})
	if err != nil || len(bs) != 1 || bs[0].Seats != 2 || bs[0].Attendees[1].Name != "同行1" {
		t.Fatalf("counter bookings = %+v, %v", bs, err)
	}
}
