package web

import (
	"net/http"
	"strings"
	"testing"
)

func TestMethodNotAllowed(t *testing.T) {
	ts := newTestServer(t)
	view := idPath("/activities/%d", ts.Bookable.ID)
	notAllowed := []string{"不支持该请求方式。"}
	ts.run(t, []scenario{
		{name: "ErrPutActivity", method: http.MethodPut, url: view, want: http.StatusMethodNotAllowed, text: notAllowed},
		{name: "ErrDeleteActivitySignedIn", method: http.MethodDelete, url: view, as: ts.Resident,
			want: http.StatusMethodNotAllowed, text: notAllowed},
		{name: "ErrGetBook", url: view + "/book", want: http.StatusMethodNotAllowed, text: notAllowed},
		{name: "ErrPostActivities", method: http.MethodPost, url: "/activities", want: http.StatusMethodNotAllowed, text: notAllowed},
		{name: "ErrConsolePut", method: http.MethodPut, url: "/console/activities/1", want: http.StatusMethodNotAllowed, text: notAllowed},
		{name: "ErrNoPath", url: "/nope", want: http.StatusNotFound, text: []string{"页面不存在。"}},
		{name: "ErrNoPathPost", method: http.MethodPost, url: "/nope", want: http.StatusNotFound, text: []string{"页面不存在。"}},
		{name: "ErrConsoleNoPath", url: "/console/nope", as: ts.Operator, want: http.StatusNotFound, text: []string{"页面不存在。"}},
		{name: "OKView", url: view, want: http.StatusOK},
		{name: "OKBook", method: http.MethodPost, url: view + "/book", form: bookForm(true, "k-405"), as: ts.Resident,
			want: http.StatusSeeOther, location: "/me/tickets/"},
	})
	for _, tt := range []struct{ method, url, allow string }{
		{http.MethodPut, view, "GET"},
		{http.MethodGet, view + "/book", "POST"},
		{http.MethodPut, "/me/family", "GET, POST"},
	} {
		res := ts.do(t, ts.client(t, nil), tt.method, tt.url, nil, nil)
		if got := res.Header.Get("Allow"); got != tt.allow {
			t.Errorf("%s %s: Allow %q, want %q", tt.method, tt.url, got, tt.allow)
		}
	}
}

// TestStaticNeedsNoDatabase: a signed-in visitor's page loads several
// static files; they are served in front of the session and account
// middleware, so they work even with the database gone, while pages don't.
func TestStaticNeedsNoDatabase(t *testing.T) {
	ts := newTestServer(t)
	c := ts.client(t, ts.Resident)
	css := ts.Server.static.url("css/app.css")
	ts.Store.Close()
	res := ts.get(t, c, css)
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "--red") {
		t.Fatalf("static with the database closed: %d", res.Status)
	}
	if res.Header.Get("Content-Security-Policy") == "" || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("static headers: CSP %q, Cache-Control %q", res.Header.Get("Content-Security-Policy"), res.Header.Get("Cache-Control"))
	}
	if res := ts.get(t, c, "/me/tickets"); res.Status == http.StatusOK {
		t.Error("a page that needs the session answered 200 with the database closed: the test proves nothing")
	}
}
