package web

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// lotteryTemplateCases are the lottery page before and after the draw and
// the activity page of a lottery, for TestTemplates.
func lotteryTemplateCases(a *culture.Activity, p Page) []pageCase {
	a.LotteryCommit, a.LotteryWeighted = strings.Repeat("ab", 32), true
	open := &culture.Lottery{Activity: a, Commitment: a.LotteryCommit, DrawAt: a.ClosesAt, Applications: 12}
	drawnAt := a.ClosesAt
	drawn := *open
	drawn.Seed, drawn.DrawnAt, drawn.Seats = strings.Repeat("cd", 32), &drawnAt, 1
	drawn.Entries = []*culture.LotteryEntry{
		{Rank: 1, BookingID: 4, Seats: 1, Weight: 1, Won: true, Name: "张*"},
		{Rank: 2, BookingID: 3, Seats: 2, Weight: 0.5, Name: "138****0001"},
	}
	return []pageCase{
		{"LotteryOpen", "lottery", "", &lotteryPage{Page: p, Activity: a, Lottery: open}},
		{"LotteryDrawn", "lottery", "", &lotteryPage{Page: p, Activity: a, Lottery: &drawn}},
		{"LotteryEmpty", "lottery", "", &lotteryPage{Page: p, Activity: a, Lottery: &culture.Lottery{Activity: a, DrawnAt: &drawnAt}}},
		{"ActivityLottery", "activity", "", &activityPage{Page: p, Activity: a, State: stateAvailable}},
	}
}

func TestLotteryPage(t *testing.T) {
	ts := newTestServer(t)
	ts.Server.Lotteries = ts.Store
	ctx := t.Context()
	now := time.Now().Truncate(time.Second)
	a := &culture.Activity{UnitID: ts.Jiaoxi.ID, Title: "亲子剪纸抽签课", Category: "非遗", Mode: culture.ModeLottery,
		StartsAt: now.Add(48 * time.Hour), EndsAt: now.Add(50 * time.Hour), Capacity: 1, MaxPerBooking: 2,
		OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(time.Hour)}
	if _, err := ts.Store.CreateActivity(ctx, a, 1); err != nil {
		t.Fatal(err)
	}
	visitor := ts.client(t, nil)
	res := ts.get(t, visitor, lotteryPath(a.ID))
	for _, want := range []string{"抽签时间", lotteryPath(a.ID) + "/lottery", "报名时间"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("activity page lacks %q", want)
		}
	}
	res = ts.get(t, ts.client(t, nil), lotteryPath(a.ID)+"/lottery")
	if res.Status != http.StatusOK || !strings.Contains(res.Body, a.LotteryCommit) || strings.Contains(res.Body, `id="seed"`) {
		t.Fatalf("before the draw: status %d, body:\n%s", res.Status, res.Body)
	}
	for _, acct := range []*culture.Account{ts.Resident, ts.Other} {
		if _, err := ts.Store.CreateBooking(ctx, &culture.BookingRequest{ActivityID: a.ID, AccountID: acct.ID, Self: true}); err != nil {
			t.Fatal(err)
		}
	}
	ts.Store.Now = func() time.Time { return now.Add(2 * time.Hour) }
	l, err := ts.Store.DrawLottery(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	res = ts.get(t, visitor, lotteryPath(a.ID)+"/lottery")
	for _, want := range []string{l.Seed, "中签", "候补", culture.MaskName(ts.Resident.Name)} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("result page lacks %q", want)
		}
	}
	if strings.Contains(res.Body, ts.Resident.Name) {
		t.Errorf("result page shows the unmasked name %q", ts.Resident.Name)
	}
	if res := ts.get(t, visitor, lotteryPath(ts.Bookable.ID)+"/lottery"); res.Status != http.StatusNotFound {
		t.Errorf("first-come activity: status %d, want 404", res.Status)
	}
}

// lotteryPath is the path of an activity page.
func lotteryPath(id int64) string { return "/activities/" + strconv.FormatInt(id, 10) }
