package api_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/api"
	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// newFeedAPI is the test API with the feed service wired (and the public
// URL, when given), and the one without it that newTestAPI builds.
func newFeedAPI(t *testing.T, publicURL ...string) (with, without http.Handler, s *sqlstore.Store, f *fixture) {
	t.Helper()
	without, s, f = newTestAPI(t)
	a := api.New(api.Config{
		Units: s, Accounts: s, Activities: s, Bookings: s, Menu: s, Feeds: s, SMS: f.SMS,
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return now },
		PublicURL: strings.Join(publicURL, ""),
	})
	return a.Handler(), without, s, f
}

// getAs serves GET path with the bearer token, the request saying Host
// host and X-Forwarded-Proto proto.
func getAs(h http.Handler, path, token, host, proto string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Host = host
	req.RemoteAddr = "203.0.113.9:1"
	if proto != "" {
		req.Header.Set("X-Forwarded-Proto", proto)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestCalendarFeedPublicURL: with PublicURL set, the feed address is on
// it whatever Host and X-Forwarded-Proto the request sends; without it,
// the address follows them (any case of https) and the reply says it
// varies with them.
func TestCalendarFeedPublicURL(t *testing.T) {
	h, _, s, f := newFeedAPI(t, "https://wenyun.example.cn/")
	tok, err := s.FeedToken(t.Context(), f.Alice)
	if err != nil {
		t.Fatal(err)
	}
	rec := getAs(h, "/api/v1/me/calendar", f.AliceToken, "evil.example", "http")
	var c calendarReply
	if err := json.Unmarshal(rec.Body.Bytes(), &c); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s (%v)", rec.Code, rec.Body.String(), err)
	}
	want := calendarReply{URL: "https://wenyun.example.cn/ical/me/" + tok + ".ics", WebcalURL: "webcal://wenyun.example.cn/ical/me/" + tok + ".ics"}
	if c != want || rec.Header().Get("Vary") != "" {
		t.Errorf("reply %+v, Vary %q; want %+v and no Vary", c, rec.Header().Get("Vary"), want)
	}

	fallback, _, _, f2 := newFeedAPI(t)
	rec = getAs(fallback, "/api/v1/me/calendar", f2.AliceToken, "wenyun.example:8443", "HTTPS")
	if err := json.Unmarshal(rec.Body.Bytes(), &c); err != nil || !strings.HasPrefix(c.URL, "https://wenyun.example:8443/ical/me/") ||
		!slices.Contains(rec.Header().Values("Vary"), "Host, X-Forwarded-Proto") {
		t.Errorf("without PublicURL: %+v, Vary %q", c, rec.Header().Values("Vary"))
	}
	rec = getAs(fallback, "/api/v1/me/calendar", f2.AliceToken, "evil.example/x", "")
	if err := json.Unmarshal(rec.Body.Bytes(), &c); err != nil || !strings.HasPrefix(c.URL, "http://localhost/ical/me/") {
		t.Errorf("a malformed Host: %+v", c)
	}
}

// TestNewPublicURL: a public URL that is not a site's address is a wiring
// mistake that stops the process.
func TestNewPublicURL(t *testing.T) {
	_, s, f := newTestAPI(t)
	for _, bad := range []string{"wenyun.example.cn", "ftp://wenyun.example.cn", "https://", "https://u:p@wenyun.example.cn",
		"https://wenyun.example.cn/?a=1", "https://wenyun.example.cn/a b", "https://文化.cn"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("api.New accepted the public URL %q", bad)
				}
			}()
			api.New(api.Config{Units: s, Accounts: s, Activities: s, Bookings: s, SMS: f.SMS, PublicURL: bad})
		}()
	}
}

// calendarReply is the reply of /me/calendar and its reset.
type calendarReply struct {
	URL       string `json:"url"`
	WebcalURL string `json:"webcal_url"`
}

var feedURL = regexp.MustCompile(`^http://example\.com/ical/me/([A-Za-z0-9_-]{32})\.ics$`)

// token checks a reply's addresses and returns its token.
func (c calendarReply) token(t *testing.T) string {
	t.Helper()
	m := feedURL.FindStringSubmatch(c.URL)
	if m == nil || c.WebcalURL != "webcal://"+strings.TrimPrefix(c.URL, "http://") {
		t.Fatalf("feed addresses %+v", c)
	}
	return m[1]
}

func TestCalendarFeedAPI(t *testing.T) {
	h, without, s, f := newFeedAPI(t)
	ctx := context.Background()
	owner := func(t *testing.T, token string) int64 {
		t.Helper()
		a, err := s.FindAccountByFeedToken(ctx, token)
		if err != nil {
			t.Fatalf("token %s: %v", token, err)
		}
		return a.ID
	}
	var first, again, bob calendarReply
	call(t, h, "GET", "/api/v1/me/calendar", f.AliceToken, "", http.StatusOK, &first)
	call(t, h, "GET", "/api/v1/me/calendar", f.AliceToken, "", http.StatusOK, &again)
	call(t, h, "GET", "/api/v1/me/calendar", f.BobToken, "", http.StatusOK, &bob)
	tok := first.token(t)
	if again != first {
		t.Errorf("second call %+v, first %+v", again, first)
	}
	if bob.token(t) == tok {
		t.Error("Alice and Bob share a feed token")
	}
	if got := owner(t, tok); got != f.Alice {
		t.Errorf("token finds account %d, want Alice %d", got, f.Alice)
	}

	t.Run("Reset", func(t *testing.T) {
		var reset, shown calendarReply
		call(t, h, "POST", "/api/v1/me/calendar/reset", f.AliceToken, "", http.StatusOK, &reset)
		fresh := reset.token(t)
		if fresh == tok {
			t.Fatal("reset kept the token")
		}
		if _, err := s.FindAccountByFeedToken(ctx, tok); culture.ErrorCode(err) != culture.ENOTFOUND {
			t.Errorf("old token after reset: %v, want not found", err)
		}
		if got := owner(t, fresh); got != f.Alice {
			t.Errorf("new token finds %d", got)
		}
		call(t, h, "GET", "/api/v1/me/calendar", f.AliceToken, "", http.StatusOK, &shown)
		if shown != reset {
			t.Errorf("after reset GET shows %+v, want %+v", shown, reset)
		}
		if got := owner(t, bob.token(t)); got != f.Bob {
			t.Error("Alice's reset changed Bob's token")
		}
	})
	t.Run("HTTPSBehindProxy", func(t *testing.T) {
		rec := serve(h, scenario{method: "GET", path: "/api/v1/me/calendar", token: f.AliceToken,
			headers: map[string]string{"X-Forwarded-Proto": "Https"}})
		var c calendarReply
		if err := json.Unmarshal(rec.Body.Bytes(), &c); err != nil || !strings.HasPrefix(c.URL, "https://example.com/ical/me/") {
			t.Errorf("behind a TLS proxy: %s (%v)", rec.Body.String(), err)
		}
	})
	run(t, h, []scenario{
		{name: "ErrNoToken", method: "GET", path: "/api/v1/me/calendar", wantStatus: http.StatusUnauthorized, wantCode: "unauthorized"},
		{name: "ErrResetNoToken", method: "POST", path: "/api/v1/me/calendar/reset", wantStatus: http.StatusUnauthorized, wantCode: "unauthorized"},
		{name: "ErrMethod", method: "DELETE", path: "/api/v1/me/calendar", token: f.AliceToken, wantStatus: http.StatusMethodNotAllowed},
	})
	run(t, without, []scenario{
		{name: "ErrNoService", method: "GET", path: "/api/v1/me/calendar", token: f.AliceToken, wantStatus: http.StatusNotFound,
			wantCode: "not_found", wantText: []string{"日历订阅功能未启用"}},
		{name: "ErrNoServiceReset", method: "POST", path: "/api/v1/me/calendar/reset", token: f.AliceToken, wantStatus: http.StatusNotFound,
			wantCode: "not_found"},
	})
}

// TestCalendarFeedMatchesOpenAPI checks the replies against
// openapi_feed.json.
func TestCalendarFeedMatchesOpenAPI(t *testing.T) {
	h, without, _, f := newFeedAPI(t)
	var doc map[string]any
	call(t, h, "GET", "/api/v1/openapi.json", "", "", http.StatusOK, &doc)
	for _, tt := range []struct {
		h                  http.Handler
		method, route, tok string
		status             int
	}{
		{h, "GET", "/me/calendar", f.AliceToken, 200},
		{h, "POST", "/me/calendar/reset", f.AliceToken, 200},
		{h, "GET", "/me/calendar", "", 401},
		{h, "POST", "/me/calendar/reset", "", 401},
		{without, "GET", "/me/calendar", f.AliceToken, 404},
		{without, "POST", "/me/calendar/reset", f.AliceToken, 404},
	} {
		rec := call(t, tt.h, tt.method, "/api/v1"+tt.route, tt.tok, "", tt.status, nil)
		schema, err := replySchema(doc, tt.route, strings.ToLower(tt.method), tt.status)
		if err != nil {
			t.Errorf("%s %s: %v", tt.method, tt.route, err)
			continue
		}
		var v any
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		for _, p := range conform(doc, schema, v, "$") {
			t.Errorf("%s %s %d: %s", tt.method, tt.route, tt.status, p)
		}
	}
}
