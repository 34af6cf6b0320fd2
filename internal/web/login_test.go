package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// signInBySMS runs the sign-in flow on c and returns the final redirect.
func (ts *testServer) signInBySMS(t testing.TB, c *http.Client, phone string) testResponse {
	t.Helper()
	res := ts.post(t, c, "/login/code", url.Values{"phone": {phone}})
	if res.Status != http.StatusSeeOther || res.Location != "/login/verify?phone="+phone {
		t.Fatalf("code for %s: %d %q\n%s", phone, res.Status, res.Location, excerpt(res.Body))
	}
	code := ts.SMS.Code(phone)
	if len(code) != 6 {
		t.Fatalf("sms code for %s: %q", phone, code)
	}
	return ts.post(t, c, "/login", url.Values{"phone": {phone}, "code": {code}})
}

func sessionCookie(t testing.TB, ts *testServer, c *http.Client) *http.Cookie {
	t.Helper()
	u, _ := url.Parse(ts.HTTP.URL)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "wenyun_session" {
			return ck
		}
	}
	return nil
}

func TestLoginFlow(t *testing.T) {
	ts := newTestServer(t)
	c := ts.client(t, nil)
	back := idPath("/activities/%d", ts.Bookable.ID)
	form := ts.get(t, c, "/login?next="+url.QueryEscape(back))
	scenario{want: http.StatusOK, text: []string{"<h1>登录</h1>", `<label for="login-phone">`, `type="tel"`, "获取验证码"}}.check(t, form)
	before := sessionCookie(t, ts, c)

	res := ts.post(t, c, "/login/code", url.Values{"phone": {residentPhone}})
	if res.Status != http.StatusSeeOther || res.Location != "/login/verify?phone="+residentPhone {
		t.Fatalf("code: %d %q\n%s", res.Status, res.Location, excerpt(res.Body))
	}
	verify := ts.get(t, c, res.Location)
	scenario{want: http.StatusOK, text: []string{"验证码已发送至 138****0001", `<label for="login-code">`, `autocomplete="one-time-code"`}}.check(t, verify)

	code := ts.SMS.Code(residentPhone)
	wrong := fmt.Sprintf("%06d", (atoi(code)+1)%1000000)
	bad := ts.post(t, c, "/login", url.Values{"phone": {residentPhone}, "code": {wrong}})
	scenario{want: http.StatusUnauthorized, text: []string{"验证码不正确", `role="alert"`, `value="` + residentPhone + `"`}}.check(t, bad)

	ok := ts.post(t, c, "/login", url.Values{"phone": {residentPhone}, "code": {code}})
	if ok.Status != http.StatusSeeOther || ok.Location != back {
		t.Fatalf("login: %d %q, want 303 %q\n%s", ok.Status, ok.Location, back, excerpt(ok.Body))
	}
	after := sessionCookie(t, ts, c)
	if after == nil || before != nil && after.Value == before.Value {
		t.Errorf("session token not renewed at sign-in")
	}
	page := ts.get(t, c, back)
	scenario{want: http.StatusOK, text: []string{"登录成功", "本人（李秀英）", "退出"}}.check(t, page)
	reuse := ts.post(t, ts.client(t, nil), "/login", url.Values{"phone": {residentPhone}, "code": {code}})
	scenario{want: http.StatusUnauthorized, text: []string{"验证码已过期"}}.check(t, reuse)

	out := ts.post(t, c, "/logout", nil)
	if out.Status != http.StatusSeeOther || out.Location != "/" {
		t.Fatalf("logout: %d %q", out.Status, out.Location)
	}
	scenario{want: http.StatusSeeOther, location: "/login"}.check(t, ts.get(t, c, "/me/tickets"))
}

func atoi(s string) int {
	n := 0
	fmt.Sscan(s, &n)
	return n
}

func TestLoginCookie(t *testing.T) {
	ts := newTestServer(t)
	req, _ := http.NewRequest(http.MethodPost, ts.HTTP.URL+"/login/code", strings.NewReader("phone="+otherPhone))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var found bool
	for _, ck := range res.Cookies() {
		if ck.Name == "wenyun_session" {
			found = true
			if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
				t.Errorf("session cookie HttpOnly=%v SameSite=%v", ck.HttpOnly, ck.SameSite)
			}
		}
	}
	if !found {
		t.Error("no session cookie after asking for a code")
	}
}

func TestLoginNewResidentAndStaff(t *testing.T) {
	ts := newTestServer(t)
	c := ts.client(t, nil)
	if res := ts.signInBySMS(t, c, "15000000009"); res.Status != http.StatusSeeOther || res.Location != "/me/tickets" {
		t.Fatalf("new resident: %d %q", res.Status, res.Location)
	}
	scenario{want: http.StatusOK, text: []string{"还没有待参加的活动", "150****0009"}, not: []string{"工作台"}}.check(t, ts.get(t, c, "/me/tickets"))

	staff := ts.client(t, nil)
	if res := ts.signInBySMS(t, staff, branchAdminPhone); res.Status != http.StatusSeeOther {
		t.Fatalf("staff by sms: %d", res.Status)
	}
	scenario{want: http.StatusOK, text: []string{`href="/console"`}}.check(t, ts.get(t, staff, "/me/tickets"))
}

func TestLoginErrors(t *testing.T) {
	ts := newTestServer(t)
	post := http.MethodPost
	ts.run(t, []scenario{
		{name: "ErrPhone", method: post, url: "/login/code", form: url.Values{"phone": {"12345"}},
			want: http.StatusUnprocessableEntity, text: []string{"请输入正确的 11 位手机号码", `aria-invalid="true"`, `value="12345"`}},
		{name: "ErrPhoneLandline", method: post, url: "/login/code", form: url.Values{"phone": {"03913456789"}},
			want: http.StatusUnprocessableEntity, text: []string{"请输入正确的 11 位手机号码"}},
		{name: "ErrPhoneMissing", method: post, url: "/login/code", want: http.StatusUnprocessableEntity, text: []string{"手机号码"}},
		{name: "OKPhoneTyped", method: post, url: "/login/code", form: url.Values{"phone": {"+86 138-0000-0001"}},
			want: http.StatusSeeOther, location: "/login/verify?phone=" + residentPhone},
		{name: "ErrResendTooSoon", method: post, url: "/login/code", form: url.Values{"phone": {residentPhone}},
			want: http.StatusTooManyRequests, text: []string{"验证码发送过于频繁"}},
		{name: "ErrVerifyBadPhone", url: "/login/verify?phone=abc", want: http.StatusSeeOther, location: "/login"},
		{name: "ErrLoginBadPhone", method: post, url: "/login", form: url.Values{"phone": {"1"}, "code": {"123456"}},
			want: http.StatusUnprocessableEntity, text: []string{"请输入正确的 11 位手机号码"}},
		{name: "ErrCodeShape", method: post, url: "/login", form: url.Values{"phone": {residentPhone}, "code": {"12ab"}},
			want: http.StatusUnprocessableEntity, text: []string{"6 位数字验证码"}},
		{name: "ErrNoCodeIssued", method: post, url: "/login", form: url.Values{"phone": {otherPhone}, "code": {"123456"}},
			want: http.StatusUnauthorized, text: []string{"验证码已过期"}},
		{name: "ErrOversized", method: post, url: "/login/code", form: url.Values{"phone": {strings.Repeat("1", 70<<10)}},
			want: http.StatusRequestEntityTooLarge, text: []string{"提交的内容过长"}},
		{name: "ErrCrossSite", method: post, url: "/login/code", form: url.Values{"phone": {otherPhone}},
			header: map[string]string{"Sec-Fetch-Site": "cross-site"}, want: http.StatusForbidden},
	})
}

func TestLoginSMSFailure(t *testing.T) {
	ts := newTestServer(t)
	ts.SMS.Fail = true
	res := ts.post(t, ts.client(t, nil), "/login/code", url.Values{"phone": {otherPhone}})
	scenario{want: http.StatusServiceUnavailable, text: []string{"短信发送失败"}}.check(t, res)
}

func TestLoginThrottle(t *testing.T) {
	ts := newTestServer(t)
	c := ts.client(t, nil)
	var last testResponse
	for i := range 11 {
		last = ts.post(t, c, "/login/code", url.Values{"phone": {fmt.Sprintf("1860000%04d", i)}})
	}
	scenario{want: http.StatusTooManyRequests, text: []string{"操作过于频繁，请稍后再试。"}}.check(t, last)

	for range 21 {
		last = ts.post(t, c, "/login", url.Values{"phone": {otherPhone}, "code": {"000000"}})
	}
	scenario{want: http.StatusTooManyRequests, text: []string{"操作过于频繁，请稍后再试。", `<label for="login-code">`}}.check(t, last)
}
