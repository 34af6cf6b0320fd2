package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/wenyun/wenyun/internal/culture"
)

// TestBrowserServiceReport: hub staff open the reports page from the
// console navigation, preview 2026Q3 of the hub (seedExportWorld's summer,
// rolled up), switch the unit to 焦西 with the form, and download the Excel
// file through the page's own link with their session. The page passes
// axe-core and fits a 320 px screen.
func TestBrowserServiceReport(t *testing.T) {
	w := seedExportWorld(t)
	ctx := context.Background()
	s := openStore(t, w.db)
	_, err := s.RebuildRollups(ctx, nil)
	must(t, err)
	staff := &culture.Account{Username: "hubstaff", Name: "总馆管理员"}
	must(t, s.CreateStaff(ctx, staff, "hubstaff-pass-1"))
	must(t, s.CreateGrant(ctx, &culture.Grant{AccountID: staff.ID, Role: culture.RoleHubAdmin, UnitID: w.hub.ID}))
	srv := startServe(t, w.db)
	b := newBrowser(t)

	signInStaff(t, b, srv, "hubstaff", "hubstaff-pass-1")
	step(t, b, "the reports link", chromedp.Click(chromedp.CSS(`nav a[href="/console/reports"]`)),
		chromedp.WaitVisible(chromedp.CSS("#report-form")))
	step(t, b, "preview 2026Q3", chromedp.Navigate(srv.url+"/console/reports?period=2026Q3"),
		chromedp.WaitVisible(chromedp.CSS("#report-summary")))
	waitText(t, b, "#report-title", "解放区文化馆 2026年第三季度 公共文化服务报表")
	// The hub's total: 3 activities, 2 of them online (66.7%).
	waitText(t, b, "#report-summary tr.total", "66.7%")
	waitText(t, b, "#report-summary", "焦南分馆")
	checkAxe(t, b, "console reports")
	screenshot(t, b, "console-reports")

	// A refused period is shown as asked, its control marked invalid and
	// tied to the message, and the page still passes axe.
	step(t, b, "a malformed period", chromedp.Navigate(srv.url+"/console/reports?period=2026Q9"),
		chromedp.WaitVisible(chromedp.CSS("#report-error")))
	waitText(t, b, "#report-error", "无法识别")
	state, err := chromedp.Run(b, chromedp.Evaluate[string](`(() => {
		const p = document.querySelector("#report-period");
		return [p.value, p.getAttribute("aria-invalid"), p.getAttribute("aria-describedby"),
			document.querySelector("#report-from").hasAttribute("aria-invalid")].join(" ");
	})()`))
	if err != nil || state != "2026Q9 true report-error false" {
		t.Errorf("the period control after 2026Q9: %q (err %v), want it kept, invalid and described by the error", state, err)
	}
	checkAxe(t, b, "console reports, refused period")

	step(t, b, "back to 2026Q3", chromedp.Navigate(srv.url+"/console/reports?period=2026Q3"),
		chromedp.WaitVisible(chromedp.CSS("#report-summary")))
	step(t, b, "preview 焦西", chromedp.SetValue(chromedp.CSS("#report-unit"), fmt.Sprint(w.xi.ID)),
		chromedp.Click(chromedp.CSS(`#report-form button[type=submit]`)))
	waitText(t, b, "#report-title", "焦西分馆 2026年第三季度")

	step(t, b, "a 320 px screen", chromedp.EmulateViewport(320, 800))
	if over, err := chromedp.Run(b, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); err != nil || over {
		t.Errorf("the page is wider than 320 px (err %v)", err)
	}
	checkAxe(t, b, "console reports at 320 px")

	raw, err := chromedp.Run(b, chromedp.Evaluate[string](`(async () => {
		const r = await fetch(document.querySelector("#report-xlsx").href);
		const bytes = new Uint8Array(await r.arrayBuffer());
		let s = "";
		for (const x of bytes) s += String.fromCharCode(x);
		return JSON.stringify({status: r.status, type: r.headers.get("content-type"), body: btoa(s)});
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("download: %v", err)
	}
	var dl struct {
		Status     int
		Type, Body string
	}
	must(t, json.Unmarshal([]byte(raw), &dl))
	if dl.Status != 200 || !strings.Contains(dl.Type, "spreadsheetml") {
		t.Fatalf("download answered %d %s", dl.Status, dl.Type)
	}
	body, err := base64.StdEncoding.DecodeString(dl.Body)
	must(t, err)
	f, err := excelize.OpenReader(bytes.NewReader(body))
	must(t, err)
	defer f.Close()
	if got := strings.Join(f.GetSheetList(), ","); got != "汇总,焦西分馆" {
		t.Errorf("sheets %s", got)
	}
	// 焦西: 2 activities, 3 came, 2 different people.
	for cell, want := range map[string]string{"A7": "焦西分馆", "B7": "2", "F7": "3", "G7": "2", "A8": "合计"} {
		if v, _ := f.GetCellValue("汇总", cell); v != want {
			t.Errorf("汇总!%s = %q, want %q", cell, v, want)
		}
	}

	// The booking export form, preset to the quarter: hub staff manage the
	// activities, so the numbers are in full, and the export is audited.
	csvText, err := chromedp.Run(b, chromedp.Evaluate[string](`(async () => {
		const form = document.querySelector("#bookings-form");
		const r = await fetch(form.action + "?" + new URLSearchParams(new FormData(form)));
		return r.status + " " + r.headers.get("content-type") + "\n" + await r.text();
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("booking export: %v", err)
	}
	if !strings.HasPrefix(csvText, "200 text/csv") || strings.Count(csvText, "\r\n") != 5 ||
		!strings.Contains(csvText, "13800000002") || !strings.Contains(csvText, "少儿书法体验课") {
		t.Errorf("booking export:\n%s", csvText)
	}
	var audited int
	must(t, s.DB().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'export.bookings' AND account_id = ?`, staff.ID).Scan(&audited))
	if audited != 1 {
		t.Errorf("%d audit rows of the export, want 1", audited)
	}
}
