package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestLocalPath: only a path on this site is a redirect target. Browsers
// drop tabs and newlines inside URLs and read "\" as "/", so each hostile
// input here would leave the site.
func TestLocalPath(t *testing.T) {
	for _, tc := range []struct {
		p  string
		ok bool
	}{
		{"/", true},
		{"/activities/12", true},
		{"/activities?q=%E4%B9%A6%E6%B3%95&page=2", true},
		{"/activities?q=书法 班", true},
		{"/me/family?back=/activities/1", true},
		{"/activities/1#book", true},

		{"", false},
		{"activities", false},
		{"//example.com", false},
		{"//example.com/path", false},
		{"/\t/example.com", false},     // tab, stripped by browsers → //example.com
		{"/\n/example.com", false},     // newline
		{"/\r/example.com", false},     // carriage return
		{"\t//example.com", false},     // leading tab
		{"/\x00/example.com", false},   // NUL
		{"/\x7f/example.com", false},   // DEL
		{"/\x0b/example.com", false},   // vertical tab
		{"/\\example.com", false},      // backslash, read as "/"
		{"/\\/example.com", false},     // "/\/"
		{"\\\\example.com", false},     // "\\"
		{"/%09/example.com", false},    // encoded tab in the path
		{"/%5Cexample.com", false},     // encoded backslash
		{"/%2F/example.com", false},    // encoded slash: decoded path "//example.com"
		{"https://example.com", false}, // absolute URL
		{"https:example.com", false},   // scheme without slashes
		{"javascript:alert(1)", false}, // no leading slash
		{"/\u00a0/example.com", true},  // a no-break space is just a character in a path
		{"/\u200b/example.com", false}, // zero-width space (format character)
		{"/\u202e/moc.elpmaxe", false}, // right-to-left override
		{"/\u2028/example.com", false}, // line separator
		{"/\u0085/example.com", false}, // C1 next line
		{"/\xff/example.com", false},   // invalid UTF-8
		{"／／example.com", false},       // fullwidth solidus: not a path here
		{"/" + strings.Repeat("a", maxLocalPath), false},
	} {
		if got := localPath(tc.p); got != tc.ok {
			t.Errorf("localPath(%q) = %v, want %v", tc.p, got, tc.ok)
		}
	}
}

// TestLoginNextHostile: a hostile ?next= must not come back as the
// redirect after signing in (the shared signIn checks the session's
// target with localPath too).
func TestLoginNextHostile(t *testing.T) {
	f := newConsoleTestServer(t)
	for _, next := range []string{"/\t/example.com", "/\n/example.com", "/\\example.com", "/%09/example.com",
		"//example.com", "https://example.com", "/\u200b/example.com"} {
		c := f.client("")
		// url.QueryEscape sends "%09" for a tab: the handler reads it decoded.
		if res, _ := c.get("/login?next=" + url.QueryEscape(next)); res.StatusCode != http.StatusOK {
			t.Fatalf("login form: status %d", res.StatusCode)
		}
		res, _ := c.post("/console/login", url.Values{"username": {"xiadmin"}, "password": {consolePassword}}, nil)
		if got := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || got != "/console" {
			t.Errorf("next=%q: %d Location %q, want 303 /console", next, res.StatusCode, got)
		}
	}
	// A local target still works.
	c := f.client("")
	c.get("/login?next=" + url.QueryEscape("/console/checkin"))
	res, _ := c.post("/console/login", url.Values{"username": {"xiadmin"}, "password": {consolePassword}}, nil)
	if got := res.Header.Get("Location"); got != "/console/checkin" {
		t.Errorf("local next: Location %q, want /console/checkin", got)
	}
}

// TestConsoleLoginUsernameLimit: after 5 failed attempts on a username,
// further attempts are refused (429) whatever the password, from any
// address; other usernames are not affected, and a success forgets the
// failures.
func TestConsoleLoginUsernameLimit(t *testing.T) {
	f := newConsoleTestServer(t)
	c := f.client("")
	try := func(user, password string) (int, string) {
		t.Helper()
		res, body := c.post("/console/login", url.Values{"username": {user}, "password": {password}}, nil)
		return res.StatusCode, body
	}
	// A success in between forgets the earlier failures.
	for range consoleUserBurst - 1 {
		if st, _ := try("nanadmin", "wrong-password"); st != http.StatusUnauthorized {
			t.Fatalf("wrong password: status %d, want 401", st)
		}
	}
	if st, _ := try("nanadmin", consolePassword); st != http.StatusSeeOther {
		t.Fatalf("right password after %d failures: status %d, want 303", consoleUserBurst-1, st)
	}
	c = f.client("")
	for i := range consoleUserBurst {
		if st, _ := try("xiadmin", "wrong-password"); st != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d, want 401", i+1, st)
		}
	}
	for _, user := range []string{"xiadmin", " XIADMIN "} {
		st, body := try(user, consolePassword)
		if st != http.StatusTooManyRequests || !strings.Contains(body, "尝试次数过多，请稍后再试。") {
			t.Errorf("%q after %d failures: status %d, want 429 尝试次数过多\n%s", user, consoleUserBurst, st, consoleSnippet(body))
		}
	}
	if st, _ := try("operator", consolePassword); st != http.StatusSeeOther {
		t.Errorf("another username: status %d, want 303", st)
	}
}
