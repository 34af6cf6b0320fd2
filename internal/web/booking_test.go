package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wenyun/wenyun/internal/culture"
)

// bookForm is the booking form: self, the family ids and an idempotency key.
func bookForm(self bool, key string, family ...int64) url.Values {
	v := url.Values{"idem": {key}}
	if self {
		v.Set("self", "1")
	}
	for _, id := range family {
		v.Add("family", fmt.Sprint(id))
	}
	return v
}

// withValues sets name/value pairs on v and returns it.
func withValues(v url.Values, kv ...string) url.Values {
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func TestBookingCreate(t *testing.T) {
	ts := newTestServer(t)
	book := func(a *culture.Activity) string { return idPath("/activities/%d/book", a.ID) }
	post := http.MethodPost
	ts.run(t, []scenario{
		{name: "ErrVisitor", method: post, url: book(ts.Bookable), form: bookForm(true, "k0"), want: http.StatusSeeOther, location: "/login"},
		{name: "ErrNoAttendee", method: post, url: book(ts.Bookable), form: bookForm(false, "k1"), as: ts.Resident,
			want: http.StatusUnprocessableEntity, text: []string{"请至少选择一位参加人", `role="alert"`, `name="idem"`}},
		{name: "ErrOthersFamily", method: post, url: book(ts.Bookable), form: bookForm(false, "k2", ts.Child.ID), as: ts.Other,
			want: http.StatusUnprocessableEntity, text: []string{"参加人不存在"}},
		{name: "ErrFamilyNotNumeric", method: post, url: book(ts.Bookable), form: url.Values{"idem": {"k3"}, "family": {"x"}}, as: ts.Resident,
			want: http.StatusUnprocessableEntity, text: []string{"参加人无效"}},
		{name: "ErrDuplicateAttendee", method: post, url: book(ts.Bookable), form: bookForm(false, "k4", ts.Child.ID, ts.Child.ID), as: ts.Resident,
			want: http.StatusUnprocessableEntity, text: []string{"参加人重复"}},
		{name: "ErrNoIdemKey", method: post, url: book(ts.Bookable), form: bookForm(true, ""), as: ts.Resident,
			want: http.StatusUnprocessableEntity, text: []string{"页面已过期"}},
		{name: "ErrIdemKeyTooLong", method: post, url: book(ts.Bookable), form: bookForm(true, strings.Repeat("k", 101)), as: ts.Resident,
			want: http.StatusUnprocessableEntity, text: []string{"页面已过期，请刷新后重试。"}, not: []string{"Idempotency"}},
		{name: "ErrIdemKeyNUL", method: post, url: book(ts.Bookable), form: bookForm(true, "k\x00nul"), as: ts.Resident,
			want: http.StatusUnprocessableEntity, text: []string{"页面已过期，请刷新后重试。"}},
		{name: "ErrIdemKeyInvalidUTF8", method: post, url: book(ts.Bookable), form: bookForm(true, "k\xff"), as: ts.Resident,
			want: http.StatusUnprocessableEntity, text: []string{"页面已过期，请刷新后重试。"}},
		{name: "ErrIdemKeyChinese", method: post, url: book(ts.Bookable), form: bookForm(true, "预约键"), as: ts.Resident,
			want: http.StatusUnprocessableEntity, text: []string{"页面已过期，请刷新后重试。"}},
		{name: "ErrIdemKeyPunctuation", method: post, url: book(ts.Bookable), form: bookForm(true, "k 1/../x"), as: ts.Resident,
			want: http.StatusUnprocessableEntity, text: []string{"页面已过期，请刷新后重试。"}},
		{name: "ErrRealNameNUL", method: post, url: book(ts.Bookable),
			form: withValues(bookForm(true, "k-rn1"), "rn_name_self", "李\x00秀英", "rn_id_self", "11010519491231002X"), as: ts.Resident,
			want: http.StatusUnprocessableEntity, text: []string{"参加人姓名包含无效字符。"}},
		{name: "ErrRealNameInvalidUTF8", method: post, url: book(ts.Bookable),
			form: withValues(bookForm(true, "k-rn2"), "rn_name_self", "李\xff", "rn_id_self", "11010519491231002X"), as: ts.Resident,
			want: http.StatusUnprocessableEntity, text: []string{"参加人姓名包含无效字符。"}},
		{name: "ErrSoldOut", method: post, url: book(ts.SoldOut), form: bookForm(true, "k5"), as: ts.Resident,
			want: http.StatusConflict, text: []string{"名额已满，下次早点来哦。"}},
		{name: "ErrNotOpen", method: post, url: book(ts.NotOpen), form: bookForm(true, "k6"), as: ts.Resident,
			want: http.StatusForbidden, text: []string{"预约尚未开始"}},
		{name: "ErrClosed", method: post, url: book(ts.Closed), form: bookForm(true, "k7"), as: ts.Resident,
			want: http.StatusForbidden, text: []string{"预约已截止。"}},
		{name: "ErrNoBookingNeeded", method: post, url: book(ts.WalkIn), form: bookForm(true, "k8"), as: ts.Resident,
			want: http.StatusUnprocessableEntity, text: []string{"该活动无需预约"}},
		{name: "ErrCancelled", method: post, url: book(ts.Cancelled), form: bookForm(true, "k9"), as: ts.Resident,
			want: http.StatusConflict, text: []string{"该活动已取消。"}},
		{name: "ErrTooMany", method: post, url: book(ts.Approval), form: bookForm(true, "k10", ts.Child.ID), as: ts.Resident,
			want: http.StatusUnprocessableEntity, text: []string{"每次最多预约 1 人"}},
		{name: "OKOther", method: post, url: book(ts.Bookable), form: bookForm(true, "k11"), as: ts.Other,
			want: http.StatusSeeOther, location: "/me/tickets/"},
		{name: "ErrAlreadyBooked", method: post, url: book(ts.Bookable), form: bookForm(true, "k11b"), as: ts.Other,
			want: http.StatusConflict, text: []string{"您已预约过该活动", "查看我的票券"}},
		{name: "ErrUnknownActivity", method: post, url: "/activities/999999/book", form: bookForm(true, "k12"), as: ts.Resident,
			want: http.StatusNotFound, text: []string{"活动不存在"}},
		{name: "ErrNotNumeric", method: post, url: "/activities/abc/book", form: bookForm(true, "k13"), as: ts.Resident, want: http.StatusNotFound},
		{name: "ErrCrossSite", method: post, url: book(ts.Bookable), form: bookForm(true, "k14"), as: ts.Resident,
			header: map[string]string{"Sec-Fetch-Site": "cross-site"}, want: http.StatusForbidden, text: []string{"跨站请求已被拒绝"}},
		{name: "OKApprovalPending", method: post, url: book(ts.Approval), form: bookForm(true, "k15"), as: ts.Resident,
			want: http.StatusSeeOther, location: "/me/tickets/"},
	})
	if bs := ts.bookingsOf(t, ts.Resident.ID, ts.Bookable.ID); len(bs) != 0 {
		t.Errorf("refused requests made %d bookings", len(bs))
	}
	if bs := ts.bookingsOf(t, ts.Resident.ID, ts.Approval.ID); len(bs) != 1 || bs[0].Status != culture.BookingPending {
		t.Errorf("approval booking: %+v", bs)
	}
}

func TestBookingSelfAndChild(t *testing.T) {
	ts := newTestServer(t)
	c := ts.client(t, ts.Resident)
	res := ts.post(t, c, idPath("/activities/%d/book", ts.Bookable.ID), bookForm(true, "once", ts.Child.ID))
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/me/tickets/") {
		t.Fatalf("book: %d %q\n%s", res.Status, res.Location, excerpt(res.Body))
	}
	bs := ts.bookingsOf(t, ts.Resident.ID, ts.Bookable.ID)
	if len(bs) != 1 || bs[0].Seats != 2 || bs[0].Status != culture.BookingConfirmed {
		t.Fatalf("bookings: %+v", bs)
	}
	if a := ts.activity(t, ts.Bookable.ID); a.SeatsLeft != 18 {
		t.Errorf("seats left %d, want 18", a.SeatsLeft)
	}
	ticket := ts.get(t, c, res.Location)
	scenario{url: res.Location, want: http.StatusOK, text: []string{
		"预约成功", "少儿书法启蒙班", "李秀英（本人）", "李小明", bs[0].DisplayCode(), idPath("/me/tickets/%d/qr.png", bs[0].ID), "取消预约",
	}}.check(t, ticket)
	view := ts.get(t, c, idPath("/activities/%d", ts.Bookable.ID))
	scenario{want: http.StatusOK, text: []string{"您已预约本场活动：2 人", "查看我的票券", "剩余 18 个名额"}, not: []string{`name="idem"`}}.check(t, view)
}

func TestBookingDoubleSubmit(t *testing.T) {
	ts := newTestServer(t)
	c := ts.client(t, ts.Resident)
	form := bookForm(true, "double-tap-key")
	path := idPath("/activities/%d/book", ts.Bookable.ID)
	first, second := ts.post(t, c, path, form), ts.post(t, c, path, form)
	if first.Status != http.StatusSeeOther || second.Status != http.StatusSeeOther || first.Location != second.Location {
		t.Fatalf("double submit: %d %q, %d %q", first.Status, first.Location, second.Status, second.Location)
	}
	if bs := ts.bookingsOf(t, ts.Resident.ID, ts.Bookable.ID); len(bs) != 1 {
		t.Errorf("%d bookings, want 1", len(bs))
	}
	if a := ts.activity(t, ts.Bookable.ID); a.SeatsLeft != 19 {
		t.Errorf("seats left %d, want 19", a.SeatsLeft)
	}
	// A fresh key (a new render of the form) is a second request: refused.
	third := ts.post(t, c, path, bookForm(true, "another-key"))
	scenario{want: http.StatusConflict, text: []string{"您已预约过该活动"}}.check(t, third)
}

// bookFixture books the bookable activity for acct through the store.
func (ts *testServer) bookFixture(t testing.TB, acct *culture.Account, a *culture.Activity) *culture.Booking {
	t.Helper()
	b, err := ts.Store.CreateBooking(t.Context(), &culture.BookingRequest{
		ActivityID: a.ID, AccountID: acct.ID, Self: true, IdempotencyKey: fmt.Sprintf("fixture-%d-%d", acct.ID, a.ID),
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTickets(t *testing.T) {
	ts := newTestServer(t)
	mine := ts.bookFixture(t, ts.Resident, ts.Bookable)
	theirs := ts.bookFixture(t, ts.Other, ts.Bookable)
	pending := ts.bookFixture(t, ts.Resident, ts.Approval)
	ticket := idPath("/me/tickets/%d", mine.ID)
	ts.run(t, []scenario{
		{name: "OKPending", url: idPath("/me/tickets/%d", pending.ID), as: ts.Resident, want: http.StatusOK,
			text: []string{"合唱团新团员招募", "待审核", "审核通过后", pending.DisplayCode()}, not: []string{"qr.png"}},
		{name: "ErrQRPending", url: idPath("/me/tickets/%d/qr.png", pending.ID), as: ts.Resident, want: http.StatusNotFound},
		{name: "OKList", url: "/me/tickets", as: ts.Resident, want: http.StatusOK,
			text: []string{"我的票券", "即将参加", "少儿书法启蒙班", "已预约", ticket}, not: []string{"豫剧经典唱段赏析"}},
		{name: "OKListOther", url: "/me/tickets", as: ts.Other, want: http.StatusOK, text: []string{"豫剧经典唱段赏析", "少儿书法启蒙班"}},
		{name: "ErrListVisitor", url: "/me/tickets", want: http.StatusSeeOther, location: "/login"},
		{name: "OKMeRedirect", url: "/me", as: ts.Resident, want: http.StatusSeeOther, location: "/me/tickets"},
		{name: "OKTicket", url: ticket, as: ts.Resident, want: http.StatusOK,
			text: []string{mine.DisplayCode(), ticket + "/qr.png", `alt="入场二维码`, "李秀英（本人）", "取消预约", `data-confirm=`}},
		{name: "ErrTicketOfOther", url: idPath("/me/tickets/%d", theirs.ID), as: ts.Resident, want: http.StatusNotFound, not: []string{theirs.DisplayCode()}},
		{name: "ErrTicketUnknown", url: "/me/tickets/999999", as: ts.Resident, want: http.StatusNotFound},
		{name: "ErrTicketNotNumeric", url: "/me/tickets/abc", as: ts.Resident, want: http.StatusNotFound},
		{name: "ErrTicketVisitor", url: ticket, want: http.StatusSeeOther, location: "/login"},
		{name: "ErrQROfOther", url: idPath("/me/tickets/%d/qr.png", theirs.ID), as: ts.Resident, want: http.StatusNotFound},
		{name: "ErrQRVisitor", url: ticket + "/qr.png", want: http.StatusSeeOther, location: "/login"},
		{name: "ErrQRNotNumeric", url: "/me/tickets/1x/qr.png", as: ts.Resident, want: http.StatusNotFound},
		{name: "ErrCancelOther", method: http.MethodPost, url: idPath("/me/tickets/%d/cancel", theirs.ID), as: ts.Resident, want: http.StatusNotFound},
		{name: "ErrCancelNotNumeric", method: http.MethodPost, url: "/me/tickets/x/cancel", as: ts.Resident, want: http.StatusNotFound},
		{name: "ErrCancelVisitor", method: http.MethodPost, url: ticket + "/cancel", want: http.StatusSeeOther, location: "/login"},
	})
	if b, err := ts.Store.FindBookingByID(t.Context(), theirs.ID); err != nil || b.Status != culture.BookingConfirmed {
		t.Errorf("other's booking after refused cancel: %v, %v", b, err)
	}
}

func TestTicketQR(t *testing.T) {
	ts := newTestServer(t)
	b := ts.bookFixture(t, ts.Resident, ts.Bookable)
	res := ts.get(t, ts.client(t, ts.Resident), idPath("/me/tickets/%d/qr.png", b.ID))
	if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(res.Body, "\x89PNG") {
		t.Fatalf("qr: %d %q %q", res.Status, res.Header.Get("Content-Type"), res.Body[:min(8, len(res.Body))])
	}
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "private") {
		t.Errorf("Cache-Control %q, want private", cc)
	}
}

func TestTicketCancel(t *testing.T) {
	ts := newTestServer(t)
	b := ts.bookFixture(t, ts.Resident, ts.Bookable)
	c := ts.client(t, ts.Resident)
	res := ts.post(t, c, idPath("/me/tickets/%d/cancel", b.ID), nil)
	if res.Status != http.StatusSeeOther || res.Location != "/me/tickets" {
		t.Fatalf("cancel: %d %q\n%s", res.Status, res.Location, excerpt(res.Body))
	}
	list := ts.get(t, c, "/me/tickets")
	scenario{want: http.StatusOK, text: []string{"已取消预约", "历史记录", "已取消"}}.check(t, list)
	if a := ts.activity(t, ts.Bookable.ID); a.SeatsLeft != 20 {
		t.Errorf("seats left %d after cancel, want 20", a.SeatsLeft)
	}
	again := ts.post(t, c, idPath("/me/tickets/%d/cancel", b.ID), nil)
	scenario{want: http.StatusUnprocessableEntity, text: []string{"该预约已取消"}, not: []string{"qr.png"}}.check(t, again)
	qr := ts.get(t, c, idPath("/me/tickets/%d/qr.png", b.ID))
	scenario{want: http.StatusNotFound}.check(t, qr)
	view := ts.get(t, c, idPath("/me/tickets/%d", b.ID))
	scenario{want: http.StatusOK, text: []string{"已取消", b.DisplayCode()}, not: []string{"qr.png", "取消预约</button>"}}.check(t, view)
	// The old form sent again (same key) does not pretend to book.
	replay := ts.post(t, c, idPath("/activities/%d/book", ts.Bookable.ID), bookForm(true, fmt.Sprintf("fixture-%d-%d", ts.Resident.ID, ts.Bookable.ID)))
	scenario{want: http.StatusSeeOther, location: idPath("/activities/%d", ts.Bookable.ID)}.check(t, replay)
	scenario{want: http.StatusOK, text: []string{"此前已提交过（当前状态：已取消）", `name="idem"`}}.check(t, ts.get(t, c, replay.Location))
	// The seat is free again: booking anew works.
	rebook := ts.post(t, c, idPath("/activities/%d/book", ts.Bookable.ID), bookForm(true, "after-cancel"))
	scenario{want: http.StatusSeeOther, location: "/me/tickets/"}.check(t, rebook)
}

func TestFamily(t *testing.T) {
	ts := newTestServer(t)
	post := http.MethodPost
	member := func(name, relation, year string) url.Values {
		return url.Values{"name": {name}, "relation": {relation}, "birth_year": {year}}
	}
	back := member("李奶奶", "祖父母", "1950")
	back.Set("back", idPath("/activities/%d", ts.Bookable.ID))
	evil := member("李爷爷", "祖父母", "")
	evil.Set("back", "//evil.example/")
	ts.run(t, []scenario{
		{name: "OKList", url: "/me/family", as: ts.Resident, want: http.StatusOK,
			text: []string{"李小明", "子女", "2017 年生", `<label for="fm-name">`, `<label for="fm-relation">`, `<label for="fm-year">`}},
		{name: "ErrVisitor", url: "/me/family", want: http.StatusSeeOther, location: "/login"},
		{name: "OKAdd", method: post, url: "/me/family", form: member("王小红", "子女", "2018"), as: ts.Other, want: http.StatusSeeOther, location: "/me/family"},
		{name: "OKAddBack", method: post, url: "/me/family", form: back, as: ts.Resident, want: http.StatusSeeOther, location: back.Get("back")},
		{name: "OKAddEvilBackIgnored", method: post, url: "/me/family", form: evil, as: ts.Resident, want: http.StatusSeeOther, location: "/me/family"},
		{name: "OKListAfter", url: "/me/family", as: ts.Other, want: http.StatusOK, text: []string{"王小红"}, not: []string{"李小明"}},
		{name: "ErrName", method: post, url: "/me/family", form: member("", "子女", ""), as: ts.Resident,
			want: http.StatusUnprocessableEntity, text: []string{"请填写姓名", `aria-invalid="true"`}},
		{name: "ErrNameTooLong", method: post, url: "/me/family", form: member(strings.Repeat("李", 21), "子女", ""), as: ts.Resident,
			want: http.StatusUnprocessableEntity, text: []string{"姓名长度应在"}},
		{name: "ErrRelation", method: post, url: "/me/family", form: member("张三", "朋友", ""), as: ts.Resident,
			want: http.StatusUnprocessableEntity, text: []string{"请选择与您的关系", "张三"}},
		{name: "ErrBirthYearText", method: post, url: "/me/family", form: member("张三", "子女", "二零一六"), as: ts.Resident,
			want: http.StatusUnprocessableEntity, text: []string{"出生年份请填写 4 位数字"}},
		{name: "ErrBirthYearRange", method: post, url: "/me/family", form: member("张三", "子女", "1800"), as: ts.Resident,
			want: http.StatusUnprocessableEntity, text: []string{"出生年份无效"}},
		{name: "ErrDeleteOthers", method: post, url: idPath("/me/family/%d/delete", ts.Child.ID), as: ts.Other,
			want: http.StatusNotFound, text: []string{"家庭成员不存在"}},
		{name: "ErrDeleteNotNumeric", method: post, url: "/me/family/abc/delete", as: ts.Resident, want: http.StatusNotFound},
		{name: "OKDelete", method: post, url: idPath("/me/family/%d/delete", ts.Child.ID), as: ts.Resident, want: http.StatusSeeOther, location: "/me/family"},
		{name: "OKGone", url: "/me/family", as: ts.Resident, want: http.StatusOK, not: []string{"李小明"}, text: []string{"李奶奶"}},
		{name: "ErrDeleteAgain", method: post, url: idPath("/me/family/%d/delete", ts.Child.ID), as: ts.Resident, want: http.StatusNotFound},
		{name: "ErrBookDeleted", method: post, url: idPath("/activities/%d/book", ts.Bookable.ID), form: bookForm(false, "del", ts.Child.ID),
			as: ts.Resident, want: http.StatusUnprocessableEntity, text: []string{"参加人不存在"}},
	})
}
