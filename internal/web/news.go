package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/markdown"
)

// newsPerPage is the page size of the news list; homeNews how many
// articles the home page shows.
const (
	newsPerPage = 10
	homeNews    = 3
)

// newsRoutes lists the news pages.
func (s *Server) newsRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /news", s.newsOnly(s.handleNewsIndex))
	mux.HandleFunc("GET /news/{id}", s.newsOnly(s.handleNewsView))
}

// newsOnly answers 404 when the server has no news service.
func (s *Server) newsOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.News == nil {
			s.notFound(w, r)
			return
		}
		h(w, r)
	}
}

// newsCard is an article in a list; Nested lists sit under a heading of
// their own (the home page's), so titles go one level down.
type newsCard struct {
	*culture.Article
	Nested bool
}

func newsCards(as []*culture.Article, nested bool) []newsCard {
	out := make([]newsCard, len(as))
	for i, a := range as {
		out[i] = newsCard{Article: a, Nested: nested}
	}
	return out
}

// newsPage is the list of published articles of the whole district.
type newsPage struct {
	Page
	Articles []newsCard
	Total    int
	// PageNum is the current page (from 1); PrevURL and NextURL are "" at
	// the ends.
	PageNum          int
	PrevURL, NextURL string
}

// articlePage is one article with its body rendered from Markdown.
type articlePage struct {
	Page
	Article *culture.Article
	Body    template.HTML
}

func (s *Server) handleNewsIndex(w http.ResponseWriter, r *http.Request) {
	n, ok := pageNumber(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	as, total, err := s.News.FindArticles(r.Context(), culture.ArticleFilter{PublishedOnly: true,
		Limit: newsPerPage, Offset: (n - 1) * newsPerPage})
	if err != nil {
		s.error(w, r, err)
		return
	}
	data := &newsPage{Page: s.page(r, "资讯"), Articles: newsCards(as, false), Total: total, PageNum: n}
	data.PrevURL, data.NextURL = newsPageURL(n-1, total), newsPageURL(n+1, total)
	s.render(w, r, http.StatusOK, "news", "", data)
}

// pageNumber reads ?page= (1 when absent) with parsePage; ok is false,
// with page 1, when it is not a number from 1 to 10000.
func pageNumber(r *http.Request) (page int, ok bool) {
	page = 1
	if parsePage(r.URL.Query().Get("page"), &page) != nil {
		return 1, false
	}
	return page, true
}

// newsPageURL links page n of the list, or "" when there is none.
func newsPageURL(n, total int) string {
	if n < 1 || (n-1)*newsPerPage >= total {
		return ""
	}
	return fmt.Sprintf("/news?page=%d", n)
}

// handleNewsView shows a published article; a draft only to staff who may
// edit it (a preview), and as no such page to everyone else.
func (s *Server) handleNewsView(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	a, err := s.News.FindArticleByID(r.Context(), id)
	if err == nil && !a.Published && !s.canEditArticle(r.Context(), culture.AccountFromContext(r.Context()), a) {
		err = errNoArticle
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "news_article", "", &articlePage{Page: s.page(r, a.Title), Article: a,
		Body: markdown.Render(a.Body)})
}

// errNoArticle is what a draft looks like to those who may not see it.
var errNoArticle = culture.Errorf(culture.ENOTFOUND, "资讯不存在。")

// canEditArticle reports whether acc manages activities at the article's
// unit (and so may write its news).
func (s *Server) canEditArticle(ctx context.Context, acc *culture.Account, a *culture.Article) bool {
	if !acc.CanAnywhere(culture.ActManageActivities) {
		return false
	}
	u, err := s.Units.FindUnitByID(ctx, a.UnitID)
	return err == nil && acc.Can(culture.ActManageActivities, u)
}

// latestNews returns the newest published articles for the home page. The
// news are an extra there: without the service, or when it fails (logged),
// the home page shows none rather than an error.
func (s *Server) latestNews(ctx context.Context) []newsCard {
	if s.News == nil {
		return nil
	}
	as, _, err := s.News.FindArticles(ctx, culture.ArticleFilter{PublishedOnly: true, Limit: homeNews})
	if err != nil {
		s.Logger.ErrorContext(ctx, "home page news", "err", err)
		return nil
	}
	return newsCards(as, true)
}
