package api_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestAuthCode(t *testing.T) {
	t.Parallel()
	h, _, _ := newTestAPI(t)
	run(t, h, []scenario{
		{name: "OK", method: "POST", path: "/api/v1/auth/code", body: `{"phone":"13900000001"}`,
			wantStatus: http.StatusOK, wantText: []string{`"sent":true`, `"expires_in":300`}},
		{name: "ErrThrottledPhone", method: "POST", path: "/api/v1/auth/code", body: `{"phone":"13900000001"}`,
			wantStatus: http.StatusTooManyRequests, wantCode: "too_many_requests"},
		{name: "ErrInvalidPhone", method: "POST", path: "/api/v1/auth/code", body: `{"phone":"12345"}`,
			wantStatus: http.StatusBadRequest, wantCode: "invalid", wantText: []string{"手机号"}},
		{name: "ErrMalformedJSON", method: "POST", path: "/api/v1/auth/code", body: `{"phone":`,
			wantStatus: http.StatusBadRequest, wantCode: "invalid", wantText: []string{"请求体不是有效的 JSON。"}},
		{name: "ErrTrailingData", method: "POST", path: "/api/v1/auth/code", body: `{"phone":"13900000002"} {}`,
			wantStatus: http.StatusBadRequest, wantCode: "invalid", wantText: []string{"请求体不是有效的 JSON。"}},
		{name: "ErrUnknownField", method: "POST", path: "/api/v1/auth/code", body: `{"phone":"13900000002","mail":"x"}`,
			wantStatus: http.StatusBadRequest, wantCode: "invalid", wantText: []string{"mail"}},
		{name: "ErrWrongType", method: "POST", path: "/api/v1/auth/code", body: `{"phone":13900000002}`,
			wantStatus: http.StatusBadRequest, wantCode: "invalid", wantText: []string{`"field":"phone"`}},
		{name: "ErrContentType", method: "POST", path: "/api/v1/auth/code", body: `{"phone":"13900000002"}`,
			headers: map[string]string{"Content-Type": "text/plain"}, wantStatus: http.StatusUnsupportedMediaType, wantCode: "unsupported_media_type"},
		{name: "ErrNoContentType", method: "POST", path: "/api/v1/auth/code", body: `{"phone":"13900000002"}`,
			headers: map[string]string{"Content-Type": ""}, wantStatus: http.StatusUnsupportedMediaType, wantCode: "unsupported_media_type"},
		{name: "ErrCharset", method: "POST", path: "/api/v1/auth/code", body: `{"phone":"13900000002"}`,
			headers: map[string]string{"Content-Type": "application/json; charset=gbk"}, wantStatus: http.StatusUnsupportedMediaType, wantCode: "unsupported_media_type"},
		{name: "OKCharsetUTF8", method: "POST", path: "/api/v1/auth/code", body: `{"phone":"13900000003"}`,
			headers: map[string]string{"Content-Type": "application/json; charset=UTF-8"}, wantStatus: http.StatusOK},
		{name: "ErrTooLarge", method: "POST", path: "/api/v1/auth/code", body: `{"phone":"` + strings.Repeat("1", 70<<10) + `"}`,
			wantStatus: http.StatusRequestEntityTooLarge, wantCode: "request_too_large"},
		{name: "ErrEmptyBody", method: "POST", path: "/api/v1/auth/code", headers: map[string]string{"Content-Type": "application/json"},
			wantStatus: http.StatusBadRequest, wantCode: "invalid"},
	})
}

func TestAuthCodeRateLimitPerIP(t *testing.T) {
	t.Parallel()
	h, _, _ := newTestAPI(t)
	var scenarios []scenario
	for _, phone := range []string{"13700000001", "13700000002", "13700000003", "13700000004", "13700000005"} {
		scenarios = append(scenarios, scenario{name: "OK", method: "POST", path: "/api/v1/auth/code",
			body: `{"phone":"` + phone + `"}`, remoteAddr: "192.0.2.7:1000", wantStatus: http.StatusOK})
	}
	scenarios = append(scenarios,
		scenario{name: "ErrTooMany", method: "POST", path: "/api/v1/auth/code", body: `{"phone":"13700000006"}`,
			remoteAddr: "192.0.2.7:2000", wantStatus: http.StatusTooManyRequests, wantCode: "too_many_requests"},
		scenario{name: "OKOtherIP", method: "POST", path: "/api/v1/auth/code", body: `{"phone":"13700000006"}`,
			remoteAddr: "192.0.2.8:1000", wantStatus: http.StatusOK},
	)
	run(t, h, scenarios)
}

func TestAuthToken(t *testing.T) {
	t.Parallel()
	h, _, f := newTestAPI(t)
	call(t, h, "POST", "/api/v1/auth/code", "", `{"phone":"13900000009"}`, http.StatusOK, nil)
	code := f.SMS.code("13900000009")
	if len(code) != 6 {
		t.Fatalf("code %q sent, want 6 digits", code)
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	run(t, h, []scenario{
		{name: "ErrWrongCode", method: "POST", path: "/api/v1/auth/token", body: `{"phone":"13900000009","code":"` + wrong + `"}`,
			wantStatus: http.StatusUnauthorized, wantCode: "unauthorized"},
		{name: "ErrCodeFormat", method: "POST", path: "/api/v1/auth/token", body: `{"phone":"13900000009","code":"12ab"}`,
			wantStatus: http.StatusBadRequest, wantCode: "invalid"},
		{name: "ErrPhone", method: "POST", path: "/api/v1/auth/token", body: `{"phone":"1","code":"123456"}`,
			wantStatus: http.StatusBadRequest, wantCode: "invalid"},
		{name: "OK", method: "POST", path: "/api/v1/auth/token", body: `{"phone":"13900000009","code":"` + code + `"}`,
			wantStatus: http.StatusOK, wantText: []string{`"token":"wy_`, `"token_type":"Bearer"`, `"phone":"13900000009"`}},
		{name: "ErrCodeUsed", method: "POST", path: "/api/v1/auth/token", body: `{"phone":"13900000009","code":"` + code + `"}`,
			wantStatus: http.StatusUnauthorized, wantCode: "unauthorized"},
	})
}

func TestAuthTokenSignsIn(t *testing.T) {
	t.Parallel()
	h, _, f := newTestAPI(t)
	call(t, h, "POST", "/api/v1/auth/code", "", `{"phone":"13900000010"}`, http.StatusOK, nil)
	var reply struct {
		Token   string `json:"token"`
		Account struct {
			ID int64 `json:"id"`
		} `json:"account"`
	}
	body := `{"phone":"13900000010","code":"` + f.SMS.code("13900000010") + `"}`
	call(t, h, "POST", "/api/v1/auth/token", "", body, http.StatusOK, &reply)
	var me struct {
		ID    int64  `json:"id"`
		Phone string `json:"phone"`
	}
	call(t, h, "GET", "/api/v1/me", reply.Token, "", http.StatusOK, &me)
	if me.ID != reply.Account.ID || me.Phone != "13900000010" {
		t.Errorf("GET /me = %+v, want account %d with the phone", me, reply.Account.ID)
	}
}

func TestAuthTokenRateLimitPerIP(t *testing.T) {
	t.Parallel()
	h, _, _ := newTestAPI(t)
	for i := range 10 {
		rec := serve(h, scenario{method: "POST", path: "/api/v1/auth/token", remoteAddr: "192.0.2.9:1",
			body: `{"phone":"13900000011","code":"000000"}`})
		if rec.Code == http.StatusTooManyRequests {
			t.Fatalf("attempt %d refused by the rate limit", i+1)
		}
	}
	run(t, h, []scenario{{name: "ErrTooMany", method: "POST", path: "/api/v1/auth/token", remoteAddr: "192.0.2.9:1",
		body: `{"phone":"13900000011","code":"000000"}`, wantStatus: http.StatusTooManyRequests, wantCode: "too_many_requests"}})
}
