package main

// Browser tests: the real serve command, driven by headless Chromium through
// chromedp. They skip when no Chromium is found, unless WENYUN_TEST_BROWSER
// is set (CI sets it), in which case a missing browser fails the run.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wenyun/wenyun/internal/culture"
)

// chromiumPath finds the browser, or skips (fails in CI) without one.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("WENYUN_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("WENYUN_TEST_BROWSER") != "" {
		t.Fatal("WENYUN_TEST_BROWSER is set but no Chromium was found (install the chromium package)")
	}
	t.Skip("no Chromium found; set WENYUN_CHROMIUM or install chromium to run browser tests")
	return ""
}

// newBrowser starts a headless Chromium with a phone-sized viewport and
// returns a context for its first tab. Each call is a separate browser, so
// cookies are not shared between a resident and a staff member.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.WindowSize(375, 812),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first action starts the browser; bound it so a Chromium that hangs
	// at launch fails the test instead of eating CI's whole timeout. (The
	// browser lives as long as ctx, so only this wait gets the deadline.)
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx, chromedp.EmulateViewport(375, 812)) }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("start chromium: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("chromium did not start within 60 s")
	}
	return ctx
}

// step runs browser actions with a bound on time, failing the test with
// the page's text when they do not complete.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("%s: %v\nat %s:\n%.1500s", what, err, loc, body)
	}
}

// pageText returns the visible text of the page.
func pageText(t *testing.T, ctx context.Context) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// screenshot writes a full-page PNG of the current page to the artifacts
// directory (WENYUN_ARTIFACTS, else the test's temporary directory).
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("WENYUN_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	dir = filepath.Join(dir, "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// axeViolation is one rule axe-core found broken.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any `json:"target"`
	} `json:"nodes"`
}

var axeSource = sync1(func() string {
	b, err := os.ReadFile(filepath.Join("..", "..", "internal", "web", "static", "vendor", "axe.min.js"))
	if err != nil {
		panic(err)
	}
	return string(b)
})

// checkAxe runs axe-core on the current page and fails on any serious or
// critical violation.
func checkAxe(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](axeSource())); err != nil {
		t.Fatalf("inject axe: %v", err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](
		`axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations)`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe on %s: %v", page, err)
	}
	var vs []axeViolation
	if err := json.Unmarshal(raw, &vs); err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Errorf("axe %s on %s: %s (%s) at %v", v.Impact, page, v.ID, v.Help, targets(v))
		}
	}
}

func targets(v axeViolation) string {
	var out []string
	for _, n := range v.Nodes {
		out = append(out, fmt.Sprint(n.Target...))
	}
	return strings.Join(out, ", ")
}

// smsCode finds the last sign-in code the console SMS driver logged for phone.
func smsCode(t *testing.T, log string, phone string) string {
	t.Helper()
	var code string
	for _, line := range strings.Split(log, "\n") {
		var rec struct {
			Msg   string `json:"msg"`
			Phone string `json:"phone"`
			Code  string `json:"code"`
		}
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Phone == phone && rec.Code != "" {
			code = rec.Code
		}
	}
	if !regexp.MustCompile(`^\d{6}$`).MatchString(code) {
		t.Fatalf("no sign-in code for %s in the log", phone)
	}
	return code
}

func sync1(f func() string) func() string {
	var s string
	var done bool
	return func() string {
		if !done {
			s, done = f(), true
		}
		return s
	}
}

// waitText polls until the element matching css contains text.
func waitText(t *testing.T, ctx context.Context, css, text string) {
	t.Helper()
	js := fmt.Sprintf(`(function(){var e=document.querySelector(%q);return e?e.innerText:""})()`, css)
	deadline := time.Now().Add(15 * time.Second)
	for {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err == nil && strings.Contains(got, text) {
			return
		}
		if time.Now().After(deadline) {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			t.Fatalf("%q never showed %q (at %s; err %v):\n%.1500s", css, text, loc, err, pageText(t, ctx))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// browserWorld is the small district the browser tests run in.
type browserWorld struct {
	db       string
	activity *culture.Activity
	lottery  *culture.Activity
}

// seedBrowserWorld stores a hub, the 焦西 branch with a room, a calligraphy
// class open for booking that starts within the check-in window, a dance
// class that a search for 书法 must not find, and a checker at 焦西.
func seedBrowserWorld(t *testing.T) browserWorld {
	t.Helper()
	ctx := context.Background()
	db := tempDB(t)
	s := openStore(t, db)
	hub := &culture.Unit{Kind: culture.UnitHub, Name: "解放区文化馆"}
	must(t, s.CreateUnit(ctx, hub))
	branch := &culture.Unit{Kind: culture.UnitBranch, Name: "焦西街道分馆", ParentID: &hub.ID}
	must(t, s.CreateUnit(ctx, branch))
	room := &culture.Room{UnitID: branch.ID, Name: "书画室", Capacity: 30}
	must(t, s.CreateRoom(ctx, room))
	start := time.Now().Add(time.Hour).Truncate(time.Minute)
	class := &culture.Activity{
		UnitID: branch.ID, RoomID: &room.ID, Title: "少儿书法体验课", Category: "书法美术",
		Description: "毛笔字入门，家长陪同。", Audience: "6–12 岁儿童及家长",
		StartsAt: start, EndsAt: start.Add(90 * time.Minute), Capacity: 20,
		Mode: culture.ModeFirstCome, OpensAt: time.Now().Add(-time.Hour), ClosesAt: start, MaxPerBooking: 3,
	}
	_, err := s.CreateActivity(ctx, class, 1)
	must(t, err)
	dance := *class
	dance.ID, dance.Title, dance.Category, dance.Description = 0, "广场舞基础班", "舞蹈", "适合中老年人。"
	_, err = s.CreateActivity(ctx, &dance, 1)
	must(t, err)
	film := *class
	film.ID, film.Title, film.Category, film.Mode = 0, "公益电影抽签放映", "公益电影", culture.ModeLottery
	_, err = s.CreateActivity(ctx, &film, 1)
	must(t, err)
	checker := &culture.Account{Username: "checker", Name: "焦西检票员"}
	must(t, s.CreateStaff(ctx, checker, "checker-pass-1"))
	must(t, s.CreateGrant(ctx, &culture.Grant{AccountID: checker.ID, Role: culture.RoleChecker, UnitID: branch.ID}))
	return browserWorld{db: db, activity: class, lottery: &film}
}

// signInResident signs in on the login page (already open) with the SMS
// code the console driver logged.
func signInResident(t *testing.T, ctx context.Context, srv *testServer, phone string) {
	t.Helper()
	step(t, ctx, "send phone", chromedp.SetValue(chromedp.CSS("#login-phone"), phone),
		chromedp.Click(chromedp.CSS(`form[action="/login/code"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#login-code")))
	code := smsCode(t, srv.log.String(), phone)
	step(t, ctx, "sign in", chromedp.SetValue(chromedp.CSS("#login-code"), code),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)))
	waitText(t, ctx, "header", "退出")
}

// signInStaff signs in to the console.
func signInStaff(t *testing.T, ctx context.Context, srv *testServer, username, password string) {
	t.Helper()
	step(t, ctx, "console sign-in as "+username, chromedp.Navigate(srv.url+"/console/login"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SetValue(chromedp.CSS("#username"), username),
		chromedp.SetValue(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS(`form[action="/console/login"] button[type=submit]`)))
	waitText(t, ctx, "header", "退出")
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestBrowserResidentBooksAndCheckerChecksIn walks the core loop: a resident
// signs in with an SMS code, adds a child, finds a class by Chinese search,
// books for both, sees the QR ticket; a checker checks the ticket in by its
// typed code. Every resident page passes axe-core; screenshots at 375 px.
func TestBrowserResidentBooksAndCheckerChecksIn(t *testing.T) {
	world := seedBrowserWorld(t)
	srv := startServe(t, world.db, "--log-format", "json")
	resident := newBrowser(t)
	const phone = "13800138000"

	step(t, resident, "open home", chromedp.Navigate(srv.url+"/"), chromedp.WaitVisible(chromedp.CSS("main")))
	checkAxe(t, resident, "home")
	screenshot(t, resident, "home")

	step(t, resident, "ask for a code", chromedp.Navigate(srv.url+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#login-phone")))
	checkAxe(t, resident, "login")
	screenshot(t, resident, "login")
	signInResident(t, resident, srv, phone)

	step(t, resident, "add a child", chromedp.Navigate(srv.url+"/me/family"),
		chromedp.WaitVisible(chromedp.CSS("#fm-name")))
	checkAxe(t, resident, "family")
	step(t, resident, "fill child", chromedp.SetValue(chromedp.CSS("#fm-name"), "张小乐"),
		chromedp.SetValue(chromedp.CSS("#fm-relation"), "子女"),
		chromedp.SetValue(chromedp.CSS("#fm-year"), "2017"),
		chromedp.Click(chromedp.CSS(`form[action="/me/family"] button[type=submit]`)))
	waitText(t, resident, "main", "张小乐")

	step(t, resident, "search", chromedp.Navigate(srv.url+"/activities"),
		chromedp.WaitVisible(chromedp.CSS("#f-q")),
		chromedp.SetValue(chromedp.CSS("#f-q"), "书法"),
		chromedp.Click(chromedp.CSS(`form.filters button[type=submit]`)))
	// htmx swaps the filtered results in; wait for the filtered count, not
	// just the title (the unfiltered list shows it too).
	waitText(t, resident, "#activity-results", "共 1 场活动")
	waitText(t, resident, "#activity-results", "少儿书法体验课")
	if strings.Contains(pageText(t, resident), "广场舞基础班") {
		t.Error("search for 书法 also listed 广场舞基础班")
	}
	checkAxe(t, resident, "activities")
	screenshot(t, resident, "activities")

	detail := fmt.Sprintf(`#activity-results a[href="/activities/%d"]`, world.activity.ID)
	step(t, resident, "open the class", chromedp.Click(chromedp.CSS(detail)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/book"]`)))
	checkAxe(t, resident, "activity")
	screenshot(t, resident, "activity")
	step(t, resident, "book for self and child",
		chromedp.Click(chromedp.CSS(`input[name=self]`)),
		chromedp.Click(chromedp.CSS(`input[name=family]`)),
		chromedp.Click(chromedp.CSS(`form[action$="/book"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".ticket .code")))
	waitText(t, resident, "main", "张小乐")
	loaded, err := chromedp.Run(resident, chromedp.Evaluate[bool](
		`(function(){var i=document.querySelector(".ticket img");return !!i && i.complete && i.naturalWidth > 0})()`))
	if err != nil || !loaded {
		t.Fatalf("QR image did not load (err %v)", err)
	}
	ticketCode, err := chromedp.Run(resident, chromedp.Text(chromedp.CSS(".ticket .code")))
	must(t, err)
	checkAxe(t, resident, "ticket")
	screenshot(t, resident, "ticket")
	step(t, resident, "my tickets", chromedp.Navigate(srv.url+"/me/tickets"), chromedp.WaitVisible(chromedp.CSS("main")))
	waitText(t, resident, "main", "少儿书法体验课")
	checkAxe(t, resident, "tickets")
	screenshot(t, resident, "tickets")

	// The grabbing pages of a signed-in resident: the no-show record and a
	// lottery's public commitment page.
	step(t, resident, "my record", chromedp.Navigate(srv.url+"/me/record"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	checkAxe(t, resident, "record")
	step(t, resident, "lottery page", chromedp.Navigate(fmt.Sprintf("%s/activities/%d/lottery", srv.url, world.lottery.ID)),
		chromedp.WaitVisible(chromedp.CSS("#commitment")))
	checkAxe(t, resident, "lottery")
	screenshot(t, resident, "lottery")

	staff := newBrowser(t)
	signInStaff(t, staff, srv, "checker", "checker-pass-1")
	step(t, staff, "check in", chromedp.Navigate(srv.url+"/console/checkin"),
		chromedp.WaitVisible(chromedp.CSS("#code")),
		chromedp.SetValue(chromedp.CSS("#code"), strings.TrimSpace(ticketCode)),
		chromedp.Click(chromedp.CSS(`form[data-checkin-form] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-result="ok"]`)))
	waitText(t, staff, `[data-result="ok"]`, "少儿书法体验课")
	screenshot(t, staff, "checkin")
}
