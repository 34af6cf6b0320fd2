package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// ratingState returns whether a rating is hidden and its reason, and the
// number of audit rows.
func (f *newsFixture) ratingState(id int64) string {
	f.t.Helper()
	var hidden, audits int
	var reason string
	f.must(f.store.DB().QueryRow(`SELECT hidden, hidden_reason, (SELECT COUNT(*) FROM audit_log)
		FROM ratings WHERE id = ?`, id).Scan(&hidden, &reason, &audits))
	return fmt.Sprintf("hidden=%d reason=%q audits=%d", hidden, reason, audits)
}

func TestConsoleRatingsPage(t *testing.T) {
	f := newNewsServer(t)
	f.run(t, []consoleScenario{
		{name: "Visitor", path: "/console/ratings", status: http.StatusSeeOther, location: "/console/login"},
		{name: "Branch", user: "xiadmin", path: "/console/ratings", status: http.StatusOK,
			want: []string{"焦西剪纸体验", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;好看", "张**", "隐藏理由",
				fmt.Sprintf(`action="/console/ratings/%d/hide?unit=%d"`, f.xiRating, f.xi)},
			deny: []string{"焦南的评价", "<script>alert"}},
		{name: "Hub", user: "operator", path: "/console/ratings", status: http.StatusOK, want: []string{"焦西剪纸体验", "焦南的评价"}},
		{name: "HubOneBranch", user: "operator", path: fmt.Sprintf("/console/ratings?unit=%d", f.nan), status: http.StatusOK,
			want: []string{"焦南的评价"}, deny: []string{"焦西剪纸体验"}},
		{name: "OtherBranchUnit", user: "xiadmin", path: fmt.Sprintf("/console/ratings?unit=%d", f.nan), status: http.StatusForbidden},
		{name: "BadUnit", user: "xiadmin", path: "/console/ratings?unit=-1", status: http.StatusNotFound},
		{name: "BadPage", user: "xiadmin", path: "/console/ratings?page=x", status: http.StatusNotFound},
		{name: "PageTwo", user: "xiadmin", path: "/console/ratings?page=2", status: http.StatusOK, want: []string{"还没有评价"}},
		{name: "Checker", user: "xichecker", path: "/console/ratings", status: http.StatusForbidden},
		{name: "NoGrant", user: "nogrant", path: "/console/ratings", status: http.StatusForbidden},
	})
}

func TestConsoleRatingHideShow(t *testing.T) {
	f := newNewsServer(t)
	c := f.client("xiadmin")
	hide := fmt.Sprintf("/console/ratings/%d/hide", f.xiRating)
	show := fmt.Sprintf("/console/ratings/%d/show", f.xiRating)
	visible := `hidden=0 reason="" audits=0`
	for _, tc := range []struct {
		name, user, path, reason string
		status                   int
		want                     string
	}{
		{"ErrNoReason", "xiadmin", hide, "", http.StatusUnprocessableEntity, "请填写隐藏理由。"},
		{"ErrBlankReason", "xiadmin", hide, "   ", http.StatusUnprocessableEntity, "请填写隐藏理由。"},
		{"ErrLongReason", "xiadmin", hide, strings.Repeat("广", 201), http.StatusUnprocessableEntity, "理由最多 200 个字。"},
		{"ErrControlReason", "xiadmin", hide, "广告\x01", http.StatusUnprocessableEntity, "包含无效字符"},
		{"ErrOtherBranch", "nanadmin", hide, "广告", http.StatusForbidden, ""},
		{"ErrChecker", "xichecker", hide, "广告", http.StatusForbidden, ""},
		{"ErrMissing", "xiadmin", "/console/ratings/99999/hide", "广告", http.StatusNotFound, "评价不存在。"},
		{"ErrWord", "xiadmin", "/console/ratings/abc/hide", "广告", http.StatusNotFound, ""},
		{"ErrZero", "xiadmin", "/console/ratings/0/show", "", http.StatusNotFound, ""},
		{"ErrHuge", "xiadmin", "/console/ratings/99999999999999999999999/hide", "广告", http.StatusNotFound, ""},
		{"ErrShowOtherBranch", "nanadmin", show, "", http.StatusForbidden, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := f.client(tc.user).post(tc.path, url.Values{"reason": {tc.reason}}, nil)
			if res.StatusCode != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("status %d (want %d), body lacks %q?\n%s", res.StatusCode, tc.status, tc.want, consoleSnippet(body))
			}
			if got := f.ratingState(f.xiRating); got != visible {
				t.Errorf("after a refusal: %s, want %s", got, visible)
			}
		})
	}
	t.Run("OKHide", func(t *testing.T) {
		res, _ := c.post(hide+fmt.Sprintf("?unit=%d", f.xi), url.Values{"reason": {" 含有不当内容 "}}, nil)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != fmt.Sprintf("/console/ratings?unit=%d", f.xi) {
			t.Fatalf("status %d, Location %q", res.StatusCode, res.Header.Get("Location"))
		}
		if got, want := f.ratingState(f.xiRating), `hidden=1 reason="含有不当内容" audits=1`; got != want {
			t.Errorf("%s, want %s", got, want)
		}
		_, body := c.get("/console/ratings")
		for _, want := range []string{"已隐藏这条评价", "已隐藏", "隐藏理由：含有不当内容", "恢复显示"} {
			if !strings.Contains(body, want) {
				t.Errorf("list lacks %q", want)
			}
		}
		rs, err := f.store.FindRatings(context.Background(), &f.xiFirst, nil, 0)
		f.must(err)
		if len(rs) != 0 {
			t.Errorf("residents still see %d ratings", len(rs))
		}
	})
	t.Run("OKShowWithoutReason", func(t *testing.T) {
		res, _ := f.client("operator").post(show+"?unit=abc", url.Values{}, nil)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/console/ratings" {
			t.Fatalf("status %d, Location %q", res.StatusCode, res.Header.Get("Location"))
		}
		if got, want := f.ratingState(f.xiRating), `hidden=0 reason="" audits=2`; got != want {
			t.Errorf("%s, want %s", got, want)
		}
	})
}
