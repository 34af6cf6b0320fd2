package sqlstore_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// TestSearchActivities checks Chinese search through FindActivities: the
// same bigram terms must find the same activities on both engines.
func TestSearchActivities(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		titled := func(title, category, desc string) int64 {
			return fx.create(t, func(a *culture.Activity) {
				a.Title, a.Category, a.Description, a.Audience = title, category, desc, ""
			}).ID
		}
		shufa := titled("少儿书法体验课", "书法美术", "毛笔字入门")
		jingju := titled("京剧名段欣赏", "戏曲", "")
		dance := titled("广场舞培训", "舞蹈", "")
		english := titled("English Reading Club", "阅读", "Picture books, 绘本")
		all := []int64{shufa, jingju, dance, english}

		for _, tc := range []struct {
			name  string
			query string
			want  []int64
		}{
			{"OneCharacter", "京", []int64{jingju}},
			{"OneCharacterOfCategory", "舞", []int64{dance}},
			{"TwoCharacters", "书法", []int64{shufa}},
			{"FourCharacters", "名段欣赏", []int64{jingju}},
			{"WholeTitle", "京剧名段欣赏", []int64{jingju}},
			{"Category", "戏曲", []int64{jingju}},
			{"Description", "毛笔字", []int64{shufa}},
			{"LatinWordAnyCase", "READING", []int64{english}},
			{"MixedScripts", "books 绘本", []int64{english}},
			{"UnitName", "解放分馆", all},
			{"RoomName", "教室", all},
			{"EveryTermMustMatch", "书法 京剧", []int64{}},
			{"NoMatch", "芭蕾", []int64{}},
			{"NoMatchLatin", "ballet", []int64{}},
			{"Empty", "", all},
			{"PunctuationOnly", "！？", all},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, n, err := s.FindActivities(t.Context(), culture.ActivityFilter{Query: tc.query})
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.want, activityIDs(got)); diff != "" {
					t.Errorf("query %q (-want +got):\n%s", tc.query, diff)
				}
				if n != len(tc.want) {
					t.Errorf("total = %d, want %d", n, len(tc.want))
				}
			})
		}
	})
}

// TestBadTextIsInvalid: text PostgreSQL cannot store (a NUL byte is valid
// UTF-8, so validation lets it through) must come back as a client error,
// not an internal one, and change nothing.
func TestBadTextIsInvalid(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		a, err := s.FindOrCreateResident(ctx, "13800000001")
		if err != nil {
			t.Fatal(err)
		}
		name := "张\x00三"
		_, err = s.UpdateAccount(ctx, a.ID, culture.AccountUpdate{Name: &name})
		if code := culture.ErrorCode(err); err != nil && code != culture.EINVALID {
			t.Errorf("name with NUL: code %s (%v), want nil or %s", code, err, culture.EINVALID)
		}
		if s.Engine() == "postgres" && err == nil {
			t.Error("PostgreSQL stored a NUL byte in text")
		}
	})
}
