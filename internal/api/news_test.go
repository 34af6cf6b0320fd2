package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// newsState is what refused news requests must leave alone.
func newsState(t *testing.T, s *sqlstore.Store) []string {
	t.Helper()
	found, _, err := s.FindArticles(context.Background(), culture.ArticleFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, x := range found {
		out = append(out, fmt.Sprintf("article %d at %d: %s %q %v cover %s", x.ID, x.UnitID, x.Title, x.Body, x.Published, show(x.CoverID)))
	}
	return out
}

// newsUnchanged runs the scenarios and checks that no article changed.
func newsUnchanged(t *testing.T, h http.Handler, s *sqlstore.Store, scenarios []scenario) {
	t.Helper()
	before := newsState(t, s)
	run(t, h, scenarios)
	if diff := cmp.Diff(before, newsState(t, s)); diff != "" {
		t.Errorf("refused requests changed the news (-before +after):\n%s", diff)
	}
}

func TestNewsCreate(t *testing.T) {
	t.Parallel()
	h, s, f := newTestAPI(t)
	xiAdmin, nanAdmin := accountOf(t, s, f.XiAdminToken), accountOf(t, s, f.NanAdminToken)
	own, others := mustImage(t, s, &xiAdmin), mustImage(t, s, &nanAdmin)
	post := func(name, token, body string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "POST", path: "/api/v1/news", token: token, body: body, wantStatus: status, wantCode: code, wantText: text}
	}
	newsUnchanged(t, h, s, []scenario{
		post("ErrOtherBranch", f.NanAdminToken, articleBody(f.Xi, ""), http.StatusForbidden, "forbidden"),
		post("ErrResident", f.AliceToken, articleBody(f.Xi, ""), http.StatusForbidden, "forbidden"),
		post("ErrChecker", f.XiCheckerToken, articleBody(f.Xi, ""), http.StatusForbidden, "forbidden"),
		post("ErrNoToken", "", articleBody(f.Xi, ""), http.StatusUnauthorized, "unauthorized"),
		post("ErrOthersCover", f.XiAdminToken, articleBody(f.Xi, `,"cover_id":`+itoa(others)), http.StatusBadRequest, "invalid", `"field":"cover_id"`),
		post("ErrUnknownCover", f.XiAdminToken, articleBody(f.Xi, `,"cover_id":999`), http.StatusBadRequest, "invalid", `"field":"cover_id"`),
		post("ErrUnit", f.XiAdminToken, articleBody(999, ""), http.StatusBadRequest, "invalid", `"field":"unit_id"`),
		post("ErrNoUnit", f.XiAdminToken, `{"title":"标题","body":"正文"}`, http.StatusBadRequest, "invalid", `"field":"unit_id"`),
		post("ErrTitle", f.XiAdminToken, `{"unit_id":`+itoa(f.Xi)+`,"title":"","body":"正文"}`, http.StatusBadRequest, "invalid", `"field":"title"`),
		post("ErrBody", f.XiAdminToken, `{"unit_id":`+itoa(f.Xi)+`,"title":"标题","body":""}`, http.StatusBadRequest, "invalid", `"field":"body"`),
		post("ErrSummary", f.XiAdminToken, articleBody(f.Xi, `,"summary":"`+strings.Repeat("长", 201)+`"`), http.StatusBadRequest, "invalid", `"field":"summary"`),
		post("ErrUnknownField", f.XiAdminToken, articleBody(f.Xi, `,"author_id":1`), http.StatusBadRequest, "invalid"),
	})
	run(t, h, []scenario{
		post("OK", f.XiAdminToken, articleBody(f.Xi, ""), http.StatusCreated, "", `"title":"春节游园会回顾"`,
			`"unit_name":"焦西分馆"`, `"published":true`, `"cover_id":null`, `"body_html":"\u003ch2\u003e精彩瞬间\u003c/h2\u003e`),
		post("OKCover", f.XiAdminToken, articleBody(f.Xi, `,"cover_id":`+itoa(own)+`,"published":false`), http.StatusCreated, "",
			`"cover_url":"/media/`+itoa(own)+`"`, `"published":false`),
		post("OKHub", f.HubAdminToken, articleBody(f.Nan, ""), http.StatusCreated, "", `"unit_name":"焦南分馆"`),
	})
}

// TestNewsBodyInert checks that script and unsafe links in Markdown come
// out inert in body_html while body keeps the source.
func TestNewsBodyInert(t *testing.T) {
	t.Parallel()
	h, _, f := newTestAPI(t)
	src := "# 标题\n\n<script>alert(1)</script>\n\n[点我](javascript:alert(1)) <img src=x onerror=alert(1)>\n\n**好**"
	body := fmt.Sprintf(`{"unit_id":%d,"title":"安全","body":%q}`, f.Xi, src)
	var got struct {
		Body     string `json:"body"`
		BodyHTML string `json:"body_html"`
	}
	call(t, h, "POST", "/api/v1/news", f.XiAdminToken, body, http.StatusCreated, &got)
	if got.Body != src {
		t.Errorf("body = %q, want the source %q", got.Body, src)
	}
	for _, bad := range []string{"<script", "javascript:", "onerror", "<img"} {
		if strings.Contains(got.BodyHTML, bad) {
			t.Errorf("body_html keeps %q: %s", bad, got.BodyHTML)
		}
	}
	if !strings.Contains(got.BodyHTML, "<strong>好</strong>") {
		t.Errorf("body_html lacks the rendered Markdown: %s", got.BodyHTML)
	}
}

func TestNewsIndex(t *testing.T) {
	t.Parallel()
	h, s, f := newTestAPI(t)
	xiAdmin := accountOf(t, s, f.XiAdminToken)
	mustArticle(t, s, f.Xi, xiAdmin, "焦西新闻", true, nil)
	mustArticle(t, s, f.Xi, xiAdmin, "焦西草稿", false, nil)
	mustArticle(t, s, f.Nan, accountOf(t, s, f.NanAdminToken), "焦南新闻", true, nil)
	get := func(name, query string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "GET", path: "/api/v1/news" + query, wantStatus: status, wantCode: code, wantText: text}
	}
	run(t, h, []scenario{
		get("OK", "", http.StatusOK, "", `"total":2`, `"title":"焦西新闻"`, `"title":"焦南新闻"`, `"summary":"摘要"`),
		get("OKWithin", "?within="+itoa(f.Nan), http.StatusOK, "", `"total":1`, `"title":"焦南新闻"`),
		get("OKHub", "?within="+itoa(f.Hub)+"&limit=1&offset=1", http.StatusOK, "", `"total":2`),
		get("ErrWithin", "?within=999", http.StatusBadRequest, "invalid", `"field":"within"`),
		get("ErrLimit", "?limit=101", http.StatusBadRequest, "invalid", `"field":"limit"`),
	})
	body := call(t, h, "GET", "/api/v1/news", "", "", http.StatusOK, nil).Body.String()
	if strings.Contains(body, "草稿") || strings.Contains(body, `"body"`) {
		t.Errorf("the list shows a draft or bodies: %s", body)
	}
}

func TestNewsView(t *testing.T) {
	t.Parallel()
	h, s, f := newTestAPI(t)
	xiAdmin := accountOf(t, s, f.XiAdminToken)
	pub := path("/api/v1/news/%d", mustArticle(t, s, f.Xi, xiAdmin, "焦西新闻", true, nil))
	draft := path("/api/v1/news/%d", mustArticle(t, s, f.Xi, xiAdmin, "焦西草稿", false, nil))
	get := func(name, p, token string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "GET", path: p, token: token, wantStatus: status, wantCode: code, wantText: text}
	}
	run(t, h, []scenario{
		get("OK", pub, "", http.StatusOK, "", `"title":"焦西新闻"`, `"body":"正文**加粗**"`,
			`"body_html":"\u003cp\u003e正文\u003cstrong\u003e加粗\u003c/strong\u003e\u003c/p\u003e\n"`, `"author_name":"xiadmin"`),
		get("OKDraftStaff", draft, f.XiAdminToken, http.StatusOK, "", `"published":false`),
		get("OKDraftHub", draft, f.HubAdminToken, http.StatusOK, "", `"published":false`),
		get("ErrDraftPublic", draft, "", http.StatusNotFound, "not_found"),
		get("ErrDraftResident", draft, f.AliceToken, http.StatusNotFound, "not_found"),
		get("ErrDraftOtherBranch", draft, f.NanAdminToken, http.StatusNotFound, "not_found"),
		get("ErrUnknown", "/api/v1/news/999", "", http.StatusNotFound, "not_found"),
		get("ErrBadID", "/api/v1/news/0", "", http.StatusNotFound, "not_found"),
		get("ErrBadToken", pub, "wy_forged", http.StatusUnauthorized, "unauthorized"),
	})
}

func TestNewsUpdate(t *testing.T) {
	t.Parallel()
	h, s, f := newTestAPI(t)
	xiAdmin, hubAdmin := accountOf(t, s, f.XiAdminToken), accountOf(t, s, f.HubAdminToken)
	hubCover, xiImage, nanImage := mustImage(t, s, &hubAdmin), mustImage(t, s, &xiAdmin), mustImage(t, s, ptr(accountOf(t, s, f.NanAdminToken)))
	p := path("/api/v1/news/%d", mustArticle(t, s, f.Xi, hubAdmin, "焦西新闻", true, &hubCover))
	put := func(name, p, token, body string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "PUT", path: p, token: token, body: body, wantStatus: status, wantCode: code, wantText: text}
	}
	newsUnchanged(t, h, s, []scenario{
		put("ErrOtherBranch", p, f.NanAdminToken, articleBody(f.Xi, ""), http.StatusForbidden, "forbidden"),
		put("ErrResident", p, f.AliceToken, articleBody(f.Xi, ""), http.StatusForbidden, "forbidden"),
		put("ErrNoToken", p, "", articleBody(f.Xi, ""), http.StatusUnauthorized, "unauthorized"),
		put("ErrMoveAway", p, f.XiAdminToken, articleBody(f.Nan, ""), http.StatusForbidden, "forbidden"),
		put("ErrOthersCover", p, f.XiAdminToken, articleBody(f.Xi, `,"cover_id":`+itoa(nanImage)), http.StatusBadRequest, "invalid", `"field":"cover_id"`),
		put("ErrTitle", p, f.XiAdminToken, `{"unit_id":`+itoa(f.Xi)+`,"title":"","body":"正文"}`, http.StatusBadRequest, "invalid", `"field":"title"`),
		put("ErrUnknown", "/api/v1/news/999", f.XiAdminToken, articleBody(f.Xi, ""), http.StatusNotFound, "not_found"),
		put("ErrBadJSON", p, f.XiAdminToken, `{"unit_id":`, http.StatusBadRequest, "invalid"),
	})
	run(t, h, []scenario{
		// The current cover stays although another account uploaded it.
		put("OKKeepCover", p, f.XiAdminToken, articleBody(f.Xi, `,"cover_id":`+itoa(hubCover)), http.StatusOK, "",
			`"title":"春节游园会回顾"`, `"cover_id":`+itoa(hubCover)),
		put("OKOwnCover", p, f.XiAdminToken, articleBody(f.Xi, `,"cover_id":`+itoa(xiImage)+`,"published":false`), http.StatusOK, "",
			`"cover_id":`+itoa(xiImage), `"published":false`),
		put("OKMoveByHub", p, f.HubAdminToken, articleBody(f.Nan, ""), http.StatusOK, "", `"unit_name":"焦南分馆"`, `"cover_id":null`),
		put("ErrMovedAway", p, f.XiAdminToken, articleBody(f.Xi, ""), http.StatusForbidden, "forbidden"),
	})
}

func TestNewsDelete(t *testing.T) {
	t.Parallel()
	h, s, f := newTestAPI(t)
	p := path("/api/v1/news/%d", mustArticle(t, s, f.Xi, accountOf(t, s, f.XiAdminToken), "焦西新闻", true, nil))
	del := func(name, p, token string, status int, code string) scenario {
		return scenario{name: name, method: "DELETE", path: p, token: token, wantStatus: status, wantCode: code}
	}
	newsUnchanged(t, h, s, []scenario{
		del("ErrOtherBranch", p, f.NanAdminToken, http.StatusForbidden, "forbidden"),
		del("ErrResident", p, f.AliceToken, http.StatusForbidden, "forbidden"),
		del("ErrNoToken", p, "", http.StatusUnauthorized, "unauthorized"),
		del("ErrUnknown", "/api/v1/news/999", f.XiAdminToken, http.StatusNotFound, "not_found"),
	})
	run(t, h, []scenario{
		del("OK", p, f.XiAdminToken, http.StatusNoContent, ""),
		del("ErrAgain", p, f.XiAdminToken, http.StatusNotFound, "not_found"),
		{name: "ErrGone", method: "GET", path: p, wantStatus: http.StatusNotFound, wantCode: "not_found"},
	})
}
