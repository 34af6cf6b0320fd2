package web

import (
	"bytes"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// pageCase is one page template executed with typed data.
type pageCase struct {
	name string
	page string
	// block is "" for the whole page, or an htmx partial.
	block string
	data  any
}

// templateFixtures returns typed data for every resident page, signed in
// and not, in every state the templates branch on.
func templateFixtures() []pageCase {
	now := time.Now()
	hub := &culture.Unit{ID: 1, Kind: culture.UnitHub, Name: "解放区文化馆", Path: "/1/", Address: "民主南路 1 号", Phone: "0391-0000000"}
	branch := &culture.Unit{ID: 2, Kind: culture.UnitBranch, Name: "焦西分馆", Path: "/1/2/", ParentID: &hub.ID}
	point := &culture.Unit{ID: 3, Kind: culture.UnitPoint, Name: "建南文化点", Path: "/1/2/3/", ParentID: &branch.ID}
	act := func(id int64, mode string, opens time.Duration, seats int) *culture.Activity {
		return &culture.Activity{ID: id, UnitID: 2, Title: "少儿书法<启蒙>班", Category: "书法美术", Mode: mode,
			Description: "第一行\n第二行", Audience: "少年儿童", AgeMin: 6, AgeMax: 12,
			StartsAt: now.Add(72 * time.Hour), EndsAt: now.Add(74 * time.Hour), Capacity: 20, SeatsLeft: seats,
			OpensAt: now.Add(opens), ClosesAt: now.Add(71 * time.Hour), MaxPerBooking: 3, Status: culture.ActivityPublished,
			UnitName: "焦西分馆", RoomName: "多功能厅", SeriesName: "解放益课", Address: "焦西街道 1 号"}
	}
	bookable, opening := act(1, culture.ModeFirstCome, -time.Hour, 5), act(2, culture.ModeFirstCome, time.Hour, 20)
	soldOut, walkIn, approval := act(3, culture.ModeFirstCome, -time.Hour, 0), act(4, culture.ModeOpen, 0, 20), act(5, culture.ModeApproval, -time.Hour, 9)
	cancelled := act(6, culture.ModeFirstCome, -time.Hour, 5)
	cancelled.Status = culture.ActivityCancelled
	ended := act(7, culture.ModeFirstCome, -100*time.Hour, 5)
	ended.StartsAt, ended.EndsAt, ended.ClosesAt = now.Add(-3*time.Hour), now.Add(-time.Hour), now.Add(-4*time.Hour)
	all := []*culture.Activity{bookable, opening, soldOut, walkIn, approval, cancelled, ended}
	cards := activityCards(all, now)

	resident := &culture.Account{ID: 7, Phone: "13800000001", Name: "李秀英"}
	staff := &culture.Account{ID: 8, Username: "jiaoxi", Grants: []*culture.Grant{{Role: culture.RoleBranchAdmin, UnitID: 2, UnitPath: "/1/2/"}}}
	child := &culture.FamilyMember{ID: 3, AccountID: 7, Name: "李小明", Relation: "子女", BirthYear: 2017}
	page := func(a *culture.Account) Page {
		return Page{Title: "测试", Account: a, Flash: "已保存", Path: "/activities", Now: now}
	}
	booking := func(status string) *culture.Booking {
		return &culture.Booking{ID: 9, ActivityID: 1, AccountID: 7, Status: status, Seats: 2, Code: "7K3MQ9XA2B",
			CreatedAt: now, Activity: bookable, Attendees: []*culture.Attendee{{Name: "李秀英", Self: true}, {Name: "李小明", FamilyMemberID: &child.ID}}}
	}
	family := []attendeeOption{{FamilyMember: child, Checked: true}}

	cases := []pageCase{
		{"Home", "home", "", &homePage{Page: page(nil),
			Units:  []unitSection{{Unit: hub, Items: cards[:2]}, {Unit: branch}},
			Series: []seriesSection{{Series: &culture.Series{ID: 1, Name: "解放益课", Description: "公益课堂"}, Items: cards}}}},
		{"HomeStaff", "home", "", &homePage{Page: page(staff)}},
		{"Activities", "activities", "", &activitiesPage{Page: page(resident), Units: []*culture.Unit{hub, branch, point},
			Items: cards, Total: 45, Pages: 3, Query: activityQuery{Page: 2, UnitID: 2, Category: "戏曲", Q: "书法", Bookable: true},
			PrevURL: "/activities?page=1", NextURL: "/activities?page=3"}},
		{"ActivitiesEmpty", "activities", "", &activitiesPage{Page: page(nil)}},
		{"ActivitiesError", "activities", "", &activitiesPage{Page: page(nil), Error: "页码不正确。"}},
		{"ActivitiesBlock", "activities", "activities_results", &activitiesPage{Page: page(nil), Items: cards, Total: 7, Pages: 1}},
		{"Unit", "unit", "", &unitPage{Page: page(nil), Unit: hub, Children: []*culture.Unit{branch}, Items: cards, Total: 30}},
		{"UnitEmpty", "unit", "", &unitPage{Page: page(resident), Unit: point}},
		{"Login", "login", "", &loginPage{Page: page(nil)}},
		{"LoginError", "login", "", &loginPage{Page: page(nil), Phone: "123", Error: "请输入正确的 11 位手机号码。"}},
		{"LoginVerify", "login_verify", "", &loginPage{Page: page(nil), Phone: "13800000001"}},
		{"LoginVerifyError", "login_verify", "", &loginPage{Page: page(nil), Phone: "13800000001", Error: "验证码不正确。"}},
		{"Tickets", "tickets", "", &ticketsPage{Page: page(resident), Upcoming: []*culture.Booking{booking(culture.BookingConfirmed)},
			Past: []*culture.Booking{booking(culture.BookingCancelled), {ID: 10, ActivityID: 99, Status: culture.BookingNoShow, Seats: 1}}}},
		{"TicketsEmpty", "tickets", "", &ticketsPage{Page: page(staff)}},
		{"Ticket", "ticket", "", &ticketPage{Page: page(resident), Booking: booking(culture.BookingConfirmed), CanCancel: true}},
		{"TicketPending", "ticket", "", &ticketPage{Page: page(resident), Booking: booking(culture.BookingPending), CanCancel: true}},
		{"TicketCancelled", "ticket", "", &ticketPage{Page: page(resident), Booking: booking(culture.BookingCancelled), Error: "该预约已取消。"}},
		{"Family", "family", "", &familyPage{Page: page(resident), Members: []*culture.FamilyMember{child}, Back: "/activities/1"}},
		{"FamilyError", "family", "", &familyPage{Page: page(resident), Form: familyForm{Name: "张", Relation: "子女", BirthYear: "x"},
			Error: "出生年份无效。", Field: "birth_year"}},
		{"Error", "error", "", &errorPage{Page: page(resident), Status: 404, Message: "页面不存在。"}},
		{"ErrorValue", "error", "", errorPage{Page: page(staff), Status: 409, Message: "冲突。"}},
	}
	for _, a := range all {
		for _, acct := range []*culture.Account{nil, resident} {
			p := activityPage{Page: page(acct), Activity: a, State: seatState(a, now), IdemKey: "k", Family: family, Self: true}
			cases = append(cases, pageCase{"Activity" + strconv.FormatInt(a.ID, 10) + p.State, "activity", "", &p})
		}
	}
	withBooking := activityPage{Page: page(resident), Activity: bookable, State: stateAvailable, Booking: booking(culture.BookingPending), Error: "您已预约过该活动。"}
	cases = append(cases, lotteryTemplateCases(act(8, culture.ModeLottery, -time.Hour, 20), page(resident))...)
	cases = append(cases, grabTemplateCases(act(9, culture.ModeFirstCome, -time.Hour, 0), booking, page(resident))...)
	cases = append(cases, menuTemplateCases(page(resident), page(nil), ended, booking)...)
	cases = append(cases, inboxTemplateCases(page(resident))...)
	cases = append(cases, communityTemplateCases()...)
	cases = append(cases, newsTemplateCases(page(resident), page(nil))...)
	cases = append(cases, feedTemplateCases(page(resident))...)
	return append(cases, pageCase{"ActivityBooked", "activity", "", &withBooking})
}

// TestTemplates executes every page template, resident and console, with
// its typed data: each must render, pass the accessibility checks and never
// show a full mobile number.
func TestTemplates(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, c := range append(templateFixtures(), consoleTemplateFixtures()...) {
		t.Run(c.name, func(t *testing.T) {
			covered[c.page] = true
			html := executePage(t, s, c)
			if c.block == "" {
				checkAccessible(t, html)
			}
			if strings.Contains(html, "13812345678") {
				t.Error("full phone number shown")
			}
		})
	}
	names, err := fs.Glob(embedded, "templates/pages/*.html")
	if err != nil || len(names) == 0 {
		t.Fatalf("no page templates found (%v)", err)
	}
	for _, n := range names {
		if p := strings.TrimSuffix(path.Base(n), ".html"); !covered[p] {
			t.Errorf("page %s has no case in templateFixtures or consoleTemplateFixtures", p)
		}
	}
}

// executePage renders one case: the whole layout, or its htmx block.
func executePage(t *testing.T, s *Server, c pageCase) string {
	t.Helper()
	tmpl, err := s.pages.get(c.page)
	if err != nil {
		t.Fatal(err)
	}
	block := c.block
	if block == "" {
		block = "layout.html"
	}
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, block, c.data); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

var (
	headingRE = regexp.MustCompile(`<h([1-6])[\s>]`)
	inputRE   = regexp.MustCompile(`<(input|select|textarea)\b[^>]*>`)
	idRE      = regexp.MustCompile(`\bid="([^"]+)"`)
	typeRE    = regexp.MustCompile(`\btype="([^"]+)"`)
	emptyBtn  = regexp.MustCompile(`<button[^>]*>\s*</button>`)
	imgRE     = regexp.MustCompile(`<img\b[^>]*>`)
)

// checkAccessible checks what axe-core would flag as serious on our
// markup: labels for every control, headings in order from one h1, text
// in buttons, alt on images, and the page language.
func checkAccessible(t *testing.T, html string) {
	t.Helper()
	if !strings.Contains(html, `<html lang="zh-CN">`) {
		t.Error("no lang=zh-CN")
	}
	prev := 0
	for i, m := range headingRE.FindAllStringSubmatch(html, -1) {
		level, _ := strconv.Atoi(m[1])
		if i == 0 && level != 1 || level > prev+1 || i > 0 && level == 1 {
			t.Errorf("heading h%d after h%d", level, prev)
		}
		prev = level
	}
	for _, loc := range inputRE.FindAllStringIndex(html, -1) {
		tag := html[loc[0]:loc[1]]
		if typ := typeRE.FindStringSubmatch(tag); typ != nil && (typ[1] == "hidden" || typ[1] == "submit") {
			continue
		}
		if id := idRE.FindStringSubmatch(tag); id != nil && strings.Contains(html, `for="`+id[1]+`"`) {
			continue
		}
		before := html[:loc[0]]
		if strings.LastIndex(before, "<label") <= strings.LastIndex(before, "</label>") {
			t.Errorf("control without a label: %s", tag)
		}
	}
	if m := emptyBtn.FindString(html); m != "" {
		t.Errorf("button without text: %s", m)
	}
	for _, img := range imgRE.FindAllString(html, -1) {
		if !strings.Contains(img, ` alt="`) {
			t.Errorf("image without alt: %s", img)
		}
	}
}

// TestTemplatesCSP checks every template against the Content-Security-Policy:
// no inline scripts, no style attributes or elements, no inline handlers.
func TestTemplatesCSP(t *testing.T) {
	bad := regexp.MustCompile(`(?i)<script\b[^>]*>\s*[^<\s]|<script(\s+[a-z-]+="[^"]*")*\s*>|\sstyle=|<style\b|\son[a-z]+=`)
	err := fs.WalkDir(embedded, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(embedded, p)
		if err != nil {
			return err
		}
		for _, m := range bad.FindAllString(string(b), -1) {
			// A JSON data island is not executed, so the CSP allows it.
			if !strings.Contains(m, "src=") && !strings.Contains(m, `type="application/json"`) {
				t.Errorf("%s: %q breaks the CSP", p, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
