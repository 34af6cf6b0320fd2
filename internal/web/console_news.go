package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/wenyun/wenyun/internal/culture"
)

// News in the console: staff who manage activities at a unit write its
// articles (hub staff for the hub and everything under it). Rating
// moderation is in console_ratings.go.

// consoleArticleFields are the inputs of the article form: text, and the
// checkboxes "published" and "remove_cover". The cover is the file field
// "cover".
var consoleArticleFields = []string{"unit_id", "title", "summary", "body", "published", "remove_cover"}

// consoleNewsMax bounds the articles the console list shows per subtree.
const consoleNewsMax = 100

// consoleNewsRoutes lists the console's news and rating-moderation pages.
func (s *Server) consoleNewsRoutes(staff func(string, http.HandlerFunc)) {
	news := func(pattern string, h http.HandlerFunc) { staff(pattern, s.consoleNewsOnly(h)) }
	news("GET /console/news", s.handleConsoleNews)
	news("GET /console/news/new", s.handleConsoleArticleNew)
	news("POST /console/news/new", s.handleConsoleArticleCreate)
	news("GET /console/news/{id}/edit", s.handleConsoleArticleEdit)
	news("POST /console/news/{id}/edit", s.handleConsoleArticleUpdate)
	news("POST /console/news/{id}/delete", s.handleConsoleArticleDelete)
	s.consoleRatingRoutes(staff)
}

// consoleNewsOnly answers 404 without the news and image services, and
// 403 to staff who manage activities nowhere.
func (s *Server) consoleNewsOnly(h http.HandlerFunc) http.HandlerFunc {
	return s.consoleGate(func() bool { return s.News != nil && s.Images != nil }, culture.ActManageActivities, errNoActivities, h)
}

// consoleNewsPage lists the articles, drafts included, of the units the
// account manages (or of one of them).
type consoleNewsPage struct {
	Page
	Units    []consoleUnitRow
	UnitID   int64
	Articles []*culture.Article
}

// consoleArticleFormPage is the form for a new article, or an edit of
// Article.
type consoleArticleFormPage struct {
	Page
	Article *culture.Article // nil for a new article
	Form    *consoleForm
	Units   []consoleUnitRow
}

// Action is where the form posts.
func (p consoleArticleFormPage) Action() string {
	if p.Article != nil {
		return fmt.Sprintf("/console/news/%d/edit", p.Article.ID)
	}
	return "/console/news/new"
}

func (s *Server) handleConsoleNews(w http.ResponseWriter, r *http.Request) {
	acc := consoleAccount(r)
	roots, unitID, ok := s.consoleListRoots(w, r, acc)
	if !ok {
		return
	}
	units, err := s.consoleScope(r.Context(), acc, culture.ActManageActivities)
	if err != nil {
		s.error(w, r, err)
		return
	}
	articles, err := s.consoleArticlesIn(r.Context(), roots)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "console_news", "", consoleNewsPage{Page: s.page(r, "资讯管理"),
		Units: units, UnitID: unitID, Articles: articles})
}

// consoleArticlesIn merges the newest articles of each subtree, newest
// first.
func (s *Server) consoleArticlesIn(ctx context.Context, roots []int64) ([]*culture.Article, error) {
	var out []*culture.Article
	for _, root := range roots {
		as, _, err := s.News.FindArticles(ctx, culture.ArticleFilter{Within: &root, Limit: consoleNewsMax})
		if err != nil {
			return nil, err
		}
		out = append(out, as...)
	}
	slices.SortStableFunc(out, func(a, b *culture.Article) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out, nil
}

func (s *Server) handleConsoleArticleNew(w http.ResponseWriter, r *http.Request) {
	f := newConsoleForm("")
	f.Values["published"] = "1"
	// The unit the list was showing, or the account's own when it has one.
	if u := r.URL.Query().Get("unit"); u != "" {
		f.Values["unit_id"] = u
	} else if roots := consoleRoots(consoleAccount(r), culture.ActManageActivities); len(roots) == 1 {
		f.Values["unit_id"] = strconv.FormatInt(roots[0], 10)
	}
	s.renderArticleForm(w, r, http.StatusOK, nil, f)
}

// renderArticleForm shows the form with the units the account may write
// news for.
func (s *Server) renderArticleForm(w http.ResponseWriter, r *http.Request, status int, a *culture.Article, f *consoleForm) {
	acc := consoleAccount(r)
	units, err := s.consoleScope(r.Context(), acc, culture.ActManageActivities)
	if err != nil {
		s.error(w, r, err)
		return
	}
	title := "发布资讯"
	if a != nil {
		title = "编辑资讯"
	}
	s.render(w, r, status, "console_news_form", "", consoleArticleFormPage{Page: s.page(r, title),
		Article: a, Form: f, Units: units})
}

func (s *Server) handleConsoleArticleCreate(w http.ResponseWriter, r *http.Request) {
	if !s.consoleParseUpload(w, r) {
		return
	}
	f := consoleFormFrom(r, "", consoleArticleFields...)
	a := &culture.Article{AuthorID: consoleAccount(r).ID}
	if err := s.consoleReadArticle(r, f, a); err != nil {
		s.error(w, r, err)
		return
	}
	if s.consoleSaveArticle(w, r, f, a, s.News.CreateArticle) {
		return
	}
	s.renderArticleForm(w, r, http.StatusUnprocessableEntity, nil, f)
}

// consoleReadArticle copies the form into a and checks it: problems with
// the input go on f; a unit the account may not write for is returned as
// an error (403).
func (s *Server) consoleReadArticle(r *http.Request, f *consoleForm, a *culture.Article) error {
	a.Title, a.Summary, a.Body = f.Get("title"), f.Get("summary"), f.Get("body")
	a.Published = f.Get("published") != ""
	f.absorb(a.Validate())
	id := f.id("unit_id")
	if id == nil {
		f.fail("unit_id", "请选择发布单位。")
		return nil
	}
	_, err := s.consoleUnitFor(r.Context(), consoleAccount(r), culture.ActManageActivities, *id)
	switch culture.ErrorCode(err) {
	case "":
		a.UnitID = *id
	case culture.ENOTFOUND:
		f.fail("unit_id", "所选单位不存在。")
	default:
		return err
	}
	return nil
}

// consoleSaveArticle checks the cover, then, only when the whole form is
// valid, stores the cover and saves a with save. On success it answers
// (flash and redirect) and returns true; otherwise the problems are on f,
// unless it has answered with an error page.
func (s *Server) consoleSaveArticle(w http.ResponseWriter, r *http.Request, f *consoleForm,
	a *culture.Article, save func(context.Context, *culture.Article) error) bool {
	cover := consoleUploads(r, f, "cover")
	if len(cover) > 1 {
		f.fail("cover", "只能上传一张封面图片。")
	}
	if !f.Valid() {
		return false
	}
	ids, err := s.consoleStoreImages(r.Context(), cover, consoleAccount(r).ID)
	if err == nil {
		if len(ids) == 1 {
			a.CoverID = &ids[0]
		}
		if err = save(r.Context(), a); err != nil {
			s.consoleDropImages(r.Context(), ids)
		}
	}
	switch {
	case err == nil:
		s.flash(r, "已保存资讯：“"+a.Title+"”。")
		redirect(w, r, "/console/news")
	case !f.absorb(err):
		s.error(w, r, err)
	default:
		return false
	}
	return true
}

// consoleArticle loads the article named by the path and checks that the
// account may write news for its unit. On failure it answers.
func (s *Server) consoleArticle(w http.ResponseWriter, r *http.Request) (*culture.Article, bool) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return nil, false
	}
	a, err := s.News.FindArticleByID(r.Context(), id)
	if err == nil {
		_, err = s.consoleUnitFor(r.Context(), consoleAccount(r), culture.ActManageActivities, a.UnitID)
	}
	if err != nil {
		s.error(w, r, err)
		return nil, false
	}
	return a, true
}

// consoleArticleFormOf prefills the form with an article.
func consoleArticleFormOf(a *culture.Article) *consoleForm {
	f := newConsoleForm("")
	f.Values["unit_id"] = strconv.FormatInt(a.UnitID, 10)
	f.Values["title"], f.Values["summary"], f.Values["body"] = a.Title, a.Summary, a.Body
	if a.Published {
		f.Values["published"] = "1"
	}
	return f
}

func (s *Server) handleConsoleArticleEdit(w http.ResponseWriter, r *http.Request) {
	a, ok := s.consoleArticle(w, r)
	if !ok {
		return
	}
	s.renderArticleForm(w, r, http.StatusOK, a, consoleArticleFormOf(a))
}

func (s *Server) handleConsoleArticleUpdate(w http.ResponseWriter, r *http.Request) {
	a, ok := s.consoleArticle(w, r)
	if !ok || !s.consoleParseUpload(w, r) {
		return
	}
	f := consoleFormFrom(r, "", consoleArticleFields...)
	edit := *a
	if err := s.consoleReadArticle(r, f, &edit); err != nil {
		s.error(w, r, err)
		return
	}
	if f.Get("remove_cover") != "" {
		edit.CoverID = nil // a new upload, if any, still becomes the cover
	}
	if s.consoleSaveArticle(w, r, f, &edit, s.News.UpdateArticle) {
		return
	}
	s.renderArticleForm(w, r, http.StatusUnprocessableEntity, a, f)
}

func (s *Server) handleConsoleArticleDelete(w http.ResponseWriter, r *http.Request) {
	a, ok := s.consoleArticle(w, r)
	if !ok {
		return
	}
	if err := s.News.DeleteArticle(r.Context(), a.ID); err != nil {
		s.error(w, r, err)
		return
	}
	s.flash(r, "已删除资讯：“"+a.Title+"”。")
	redirect(w, r, "/console/news")
}
