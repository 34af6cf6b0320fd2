package web

import (
	"net/http"
	"net/url"
	"testing"
)

func TestConsoleLogin(t *testing.T) {
	f := newConsoleTestServer(t)
	f.run(t, []consoleScenario{
		{name: "OK", method: http.MethodPost, path: "/console/login",
			form:   url.Values{"username": {"xiadmin"}, "password": {consolePassword}},
			status: http.StatusSeeOther, location: "/console"},
		{name: "OKUpperCaseUsername", method: http.MethodPost, path: "/console/login",
			form:   url.Values{"username": {" XIADMIN "}, "password": {consolePassword}},
			status: http.StatusSeeOther, location: "/console"},
		{name: "ErrWrongPassword", method: http.MethodPost, path: "/console/login",
			form:   url.Values{"username": {"xiadmin"}, "password": {"not-the-password"}},
			status: http.StatusUnauthorized, want: []string{"用户名或密码错误", `value="xiadmin"`}},
		{name: "ErrUnknownUser", method: http.MethodPost, path: "/console/login",
			form:   url.Values{"username": {"nobody"}, "password": {consolePassword}},
			status: http.StatusUnauthorized, want: []string{"用户名或密码错误"}},
		{name: "Form", path: "/console/login", status: http.StatusOK, want: []string{"工作台登录", `name="password"`}},
		{name: "VisitorSentToLogin", path: "/console", status: http.StatusSeeOther, location: "/console/login"},
		{name: "VisitorPostSentToLogin", method: http.MethodPost, path: "/console/checkin",
			form: url.Values{"code": {"X"}}, status: http.StatusSeeOther, location: "/console/login"},
		{name: "ErrNoGrant", user: "nogrant", path: "/console", status: http.StatusForbidden,
			want: []string{"您没有工作台权限。"}},
		{name: "ErrNoGrantCheckin", user: "nogrant", path: "/console/checkin", status: http.StatusForbidden,
			want: []string{"您没有工作台权限。"}},
		{name: "Home", user: "xiadmin", path: "/console", status: http.StatusOK,
			want: []string{"工作台", "焦西分馆", "焦西社区活动室", "分馆管理员", "焦西剪纸体验", "新建活动"},
			deny: []string{"焦南分馆", "焦南戏曲欣赏", "/console/staff"}},
		{name: "HomeOperator", user: "operator", path: "/console", status: http.StatusOK,
			want: []string{"解放区文化馆", "焦西分馆", "焦南分馆", "焦南戏曲欣赏", "/console/staff"}},
		{name: "HomeChecker", user: "xichecker", path: "/console", status: http.StatusOK,
			want: []string{"扫码检票", "焦西剪纸体验"}, deny: []string{"新建活动"}},
		{name: "ErrNotFound", user: "xiadmin", path: "/console/nothing", status: http.StatusNotFound},
	})
}

func TestConsoleLoginRedirectsBack(t *testing.T) {
	f := newConsoleTestServer(t)
	c := f.client("")
	if res, _ := c.get("/console/checkin"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d, want 303", res.StatusCode)
	}
	res, _ := c.post("/console/login", url.Values{"username": {"xichecker"}, "password": {consolePassword}}, nil)
	if got := res.Header.Get("Location"); got != "/console/checkin" {
		t.Errorf("after login: Location %q, want /console/checkin", got)
	}
}

func TestConsoleFormTooLarge(t *testing.T) {
	f := newConsoleTestServer(t)
	c := f.client("xiadmin")
	big := make([]byte, consoleMaxForm+10)
	for i := range big {
		big[i] = 'a'
	}
	res, body := c.post("/console/activities", url.Values{"title": {string(big)}}, nil)
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413\n%s", res.StatusCode, consoleSnippet(body))
	}
}
