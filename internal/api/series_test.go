package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

func TestSeriesIndex(t *testing.T) {
	t.Parallel()
	h, _, m := newMenuAPI(t)
	run(t, h, []scenario{
		{name: "OK", method: "GET", path: "/api/v1/series", wantStatus: http.StatusOK,
			wantText: []string{`"id":` + itoa(m.Series), `"slug":"jiefang-juchang"`, `"name":"解放剧场"`}},
		{name: "ErrMethod", method: "POST", path: "/api/v1/series", body: "{}", wantStatus: http.StatusMethodNotAllowed, wantCode: "method_not_allowed"},
	})
}

func TestSeriesView(t *testing.T) {
	t.Parallel()
	h, _, m := newMenuAPI(t)
	p := path("/api/v1/series/%d", m.Series)
	call(t, h, "PUT", p+"/follow", m.AliceToken, "", http.StatusNoContent, nil)
	get := func(name, p, token string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "GET", path: p, token: token, wantStatus: status, wantCode: code, wantText: text}
	}
	run(t, h, []scenario{
		get("OK", p, "", http.StatusOK, "", `"name":"解放剧场"`, `"followers":1`, `"held":0`, `"following":false`),
		get("OKFollowing", p, m.AliceToken, http.StatusOK, "", `"following":true`),
		get("OKNotFollowing", p, m.BobToken, http.StatusOK, "", `"following":false`),
		get("ErrUnknown", "/api/v1/series/999", "", http.StatusNotFound, "not_found"),
		get("ErrBadID", "/api/v1/series/jiefang", "", http.StatusNotFound, "not_found"),
		get("ErrBadToken", p, "wy_forged", http.StatusUnauthorized, "unauthorized"),
	})
}

func TestSeriesActivities(t *testing.T) {
	t.Parallel()
	h, s, m := newMenuAPI(t)
	for _, start := range []time.Time{now.Add(-48 * time.Hour), now.Add(24 * time.Hour), now.Add(48 * time.Hour)} {
		a := &culture.Activity{UnitID: m.Xi, SeriesID: &m.Series, Title: "周末越剧", Category: "戏曲", StartsAt: start,
			EndsAt: start.Add(time.Hour), Capacity: 10, Mode: culture.ModeOpen, MaxPerBooking: 1}
		if _, err := s.CreateActivity(context.Background(), a, 1); err != nil {
			t.Fatal(err)
		}
	}
	p := path("/api/v1/series/%d/activities", m.Series)
	get := func(name, p string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "GET", path: p, wantStatus: status, wantCode: code, wantText: text}
	}
	run(t, h, []scenario{
		// The one two days ago is past.
		get("OK", p, http.StatusOK, "", `"total":2`, `"series_name":"解放剧场"`, `"starts_at":"2026-03-03T02:00:00Z"`),
		get("OKPage", p+"?per_page=1&page=2", http.StatusOK, "", `"total":2`, `"starts_at":"2026-03-04T02:00:00Z"`),
		get("ErrPage", p+"?page=0", http.StatusBadRequest, "invalid", `"field":"page"`),
		get("ErrUnknown", "/api/v1/series/999/activities", http.StatusNotFound, "not_found"),
	})
}

func TestSeriesFollow(t *testing.T) {
	t.Parallel()
	h, _, m := newMenuAPI(t)
	p := path("/api/v1/series/%d/follow", m.Series)
	req := func(name, method, p, token string, status int, code string) scenario {
		return scenario{name: name, method: method, path: p, token: token, wantStatus: status, wantCode: code}
	}
	followers := func(want string) scenario {
		return scenario{name: "Followers" + want, method: "GET", path: path("/api/v1/series/%d", m.Series),
			wantStatus: http.StatusOK, wantText: []string{`"followers":` + want}}
	}
	run(t, h, []scenario{
		req("ErrNoToken", "PUT", p, "", http.StatusUnauthorized, "unauthorized"),
		req("ErrUnknown", "PUT", "/api/v1/series/999/follow", m.AliceToken, http.StatusNotFound, "not_found"),
		req("ErrUnknownDelete", "DELETE", "/api/v1/series/999/follow", m.AliceToken, http.StatusNotFound, "not_found"),
		req("ErrNoTokenDelete", "DELETE", p, "", http.StatusUnauthorized, "unauthorized"),
		followers("0"),
		req("OK", "PUT", p, m.AliceToken, http.StatusNoContent, ""),
		req("OKAgain", "PUT", p, m.AliceToken, http.StatusNoContent, ""),
		followers("1"),
		req("OKUnfollow", "DELETE", p, m.AliceToken, http.StatusNoContent, ""),
		req("OKUnfollowAgain", "DELETE", p, m.AliceToken, http.StatusNoContent, ""),
		followers("0"),
	})
}
