package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// newsForm returns a valid article form for unit.
func newsForm(unit int64, title string) url.Values {
	return url.Values{"unit_id": {strconv.FormatInt(unit, 10)}, "title": {title}, "summary": {"摘要"},
		"body": {"**正文**"}, "published": {"1"}}
}

// newsCount counts the rows of a table (a constant name in the test).
func (f *newsFixture) count(table string) int {
	f.t.Helper()
	var n int
	f.must(f.store.DB().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n))
	return n
}

func TestConsoleNewsPages(t *testing.T) {
	f := newNewsServer(t)
	xiEdit := fmt.Sprintf("/console/news/%d/edit", f.xiNews.ID)
	nanEdit := fmt.Sprintf("/console/news/%d/edit", f.nanNews.ID)
	f.run(t, []consoleScenario{
		{name: "ListVisitor", path: "/console/news", status: http.StatusSeeOther, location: "/console/login"},
		{name: "ListBranch", user: "xiadmin", path: "/console/news", status: http.StatusOK,
			want: []string{"焦西分馆春节联欢会", "焦西草稿未发布", "草稿", xiEdit}, deny: []string{"焦南戏曲进社区", "总馆公告"}},
		{name: "ListHub", user: "operator", path: "/console/news", status: http.StatusOK,
			want: []string{"焦西草稿未发布", "焦南戏曲进社区", "总馆公告：元宵灯会"}},
		{name: "ListOneUnit", user: "operator", path: fmt.Sprintf("/console/news?unit=%d", f.nan), status: http.StatusOK,
			want: []string{"焦南戏曲进社区"}, deny: []string{"焦西草稿未发布"}},
		{name: "ListOtherBranchUnit", user: "xiadmin", path: fmt.Sprintf("/console/news?unit=%d", f.nan), status: http.StatusForbidden},
		{name: "ListBadUnit", user: "xiadmin", path: "/console/news?unit=abc", status: http.StatusNotFound},
		{name: "ListChecker", user: "xichecker", path: "/console/news", status: http.StatusForbidden},
		{name: "ListNoGrant", user: "nogrant", path: "/console/news", status: http.StatusForbidden},
		{name: "NewForm", user: "xiadmin", path: "/console/news/new", status: http.StatusOK,
			want: []string{`name="title"`, `name="body"`, `name="cover"`, `name="published"`, "Markdown", `enctype="multipart/form-data"`,
				fmt.Sprintf(`<option value="%d" selected>焦西分馆`, f.xi)}},
		{name: "EditForm", user: "xiadmin", path: xiEdit, status: http.StatusOK,
			want: []string{"焦西分馆春节联欢会", "**焦西分馆春节联欢会**", fmt.Sprintf(`src="/media/%d"`, f.cover.ID), "去掉现有封面", "删除这篇资讯"}},
		{name: "EditFormHub", user: "operator", path: nanEdit, status: http.StatusOK},
		{name: "EditFormOtherBranch", user: "xiadmin", path: nanEdit, status: http.StatusForbidden, deny: []string{"焦南戏曲进社区"}},
		{name: "EditFormChecker", user: "xichecker", path: xiEdit, status: http.StatusForbidden},
		{name: "EditMissing", user: "xiadmin", path: "/console/news/99999/edit", status: http.StatusNotFound},
		{name: "EditWord", user: "xiadmin", path: "/console/news/abc/edit", status: http.StatusNotFound},
		{name: "EditHuge", user: "xiadmin", path: "/console/news/99999999999999999999999/edit", status: http.StatusNotFound},
		{name: "EditZero", user: "xiadmin", path: "/console/news/0/edit", status: http.StatusNotFound},
		{name: "DeleteWord", user: "xiadmin", method: http.MethodPost, path: "/console/news/x1/delete", status: http.StatusNotFound},
		{name: "DeleteMissing", user: "xiadmin", method: http.MethodPost, path: "/console/news/99999/delete", status: http.StatusNotFound},
		{name: "DeleteGet", user: "xiadmin", path: fmt.Sprintf("/console/news/%d/delete", f.xiNews.ID), status: http.StatusMethodNotAllowed},
	})
}

func TestConsoleArticleCreate(t *testing.T) {
	f := newNewsServer(t)
	c := f.client("xiadmin")
	png := consoleUpload{"cover", "cover.png", consolePNG(t, 12, 9)}
	for _, tc := range []struct {
		name   string
		form   url.Values
		files  []consoleUpload
		status int
		want   string
	}{
		{"ErrNotAnImage", newsForm(f.xi, "新资讯"), []consoleUpload{{"cover", "cover.png", []byte("<svg onload=alert(1)>")}}, 422, "图片"},
		{"ErrTooBig", newsForm(f.xi, "新资讯"), []consoleUpload{{"cover", "big.png", consoleBigUpload(t)}}, 422, "图片不能超过 2 MB。"},
		{"ErrTwoCovers", newsForm(f.xi, "新资讯"), []consoleUpload{png, png}, 422, "只能上传一张封面图片。"},
		{"ErrNoTitleWithCover", newsForm(f.xi, ""), []consoleUpload{png}, 422, "请填写标题。"},
		{"ErrNoBody", func() url.Values { v := newsForm(f.xi, "新资讯"); v.Del("body"); return v }(), []consoleUpload{png}, 422, "请填写正文。"},
		{"ErrLongTitle", newsForm(f.xi, strings.Repeat("长", 81)), nil, 422, "标题长度应在 1 到 80 个字之间。"},
		{"ErrNoUnit", newsForm(0, "新资讯"), []consoleUpload{png}, 422, "选项无效"},
		{"ErrBlankUnit", func() url.Values { v := newsForm(f.xi, "新资讯"); v.Set("unit_id", ""); return v }(), nil, 422, "请选择发布单位。"},
		{"ErrUnknownUnit", newsForm(99999, "新资讯"), []consoleUpload{png}, 422, "所选单位不存在。"},
		{"ErrWordUnit", func() url.Values { v := newsForm(f.xi, "新资讯"); v.Set("unit_id", "abc"); return v }(), nil, 422, "选项无效"},
		{"ErrControlCharacter", newsForm(f.xi, "新\x00资讯"), nil, 422, "包含无效字符"},
		{"ErrOtherBranch", newsForm(f.nan, "新资讯"), []consoleUpload{png}, 403, "权限"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			articles, images := f.count("articles"), f.count("images")
			res, body := c.postFiles("/console/news/new", tc.form, tc.files...)
			if res.StatusCode != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("status %d, want %d; body lacks %q?\n%s", res.StatusCode, tc.status, tc.want, consoleSnippet(body))
			}
			if a, i := f.count("articles"), f.count("images"); a != articles || i != images {
				t.Errorf("%d articles, %d images after a refusal; want %d, %d", a, i, articles, images)
			}
		})
	}
	t.Run("OK", func(t *testing.T) {
		form := newsForm(f.xiPoint, "社区活动室开放啦")
		form.Del("published") // a draft
		res, _ := c.postFiles("/console/news/new", form, png)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/console/news" {
			t.Fatalf("status %d, Location %q", res.StatusCode, res.Header.Get("Location"))
		}
		as, _, err := f.store.FindArticles(context.Background(), culture.ArticleFilter{Within: &f.xiPoint})
		f.must(err)
		if len(as) != 1 || as[0].Title != "社区活动室开放啦" || as[0].Published || as[0].CoverID == nil || as[0].AuthorName != "焦西管理员" {
			t.Fatalf("stored %+v", as)
		}
		_, body := c.get("/console/news")
		if !strings.Contains(body, "已保存资讯：“社区活动室开放啦”。") {
			t.Errorf("no flash:\n%s", consoleSnippet(body))
		}
	})
}

func TestConsoleArticleUpdate(t *testing.T) {
	f := newNewsServer(t)
	c := f.client("xiadmin")
	xiEdit := fmt.Sprintf("/console/news/%d/edit", f.xiNews.ID)
	t.Run("ErrOtherBranch", func(t *testing.T) {
		res, _ := c.postFiles(fmt.Sprintf("/console/news/%d/edit", f.nanNews.ID), newsForm(f.xi, "改成焦西的"))
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("status %d, want 403", res.StatusCode)
		}
		if got := f.findArticle(f.nanNews.ID); got.Title != f.nanNews.Title || got.UnitID != f.nan {
			t.Errorf("article changed: %+v", got)
		}
	})
	t.Run("ErrMoveToOtherBranch", func(t *testing.T) {
		res, _ := c.postFiles(xiEdit, newsForm(f.nan, "搬到焦南"))
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("status %d, want 403", res.StatusCode)
		}
		if got := f.findArticle(f.xiNews.ID); got.UnitID != f.xi || got.Title != f.xiNews.Title {
			t.Errorf("article changed: %+v", got)
		}
	})
	t.Run("ErrNotAnImage", func(t *testing.T) {
		images := f.count("images")
		res, body := c.postFiles(xiEdit, newsForm(f.xi, "换封面"), consoleUpload{"cover", "x.gif", []byte("GIF89a-not-really")})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "换封面") {
			t.Errorf("status %d, want 422 with the form as sent", res.StatusCode)
		}
		if got := f.findArticle(f.xiNews.ID); got.Title != f.xiNews.Title || f.count("images") != images {
			t.Errorf("article or images changed: %+v", got)
		}
	})
	t.Run("OK", func(t *testing.T) {
		form := newsForm(f.xi, "联欢会改期")
		form.Del("published")
		form.Set("remove_cover", "1")
		res, _ := c.postFiles(xiEdit, form)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d", res.StatusCode)
		}
		got := f.findArticle(f.xiNews.ID)
		if got.Title != "联欢会改期" || got.Published || got.CoverID != nil || got.AuthorID != f.xiNews.AuthorID {
			t.Errorf("stored %+v", got)
		}
	})
	t.Run("OKNewCoverByHub", func(t *testing.T) {
		res, _ := f.client("operator").postFiles(fmt.Sprintf("/console/news/%d/edit", f.nanNews.ID),
			newsForm(f.nan, f.nanNews.Title), consoleUpload{"cover", "c.png", consolePNG(t, 3, 3)})
		if got := f.findArticle(f.nanNews.ID); res.StatusCode != http.StatusSeeOther || got.CoverID == nil {
			t.Errorf("status %d, cover %v", res.StatusCode, got.CoverID)
		}
	})
}

func TestConsoleArticleDelete(t *testing.T) {
	f := newNewsServer(t)
	c := f.client("xiadmin")
	for _, tc := range []struct {
		name, user string
		id         int64
		status     int
		gone       bool
	}{
		{"ErrOtherBranch", "xiadmin", f.nanNews.ID, http.StatusForbidden, false},
		{"ErrChecker", "xichecker", f.xiNews.ID, http.StatusForbidden, false},
		{"OK", "xiadmin", f.xiNews.ID, http.StatusSeeOther, true},
		{"OKHub", "operator", f.nanNews.ID, http.StatusSeeOther, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl := c
			if tc.user != "xiadmin" {
				cl = f.client(tc.user)
			}
			res, _ := cl.post(fmt.Sprintf("/console/news/%d/delete", tc.id), url.Values{}, nil)
			if res.StatusCode != tc.status || (f.findArticle(tc.id) == nil) != tc.gone {
				t.Errorf("status %d (want %d), gone %t (want %t)", res.StatusCode, tc.status, f.findArticle(tc.id) == nil, tc.gone)
			}
		})
	}
	if res, _ := f.client("").get(fmt.Sprintf("/news/%d", f.xiNews.ID)); res.StatusCode != http.StatusNotFound {
		t.Errorf("deleted article: status %d, want 404", res.StatusCode)
	}
}

// TestConsoleNewsCrossOrigin checks that a form posted from another site
// changes nothing.
func TestConsoleNewsCrossOrigin(t *testing.T) {
	f := newNewsServer(t)
	res, _ := f.client("xiadmin").post(fmt.Sprintf("/console/news/%d/delete", f.xiNews.ID), url.Values{},
		map[string]string{"Sec-Fetch-Site": "cross-site"})
	if res.StatusCode != http.StatusForbidden || f.findArticle(f.xiNews.ID) == nil {
		t.Errorf("status %d, article gone: %t", res.StatusCode, f.findArticle(f.xiNews.ID) == nil)
	}
}

// consoleNewsTemplateCases returns typed data for the console's news and
// ratings pages: lists full and empty, forms new, with an error on every
// field, and editing an article with a cover.
func consoleNewsTemplateCases(page func(string) Page) []pageCase {
	now := time.Now()
	hub := &culture.Unit{ID: 1, Kind: culture.UnitHub, Name: "解放区文化馆", Path: "/1/"}
	xi := &culture.Unit{ID: 2, Kind: culture.UnitBranch, Name: "焦西分馆", Path: "/1/2/", ParentID: &hub.ID}
	units := consoleTree(&culture.Account{}, []*culture.Unit{hub, xi})
	cover := int64(3)
	a := &culture.Article{ID: 5, UnitID: 2, Title: "春节<联欢>会", Summary: "摘要", Body: "**正文**", CoverID: &cover,
		AuthorID: 1, Published: true, CreatedAt: now, UpdatedAt: now, UnitName: "焦西分馆", AuthorName: "小王"}
	draft := *a
	draft.ID, draft.Published, draft.CoverID = 6, false, nil
	bad := newConsoleForm("")
	for _, n := range append(consoleArticleFields, "", "cover") {
		bad.fail(n, "有误。")
	}
	rating := func(id int64, hidden bool) *culture.Rating {
		return &culture.Rating{ID: id, ActivityID: 1, Score: 2, Comment: "<script>x</script>", Hidden: hidden,
			HiddenReason: "广告", ActivityTitle: "书法<班>", UnitID: 2, AuthorName: "张**", CreatedAt: now}
	}
	refused := newConsoleForm(consoleRatingFormID(7))
	refused.fail("reason", "请填写隐藏理由。")
	ratings := []*culture.Rating{rating(7, false), rating(8, true), {ID: 9, ActivityID: 1, Score: 5, CreatedAt: now}}
	return []pageCase{
		{"ConsoleNews", "console_news", "", consoleNewsPage{Page: page("/console/news"), Units: units, UnitID: 2,
			Articles: []*culture.Article{a, &draft}}},
		{"ConsoleNewsEmpty", "console_news", "", consoleNewsPage{Page: page("/console/news")}},
		{"ConsoleArticleNew", "console_news_form", "", consoleArticleFormPage{Page: page("/console/news/new"),
			Form: newConsoleForm(""), Units: units}},
		{"ConsoleArticleNewErrors", "console_news_form", "", consoleArticleFormPage{Page: page("/console/news/new"),
			Form: bad, Units: units}},
		{"ConsoleArticleEdit", "console_news_form", "", consoleArticleFormPage{Page: page("/console/news/5/edit"),
			Article: a, Form: consoleArticleFormOf(a), Units: units}},
		{"ConsoleArticleEditErrors", "console_news_form", "", consoleArticleFormPage{Page: page("/console/news/6/edit"),
			Article: &draft, Form: bad, Units: units}},
		{"ConsoleRatings", "console_ratings", "", consoleRatingsPage{Page: page("/console/ratings"), Units: units, UnitID: 1,
			Ratings: ratings, Total: 120, PageNum: 2, PrevURL: "/console/ratings?unit=1", NextURL: "/console/ratings?unit=1&page=3",
			Failed: 7, Form: refused}},
		{"ConsoleRatingsEmpty", "console_ratings", "", consoleRatingsPage{Page: page("/console/ratings"), UnitID: 2}},
	}
}
