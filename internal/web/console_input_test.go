package web

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

// TestConsoleHostileInput sends what no form would: nothing a client sends
// may answer 5xx.
func TestConsoleHostileInput(t *testing.T) {
	f := newConsoleTestServer(t)
	form := func(change ...string) url.Values {
		return consoleActivityForm(f.xi, f.xiRoom, "2031-03-01T09:30", change...)
	}
	f.run(t, []consoleScenario{
		{name: "ErrNULInTitle", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form: form("title", "书法\x00课"), status: http.StatusUnprocessableEntity, want: []string{"包含无效字符"}},
		{name: "ErrBadUTF8", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form: form("description", "\xff\xfe"), status: http.StatusUnprocessableEntity, want: []string{"包含无效字符"}},
		{name: "ErrEscapeInTitle", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form: form("title", "书法\x1b[31m课"), status: http.StatusUnprocessableEntity, want: []string{"包含无效字符"}},
		{name: "ErrBellInAudience", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form: form("audience", "成人\x07"), status: http.StatusUnprocessableEntity, want: []string{"包含无效字符"}},
		{name: "ErrControlInStaffName", user: "operator", method: http.MethodPost, path: "/console/staff",
			form:   url.Values{"username": {"newstaff"}, "name": {"王\x08五"}, "password": {"long-enough-pass"}},
			status: http.StatusUnprocessableEntity, want: []string{"包含无效字符"}},
		{name: "ErrControlUnitPhone", user: "operator", method: http.MethodPost, path: "/console/units",
			form:   url.Values{"parent_id": {fmt.Sprint(f.hub)}, "kind": {"branch"}, "name": {"分馆"}, "phone": {"0391\x01"}},
			status: http.StatusUnprocessableEntity, want: []string{"包含无效字符"}},
		{name: "ErrHugeID", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form: form("room_id", "99999999999999999999"), status: http.StatusUnprocessableEntity, want: []string{"选项无效"}},
		{name: "ErrHugeCapacity", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form: form("capacity", "99999999999999999999"), status: http.StatusUnprocessableEntity, want: []string{"请输入整数。"}},
		{name: "ErrLongSpan", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form: form("ends_at", "2031-04-01T09:30"), status: http.StatusUnprocessableEntity, want: []string{"单场活动不能超过 7 天。"}},
		{name: "ErrYear10000", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form: form("starts_at", "10000-01-01T00:00"), status: http.StatusUnprocessableEntity, want: []string{"时间格式无效"}},
		{name: "ErrBadUTF8Login", method: http.MethodPost, path: "/console/login",
			form: url.Values{"username": {"\xff"}, "password": {"x"}}, status: http.StatusUnauthorized, want: []string{"用户名或密码错误"}},
		{name: "BadUTF8Search", user: "operator", path: "/console/staff?username=%FF%00", status: http.StatusOK},
		{name: "ErrBadUTF8Unit", user: "operator", method: http.MethodPost, path: "/console/units",
			form:   url.Values{"parent_id": {fmt.Sprint(f.hub)}, "kind": {"branch"}, "name": {"分馆"}, "phone": {"\x00"}},
			status: http.StatusUnprocessableEntity, want: []string{"包含无效字符"}},
		{name: "ErrPercentCode", user: "xiadmin", method: http.MethodPost, path: "/console/checkin",
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, form: url.Values{"code": {"%%%"}},
			status: http.StatusOK, want: []string{"票码无效"}},
		{name: "ErrCrossSite", user: "xiadmin", method: http.MethodPost, path: "/console/checkin",
			header: map[string]string{"Sec-Fetch-Site": "cross-site"}, form: url.Values{"code": {"X"}}, status: http.StatusForbidden},
		{name: "ErrMethod", user: "xiadmin", method: http.MethodPost, path: "/console/activities/1",
			form: url.Values{}, status: http.StatusMethodNotAllowed},
	})
}
