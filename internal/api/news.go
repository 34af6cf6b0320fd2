package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/markdown"
)

// Refusals of the news routes.
var (
	errNoNews          = notFound("资讯功能未启用。")
	errArticleNotFound = notFound("资讯不存在。")
)

// newsItemJSON is an article in a list: everything but its body.
type newsItemJSON struct {
	ID         int64      `json:"id"`
	UnitID     int64      `json:"unit_id"`
	UnitName   string     `json:"unit_name"`
	Title      string     `json:"title"`
	Summary    string     `json:"summary"`
	CoverID    *int64     `json:"cover_id"`
	CoverURL   *string    `json:"cover_url"`
	AuthorName string     `json:"author_name"`
	Published  bool       `json:"published"`
	CreatedAt  *time.Time `json:"created_at"`
	UpdatedAt  *time.Time `json:"updated_at"`
}

// articleJSON is an article with its body: the Markdown source, and
// body_html rendered from it with anything unsafe removed.
type articleJSON struct {
	newsItemJSON
	Body     string `json:"body"`
	BodyHTML string `json:"body_html"`
}

func newNewsItemJSON(x *culture.Article) newsItemJSON {
	v := newsItemJSON{ID: x.ID, UnitID: x.UnitID, UnitName: x.UnitName, Title: x.Title, Summary: x.Summary,
		CoverID: x.CoverID, AuthorName: x.AuthorName, Published: x.Published,
		CreatedAt: utc(x.CreatedAt), UpdatedAt: utc(x.UpdatedAt)}
	if x.CoverID != nil {
		u := "/media/" + strconv.FormatInt(*x.CoverID, 10)
		v.CoverURL = &u
	}
	return v
}

func newArticleJSON(x *culture.Article) articleJSON {
	return articleJSON{newsItemJSON: newNewsItemJSON(x), Body: x.Body, BodyHTML: string(markdown.Render(x.Body))}
}

// newsList is a page of articles, by limit and offset.
type newsList struct {
	Items []newsItemJSON `json:"items"`
	Total int            `json:"total"`
}

// handleNewsIndex lists published articles, newest first, optionally of
// the units within one.
func (a *API) handleNewsIndex(w http.ResponseWriter, r *http.Request) {
	f := culture.ArticleFilter{PublishedOnly: true}
	var err error
	f.Limit, f.Offset, err = limitOffset(r.URL.Query())
	var within int64
	if err == nil {
		within, err = a.queryWithin(r)
	}
	if within != 0 {
		f.Within = &within
	}
	var found []*culture.Article
	out := newsList{Items: []newsItemJSON{}}
	if err == nil {
		found, out.Total, err = a.news.FindArticles(r.Context(), f)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	for _, x := range found {
		out.Items = append(out.Items, newNewsItemJSON(x))
	}
	a.writeJSON(w, r, http.StatusOK, out)
}

// handleNewsView shows an article. Unpublished ones show only to staff who
// may edit them.
func (a *API) handleNewsView(w http.ResponseWriter, r *http.Request) {
	x, err := a.pathArticle(r)
	if err == nil && !x.Published {
		if a.checkArticle(r.Context(), x) != nil {
			err = errArticleNotFound
		}
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, newArticleJSON(x))
}

// pathArticle finds the article named by the path.
func (a *API) pathArticle(r *http.Request) (*culture.Article, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return a.news.FindArticleByID(r.Context(), id)
}

// checkArticle checks that the caller manages activities at the article's
// unit, which is what editing news takes.
func (a *API) checkArticle(ctx context.Context, x *culture.Article) error {
	u, err := a.units.FindUnitByID(ctx, x.UnitID)
	if err != nil {
		return err
	}
	return account(ctx).Check(culture.ActManageActivities, u)
}

// articleRequest writes an article. Published defaults to true; cover_id
// must be an image the caller uploaded, or the article's current cover.
type articleRequest struct {
	UnitID    int64  `json:"unit_id"`
	Title     string `json:"title"`
	Summary   string `json:"summary"`
	Body      string `json:"body"`
	CoverID   *int64 `json:"cover_id"`
	Published *bool  `json:"published"`
}

// apply copies the request into x.
func (j *articleRequest) apply(x *culture.Article) {
	x.UnitID, x.Title, x.Summary, x.Body, x.CoverID = j.UnitID, j.Title, j.Summary, j.Body, j.CoverID
	x.Published = j.Published == nil || *j.Published
}

// handleNewsCreate publishes (or drafts) an article at a unit where the
// caller manages activities.
func (a *API) handleNewsCreate(w http.ResponseWriter, r *http.Request) {
	if !account(r.Context()).CanAnywhere(culture.ActManageActivities) {
		a.writeError(w, r, culture.ErrForbidden)
		return
	}
	x := &culture.Article{AuthorID: account(r.Context()).ID}
	err := a.readArticle(w, r, x, nil)
	if err == nil {
		err = a.news.CreateArticle(r.Context(), x)
	}
	a.writeArticle(w, r, http.StatusCreated, x.ID, err)
}

// readArticle decodes a request into x and checks it: the fields, the
// unit (the caller must manage activities there) and the cover, which may
// stay current.
func (a *API) readArticle(w http.ResponseWriter, r *http.Request, x *culture.Article, current *int64) error {
	var body articleRequest
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	body.apply(x)
	if err := x.Validate(); err != nil {
		return err
	}
	if err := a.checkAt(r.Context(), culture.ActManageActivities, "unit_id", x.UnitID); err != nil {
		return err
	}
	if x.CoverID == nil {
		return nil
	}
	var keep []int64
	if current != nil {
		keep = []int64{*current}
	}
	return a.checkImages(r.Context(), "cover_id", []int64{*x.CoverID}, keep)
}

// writeArticle answers a write: err, or the article as stored.
func (a *API) writeArticle(w http.ResponseWriter, r *http.Request, status int, id int64, err error) {
	var x *culture.Article
	if err == nil {
		x, err = a.news.FindArticleByID(r.Context(), id)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, status, newArticleJSON(x))
}

// handleNewsUpdate replaces an article, for staff who manage activities
// at its unit (and at its new unit, when it moves).
func (a *API) handleNewsUpdate(w http.ResponseWriter, r *http.Request) {
	x, err := a.pathArticle(r)
	if err == nil {
		err = a.checkArticle(r.Context(), x)
	}
	if err == nil {
		err = a.readArticle(w, r, x, x.CoverID)
	}
	if err == nil {
		err = a.news.UpdateArticle(r.Context(), x)
	}
	var id int64
	if x != nil {
		id = x.ID
	}
	a.writeArticle(w, r, http.StatusOK, id, err)
}

// handleNewsDelete deletes an article, for staff who manage activities at
// its unit.
func (a *API) handleNewsDelete(w http.ResponseWriter, r *http.Request) {
	x, err := a.pathArticle(r)
	if err == nil {
		err = a.checkArticle(r.Context(), x)
	}
	if err == nil {
		err = a.news.DeleteArticle(r.Context(), x.ID)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
