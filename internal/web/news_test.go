package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// newsFixture is the console fixture (units, staff, activities) with news
// and rating moderation on: a cover image, articles of 焦西 (xiNews with
// the cover, xiDraft), of 焦南 (nanNews) and of the hub (hubNews), and one
// rating of a 焦西 activity (xiRating, its comment a script) and of a 焦南
// one (nanRating).
type newsFixture struct {
	*consoleFixture
	cover                             *culture.Image
	xiNews, xiDraft, nanNews, hubNews *culture.Article
	xiRating, nanRating               int64
	resident                          int64
}

func newNewsServer(t testing.TB) *newsFixture {
	t.Helper()
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "wenyun.db"), sqlstore.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	s, err := New(Config{Units: store, Accounts: store, Activities: store, Bookings: store,
		Images: store, News: store, Moderation: store, Sessions: store.SessionStore()})
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	cf := &consoleFixture{t: t, store: store, srv: httptest.NewServer(s.Handler())}
	t.Cleanup(cf.srv.Close)
	cf.units(ctx)
	cf.staff(ctx)
	cf.activities(ctx)
	f := &newsFixture{consoleFixture: cf}
	f.cover, err = store.CreateImage(ctx, consolePNG(t, 8, 6), nil)
	f.must(err)
	f.xiNews = f.article(ctx, f.xi, "焦西分馆春节联欢会", true, &f.cover.ID)
	f.xiDraft = f.article(ctx, f.xi, "焦西草稿未发布", false, nil)
	f.nanNews = f.article(ctx, f.nan, "焦南戏曲进社区", true, nil)
	f.hubNews = f.article(ctx, f.hub, "总馆公告：元宵灯会", true, nil)
	f.resident = f.consoleFixture.resident(ctx, "13812345678", "张小明")
	f.xiRating = f.rating(f.xiFirst, "<script>alert('x')</script>好看")
	f.nanRating = f.rating(f.nanFirst, "焦南的评价")
	return f
}

// article stores an article at unit by staff account 1 (operator).
func (f *newsFixture) article(ctx context.Context, unit int64, title string, published bool, cover *int64) *culture.Article {
	f.t.Helper()
	a := &culture.Article{UnitID: unit, AuthorID: 1, Title: title, Summary: title + "的摘要",
		Body: "## 活动介绍\n\n**" + title + "**，欢迎参加。", CoverID: cover, Published: published}
	f.must(f.store.CreateArticle(ctx, a))
	return a
}

// rating inserts a rating of the activity by the resident: raw SQL, as the
// fixture's activities have not ended.
func (f *newsFixture) rating(activity int64, comment string) int64 {
	f.t.Helper()
	var id int64
	f.must(f.store.DB().QueryRow(`INSERT INTO ratings (activity_id, account_id, score, comment, created_at)
		VALUES (?, ?, 4, ?, ?) RETURNING id`, activity, f.resident, comment, time.Now().Unix()).Scan(&id))
	return id
}

// findArticle reads an article back; nil when it is gone.
func (f *newsFixture) findArticle(id int64) *culture.Article {
	f.t.Helper()
	a, err := f.store.FindArticleByID(context.Background(), id)
	if culture.ErrorCode(err) == culture.ENOTFOUND {
		return nil
	}
	f.must(err)
	return a
}

func TestNewsPages(t *testing.T) {
	f := newNewsServer(t)
	f.run(t, []consoleScenario{
		{name: "ListVisitor", path: "/news", status: http.StatusOK,
			want: []string{"焦西分馆春节联欢会", "焦南戏曲进社区", "总馆公告：元宵灯会", "焦西分馆春节联欢会的摘要",
				fmt.Sprintf(`<img src="/media/%d"`, f.cover.ID), fmt.Sprintf(`href="/news/%d"`, f.xiNews.ID), "css/news."},
			deny: []string{"焦西草稿未发布"}},
		{name: "ListSignedIn", user: "xiadmin", path: "/news", status: http.StatusOK,
			want: []string{"焦南戏曲进社区"}, deny: []string{"焦西草稿未发布"}},
		{name: "ListPageTwoEmpty", path: "/news?page=2", status: http.StatusOK, want: []string{"暂无资讯", "上一页"}},
		{name: "ListBadPage", path: "/news?page=abc", status: http.StatusNotFound},
		{name: "ListPageZero", path: "/news?page=0", status: http.StatusNotFound},
		{name: "ViewVisitor", path: fmt.Sprintf("/news/%d", f.xiNews.ID), status: http.StatusOK,
			want: []string{"<h1>焦西分馆春节联欢会", "焦西分馆", "<h2>活动介绍</h2>", "<strong>焦西分馆春节联欢会</strong>",
				fmt.Sprintf(`src="/media/%d" alt="焦西分馆春节联欢会的封面图片"`, f.cover.ID), "年"}},
		{name: "ViewDraftVisitor", path: fmt.Sprintf("/news/%d", f.xiDraft.ID), status: http.StatusNotFound,
			deny: []string{"焦西草稿未发布"}},
		{name: "ViewDraftOtherBranch", user: "nanadmin", path: fmt.Sprintf("/news/%d", f.xiDraft.ID), status: http.StatusNotFound},
		{name: "ViewDraftChecker", user: "xichecker", path: fmt.Sprintf("/news/%d", f.xiDraft.ID), status: http.StatusNotFound},
		{name: "ViewDraftOwnBranch", user: "xiadmin", path: fmt.Sprintf("/news/%d", f.xiDraft.ID), status: http.StatusOK,
			want: []string{"焦西草稿未发布", "草稿"}},
		{name: "ViewDraftHub", user: "operator", path: fmt.Sprintf("/news/%d", f.xiDraft.ID), status: http.StatusOK},
		{name: "ViewMissing", path: "/news/99999", status: http.StatusNotFound},
		{name: "ViewZero", path: "/news/0", status: http.StatusNotFound},
		{name: "ViewNegative", path: "/news/-3", status: http.StatusNotFound},
		{name: "ViewHuge", path: "/news/99999999999999999999999", status: http.StatusNotFound},
		{name: "ViewWord", path: "/news/abc", status: http.StatusNotFound},
		{name: "ViewQuote", path: "/news/1%27%20OR%201=1", status: http.StatusNotFound},
		{name: "PostNotAllowed", method: http.MethodPost, path: "/news", status: http.StatusMethodNotAllowed},
	})
}

// TestNewsUnsafeBody stores an article whose body tries every way to run
// script and checks that /news/{id} shows it inert.
func TestNewsUnsafeBody(t *testing.T) {
	f := newNewsServer(t)
	a := &culture.Article{UnitID: f.xi, AuthorID: 1, Title: "<b>标题</b>", Published: true, Body: strings.Join([]string{
		"<script>alert('block')</script>",
		"前<script>alert('inline')</script>后",
		"[点我](javascript:alert('link'))",
		"[点我](jav&#x61;script:alert('entity'))",
		"<a href=\"javascript:alert('raw')\">原始链接</a>",
		"<img src=x onerror=alert('img')>",
		"![外部](https://evil.example/track.png)",
		"![数据](data:image/png;base64,iVBORw0KGgo=)",
		"<iframe src=\"https://evil.example\"></iframe>",
		"<p style=\"position:fixed\">样式</p>",
		"[正常链接](https://example.com)",
	}, "\n\n")}
	f.must(f.store.CreateArticle(context.Background(), a))
	res, body := f.client("").get(fmt.Sprintf("/news/%d", a.ID))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	main := body[strings.Index(body, `<main id="main">`):strings.Index(body, "</main>")]
	checkInertHTML(t, main)
	for _, good := range []string{"&lt;b&gt;标题&lt;/b&gt;", `<a href="https://example.com" rel="nofollow noopener">正常链接</a>`,
		"前alert(&#39;inline&#39;)后", "<p>外部</p>", "<p>原始链接</p>"} {
		if !strings.Contains(main, good) {
			t.Errorf("page lacks %q:\n%s", good, main)
		}
	}
}

// checkInertHTML parses page HTML as a browser would and fails on any
// element or attribute that runs script, loads from elsewhere or styles.
func checkInertHTML(t *testing.T, page string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(page))
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		tok := z.Token()
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		switch tok.Data {
		case "script", "iframe", "style", "object", "embed", "svg", "math", "base", "meta", "link":
			t.Errorf("element <%s> on the page", tok.Data)
		}
		for _, a := range tok.Attr {
			v := strings.ToLower(strings.TrimSpace(a.Val))
			switch {
			case strings.HasPrefix(a.Key, "on") || a.Key == "style" || a.Key == "srcdoc":
				t.Errorf("attribute %s=%q on <%s>", a.Key, a.Val, tok.Data)
			case (a.Key == "href" || a.Key == "src" || a.Key == "action") &&
				(strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "data:") || strings.Contains(v, "evil.example")):
				t.Errorf("%s=%q on <%s>", a.Key, a.Val, tok.Data)
			}
		}
	}
}

func TestHomeLatestNews(t *testing.T) {
	f := newNewsServer(t)
	newest := f.article(context.Background(), f.xi, "最新一篇资讯", true, nil)
	_, body := f.client("").get("/")
	for _, want := range []string{"最新资讯", newest.Title, f.hubNews.Title, f.nanNews.Title, `href="/news"`, "<h3>"} {
		if !strings.Contains(body, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	// Three only: the oldest published article and the draft are left out.
	for _, deny := range []string{f.xiNews.Title, f.xiDraft.Title} {
		if strings.Contains(body, deny) {
			t.Errorf("home page shows %q", deny)
		}
	}
}

// TestHomeWithoutNews checks that the home page works, without the
// section, when the server has no news service.
func TestHomeWithoutNews(t *testing.T) {
	f := newConsoleTestServer(t)
	res, body := f.client("").get("/")
	if res.StatusCode != http.StatusOK || strings.Contains(body, "最新资讯") {
		t.Errorf("status %d, news section shown: %t", res.StatusCode, strings.Contains(body, "最新资讯"))
	}
	if res, _ := f.client("").get("/news"); res.StatusCode != http.StatusNotFound {
		t.Errorf("/news without the service: status %d, want 404", res.StatusCode)
	}
}

// newsTemplateCases are the news pages' cases for TestTemplates: the list
// with and without articles and pages, an article with and without a
// cover, a draft, and the home page with its latest news.
func newsTemplateCases(p, visitor Page) []pageCase {
	now := time.Now()
	cover := int64(4)
	a := &culture.Article{ID: 1, UnitID: 2, Title: "春节<联欢>会", Summary: "摘要<b>", Body: "# 标题\n\n正文", CoverID: &cover,
		Published: true, CreatedAt: now, UpdatedAt: now.Add(time.Hour), UnitName: "焦西分馆", AuthorName: "小王"}
	plain := &culture.Article{ID: 2, UnitID: 1, Title: "通知", Body: "正文", Published: true, CreatedAt: now, UpdatedAt: now, UnitName: "总馆"}
	draft := *plain
	draft.Published = false
	both := []*culture.Article{a, plain}
	return []pageCase{
		{"News", "news", "", &newsPage{Page: visitor, Articles: newsCards(both, false), Total: 25, PageNum: 2,
			PrevURL: "/news?page=1", NextURL: "/news?page=3"}},
		{"NewsEmpty", "news", "", &newsPage{Page: p, PageNum: 1}},
		{"NewsArticle", "news_article", "", &articlePage{Page: visitor, Article: a, Body: "<h2>标题</h2><p>正文</p>"}},
		{"NewsArticlePlain", "news_article", "", &articlePage{Page: p, Article: plain, Body: "<p>正文</p>"}},
		{"NewsArticleDraft", "news_article", "", &articlePage{Page: p, Article: &draft, Body: "<p>正文</p>"}},
		{"HomeNews", "home", "", &homePage{Page: visitor, News: newsCards(both, true)}},
	}
}

// TestNewsTemplates runs the news pages' cases the way TestTemplates does,
// so that they are checked while TestTemplates does not list them yet.
func TestNewsTemplates(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	resident := Page{Title: "测试", Account: &culture.Account{ID: 7, Phone: "13800000001", Name: "李秀英"}, Path: "/news", Now: now}
	console := func(path string) Page {
		op := &culture.Account{ID: 1, Username: "operator", Grants: []*culture.Grant{{ID: 1, Role: culture.RoleOperator, UnitID: 1, UnitPath: "/1/"}}}
		return Page{Title: "工作台", Account: op, Path: path, Console: true, Now: now}
	}
	for _, c := range append(newsTemplateCases(resident, Page{Path: "/news", Now: now}), consoleNewsTemplateCases(console)...) {
		t.Run(c.name, func(t *testing.T) {
			html := executePage(t, s, c)
			checkAccessible(t, html)
			if strings.Contains(html, "<联欢>") || strings.Contains(html, "<b>") {
				t.Error("user text not escaped")
			}
		})
	}
}
