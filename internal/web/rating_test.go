package web

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// attendedActivity creates an activity at 焦西 starting in an hour, books
// and checks in the resident, then moves both clocks past its end. It
// returns the activity and the resident's booking.
func attendedActivity(t *testing.T, ms *menuTestServer) (*culture.Activity, *culture.Booking) {
	t.Helper()
	ctx, now := t.Context(), time.Now().Truncate(time.Second)
	a := &culture.Activity{UnitID: ms.Jiaoxi.ID, Title: "越剧进社区", Category: "戏曲", Mode: culture.ModeFirstCome,
		StartsAt: now.Add(time.Hour), EndsAt: now.Add(3 * time.Hour), Capacity: 20, MaxPerBooking: 2,
		OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(30 * time.Minute)}
	if _, err := ms.Store.CreateActivity(ctx, a, 1); err != nil {
		t.Fatalf("fixture activity: %v", err)
	}
	b, err := ms.Store.CreateBooking(ctx, &culture.BookingRequest{ActivityID: a.ID, AccountID: ms.Resident.ID, Self: true, IdempotencyKey: "rate-1"})
	if err != nil {
		t.Fatalf("fixture booking: %v", err)
	}
	if _, err := ms.Store.CheckInCode(ctx, b.Code, ms.Jiaoxi.ID, ms.Checker.ID); err != nil {
		t.Fatalf("fixture check-in: %v", err)
	}
	later := now.Add(4 * time.Hour)
	ms.Store.Now = func() time.Time { return later }
	ms.Server.Now = func() time.Time { return later }
	return a, b
}

func TestRating(t *testing.T) {
	ms := newMenuTestServer(t)
	a, b := attendedActivity(t, ms)
	rate, ticket := idPath("/activities/%d/rate", a.ID), idPath("/me/tickets/%d", b.ID)
	form := func(score, comment string) url.Values { return url.Values{"score": {score}, "comment": {comment}} }
	ms.run(t, []scenario{
		{name: "OKTicketForm", url: ticket, as: ms.Resident, want: http.StatusOK,
			text: []string{"评价本场活动", `name="score" value="5"`, "5 星（非常满意）", `hx-get="` + ticket + `/rating"`}},
		{name: "OKTicketBoxForm", url: ticket + "/rating", as: ms.Resident, want: http.StatusOK,
			text: []string{`action="` + rate + `"`}, not: []string{"<html", "hx-get"}},
		{name: "OKActivityNoRatings", url: idPath("/activities/%d/ratings", a.ID), want: http.StatusNoContent},
		{name: "OKActivityPageNoRatings", url: idPath("/activities/%d", a.ID), want: http.StatusOK,
			text: []string{"活动已结束。"}, not: []string{"居民评价"}},
		{name: "ErrVisitor", method: http.MethodPost, url: rate, form: form("5", ""), want: http.StatusSeeOther, location: "/login"},
		{name: "ErrNotAttended", method: http.MethodPost, url: rate, as: ms.Other, form: form("5", ""), want: http.StatusForbidden,
			text: []string{"签到参加后才能评价。"}},
		{name: "ErrOutOfRange", method: http.MethodPost, url: rate, as: ms.Resident, form: form("9", ""), want: http.StatusUnprocessableEntity,
			text: []string{"评分应为 1 到 5 星。", `role="alert"`, "评价本场活动"}},
		{name: "ErrZero", method: http.MethodPost, url: rate, as: ms.Resident, form: form("0", ""), want: http.StatusUnprocessableEntity},
		{name: "ErrNotNumber", method: http.MethodPost, url: rate, as: ms.Resident, form: form("abc", ""), want: http.StatusUnprocessableEntity,
			text: []string{"请选择 1 到 5 星。"}},
		{name: "ErrHuge", method: http.MethodPost, url: rate, as: ms.Resident, form: form("99999999999999999999", ""), want: http.StatusUnprocessableEntity},
		{name: "ErrMissing", method: http.MethodPost, url: rate, as: ms.Resident, want: http.StatusUnprocessableEntity},
		{name: "ErrBadComment", method: http.MethodPost, url: rate, as: ms.Resident, form: form("4", "坏\x00字"), want: http.StatusUnprocessableEntity},
	})
	if got := ratingsOf(t, ms, a.ID); len(got) != 0 {
		t.Fatalf("refused ratings stored %d ratings", len(got))
	}
	c := ms.client(t, ms.Resident)
	res := ms.post(t, c, rate, form("4", "唱得真好，希望再来。"))
	if res.Status != http.StatusSeeOther || res.Location != ticket {
		t.Fatalf("rate: status %d, Location %q\n%s", res.Status, res.Location, excerpt(res.Body))
	}
	(scenario{url: ticket, want: http.StatusOK, text: []string{"您的评价：4 星"}}).check(t, ms.get(t, c, ticket))
	(scenario{url: ticket + "/rating", want: http.StatusOK, text: []string{"您的评价：4 星", "唱得真好"}, not: []string{"<form"}}).
		check(t, ms.get(t, c, ticket+"/rating"))
	(scenario{url: rate, want: http.StatusConflict, text: []string{"您已评价过这场活动。"}}).check(t, ms.post(t, c, rate, form("5", "")))
	view := idPath("/activities/%d", a.ID)
	// The page itself shows the average: no JavaScript needed.
	(scenario{url: view, want: http.StatusOK, text: []string{"居民评价", "4.0 分（1 人评价）", "唱得真好"},
		not: []string{`hx-get="` + view + `/ratings"`}}).check(t, ms.get(t, ms.client(t, nil), view))
	(scenario{url: view + "/ratings", want: http.StatusOK, text: []string{"居民评价", "4.0 分（1 人评价）", "唱得真好", "李*"}}).
		check(t, ms.get(t, ms.client(t, nil), view+"/ratings"))
	if got := ratingsOf(t, ms, a.ID); len(got) != 1 || got[0].Score != 4 {
		t.Errorf("ratings: %+v, want one of 4", got)
	}
}

// TestRatingBeforeEnd: a ticket of an activity not yet ended has no
// rating box, and rating it is refused.
func TestRatingBeforeEnd(t *testing.T) {
	ms := newMenuTestServer(t)
	b, err := ms.Store.CreateBooking(t.Context(), &culture.BookingRequest{ActivityID: ms.Bookable.ID, AccountID: ms.Resident.ID,
		Self: true, IdempotencyKey: "rate-early"})
	if err != nil {
		t.Fatal(err)
	}
	ticket := "/me/tickets/" + strconv.FormatInt(b.ID, 10)
	ms.run(t, []scenario{
		{name: "OKNoBox", url: ticket, as: ms.Resident, want: http.StatusOK, not: []string{"评价本场活动"}},
		{name: "OKNoBoxFragment", url: ticket + "/rating", as: ms.Resident, want: http.StatusNoContent},
		{name: "ErrOtherTicket", url: ticket + "/rating", as: ms.Other, want: http.StatusNotFound},
		{name: "ErrRate", method: http.MethodPost, url: idPath("/activities/%d/rate", ms.Bookable.ID), as: ms.Resident,
			form: url.Values{"score": {"5"}}, want: http.StatusForbidden, text: []string{"签到参加后才能评价。", `role="alert"`}},
	})
}

func ratingsOf(t *testing.T, ms *menuTestServer, activityID int64) []*culture.Rating {
	t.Helper()
	rs, err := ms.Store.FindRatings(t.Context(), &activityID, nil, 100)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}
