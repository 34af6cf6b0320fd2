package sqlstore_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// newsArticle returns a valid article at unit by author.
func newsArticle(unit *culture.Unit, author *culture.Account, title string, published bool) *culture.Article {
	return &culture.Article{UnitID: unit.ID, AuthorID: author.ID, Title: title, Summary: title + "摘要",
		Body: "**" + title + "**正文", Published: published}
}

// newsCreate stores a at the store's current time; it must succeed.
func newsCreate(t *testing.T, s *sqlstore.Store, a *culture.Article) *culture.Article {
	t.Helper()
	if err := s.CreateArticle(t.Context(), a); err != nil {
		t.Fatalf("CreateArticle(%s): %v", a.Title, err)
	}
	return a
}

func TestCreateArticle(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := mfxFixtures(t, s)
		missing := int64(99999)
		for _, tc := range []struct {
			name, msg string
			edit      func(a *culture.Article)
		}{
			{"ErrNoTitle", "请填写标题。", func(a *culture.Article) { a.Title = "" }},
			{"ErrLongSummary", "摘要长度应在 0 到 200 个字之间。", func(a *culture.Article) { a.Summary = strings.Repeat("要", 201) }},
			{"ErrNoBody", "请填写正文。", func(a *culture.Article) { a.Body = "" }},
			{"ErrNoUnit", "所选单位不存在。", func(a *culture.Article) { a.UnitID = missing }},
			{"ErrNoCover", "封面图片不存在，请重新上传。", func(a *culture.Article) { a.CoverID = &missing }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				a := newsArticle(fx.branch, fx.reviewer, "春节联欢", true)
				tc.edit(a)
				checkRefusal(t, s.CreateArticle(t.Context(), a), culture.EINVALID, tc.msg)
				if n := mfxCount(t, s, "articles"); n != 0 {
					t.Errorf("%d articles after a refusal", n)
				}
			})
		}
		t.Run("OK", func(t *testing.T) {
			a := newsArticle(fx.branch, fx.reviewer, "春节联欢", true)
			a.CoverID = &fx.photo.ID
			newsCreate(t, s, a)
			got, err := s.FindArticleByID(t.Context(), a.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := &culture.Article{ID: a.ID, UnitID: fx.branch.ID, Title: "春节联欢", Summary: "春节联欢摘要",
				Body: "**春节联欢**正文", CoverID: &fx.photo.ID, AuthorID: fx.reviewer.ID, Published: true,
				CreatedAt: mfxNow.UTC(), UpdatedAt: mfxNow.UTC(), UnitName: "解放分馆", AuthorName: "工作人员"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("stored article (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want, a); diff != "" {
				t.Errorf("article read back into a (-want +got):\n%s", diff)
			}
		})
	})
}

func TestUpdateArticle(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := mfxFixtures(t, s)
		a := newsCreate(t, s, newsArticle(fx.branch, fx.reviewer, "春节联欢", true))
		before := *a
		missing := int64(99999)
		for _, tc := range []struct {
			name, code, msg string
			edit            func(a *culture.Article)
		}{
			{"ErrNotFound", culture.ENOTFOUND, "资讯不存在。", func(a *culture.Article) { a.ID = missing }},
			{"ErrLongTitle", culture.EINVALID, "标题长度应在 1 到 80 个字之间。", func(a *culture.Article) { a.Title = strings.Repeat("长", 81) }},
			{"ErrNoUnit", culture.EINVALID, "所选单位不存在。", func(a *culture.Article) { a.UnitID = missing }},
			{"ErrNoCover", culture.EINVALID, "封面图片不存在，请重新上传。", func(a *culture.Article) { a.CoverID = &missing }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				edit := before
				edit.Title = "改过的标题"
				tc.edit(&edit)
				checkRefusal(t, s.UpdateArticle(t.Context(), &edit), tc.code, tc.msg)
				newsUnchanged(t, s, &before)
			})
		}
		t.Run("OK", func(t *testing.T) {
			later := mfxNow.Add(time.Hour)
			fx.setNow(later)
			edit := before
			edit.UnitID, edit.Title, edit.Published, edit.CoverID = fx.point.ID, "元宵灯会", false, &fx.photo.ID
			edit.AuthorID = fx.otherReviewer.ID // the author stays
			if err := s.UpdateArticle(t.Context(), &edit); err != nil {
				t.Fatal(err)
			}
			want := before
			want.UnitID, want.UnitName, want.Title, want.Published, want.CoverID = fx.point.ID, "东街文化点", "元宵灯会", false, &fx.photo.ID
			want.UpdatedAt = later.UTC()
			newsUnchanged(t, s, &want)
		})
	})
}

// newsUnchanged checks that the stored article equals want.
func newsUnchanged(t *testing.T, s *sqlstore.Store, want *culture.Article) {
	t.Helper()
	got, err := s.FindArticleByID(t.Context(), want.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stored article (-want +got):\n%s", diff)
	}
}

func TestDeleteArticle(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := mfxFixtures(t, s)
		a := newsCreate(t, s, newsArticle(fx.branch, fx.reviewer, "春节联欢", true))
		keep := newsCreate(t, s, newsArticle(fx.branch, fx.reviewer, "元宵灯会", true))
		if err := s.DeleteArticle(t.Context(), a.ID); err != nil {
			t.Fatal(err)
		}
		_, err := s.FindArticleByID(t.Context(), a.ID)
		checkRefusal(t, err, culture.ENOTFOUND, "资讯不存在。")
		checkRefusal(t, s.DeleteArticle(t.Context(), a.ID), culture.ENOTFOUND, "资讯不存在。")
		newsUnchanged(t, s, keep)
	})
}

func TestFindArticles(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := mfxFixtures(t, s)
		// One article an hour, oldest first; drafts end in "稿".
		for i, u := range []*culture.Unit{fx.hub, fx.branch, fx.point, fx.branch2, fx.otherBranch, fx.branch} {
			fx.setNow(mfxNow.Add(time.Duration(i) * time.Hour))
			title, published := u.Name+"资讯", i != 5
			if !published {
				title = u.Name + "稿"
			}
			newsCreate(t, s, newsArticle(u, fx.reviewer, title, published))
		}
		for _, tc := range []struct {
			name  string
			f     culture.ArticleFilter
			want  []string
			total int
		}{
			{"All", culture.ArticleFilter{}, []string{"解放分馆稿", "邻区分馆资讯", "城南分馆资讯", "东街文化点资讯", "解放分馆资讯", "区文化馆资讯"}, 6},
			{"PublishedOnly", culture.ArticleFilter{PublishedOnly: true}, []string{"邻区分馆资讯", "城南分馆资讯", "东街文化点资讯", "解放分馆资讯", "区文化馆资讯"}, 5},
			{"WithinBranch", culture.ArticleFilter{Within: &fx.branch.ID}, []string{"解放分馆稿", "东街文化点资讯", "解放分馆资讯"}, 3},
			{"WithinHubPublished", culture.ArticleFilter{Within: &fx.hub.ID, PublishedOnly: true}, []string{"城南分馆资讯", "东街文化点资讯", "解放分馆资讯", "区文化馆资讯"}, 4},
			{"WithinPoint", culture.ArticleFilter{Within: &fx.point.ID}, []string{"东街文化点资讯"}, 1},
			{"Page", culture.ArticleFilter{PublishedOnly: true, Limit: 2, Offset: 2}, []string{"东街文化点资讯", "解放分馆资讯"}, 5},
			{"PastTheEnd", culture.ArticleFilter{Limit: 2, Offset: 10}, nil, 6},
			{"NoSuchUnit", culture.ArticleFilter{Within: mfxPtr(int64(99999))}, nil, 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, total, err := s.FindArticles(t.Context(), tc.f)
				if err != nil {
					t.Fatal(err)
				}
				var names []string
				for _, a := range got {
					names = append(names, a.Title)
				}
				if diff := cmp.Diff(tc.want, names); diff != "" || total != tc.total {
					t.Errorf("titles (-want +got):\n%s\ntotal %d, want %d", diff, total, tc.total)
				}
			})
		}
	})
}
