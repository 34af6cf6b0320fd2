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
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(375, 812)); err != nil {
		t.Fatalf("start chromium: %v", err)
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
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(90))
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

var _ = culture.Shanghai
