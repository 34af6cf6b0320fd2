package sqlstore_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// modFix is a held delivery of a published item at the branch, rated 5, 4
// and 1, and staff of the branch and of other units.
type modFix struct {
	*menuFix
	rated    *culture.MenuItem
	activity int64
	// ratings of the activity, newest (the 1) first.
	ratings []*culture.Rating
	// branchAdmin manages the branch; nanAdmin the other branch; checker
	// checks in at the branch but manages nothing.
	branchAdmin, nanAdmin, checker *culture.Account
}

func modFixtures(t *testing.T, s *sqlstore.Store) *modFix {
	t.Helper()
	fx := &modFix{menuFix: mfxFixtures(t, s)}
	fx.rated = fx.publish(t)
	fx.activity = fx.heldDelivery(t, fx.rated, fx.branch, culture.DeliveryRated, 40, false, 5, 4, 1)
	fx.branchAdmin = accountFixtureStaff(t, s, "mod-branch", fx.branch, culture.RoleBranchAdmin)
	fx.nanAdmin = accountFixtureStaff(t, s, "mod-nan", fx.branch2, culture.RoleBranchAdmin)
	fx.checker = accountFixtureStaff(t, s, "mod-checker", fx.branch, culture.RoleChecker)
	rs, _, err := s.FindRatingsForStaff(t.Context(), fx.branch.ID, 0, 0)
	if err != nil || len(rs) != 3 {
		t.Fatalf("FindRatingsForStaff: %d ratings, %v", len(rs), err)
	}
	fx.ratings = rs
	return fx
}

// averages returns the item's and the provider's rating average and count.
func (fx *modFix) averages(t *testing.T) string {
	t.Helper()
	m := fx.item(t, fx.rated.ID)
	p, err := fx.s.FindProviderByID(t.Context(), fx.provider.ID)
	if err != nil {
		t.Fatal(err)
	}
	vis, err := fx.s.FindRatings(t.Context(), &fx.activity, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("item %.2f/%d provider %.2f/%d shown %d", m.RatingAvg, m.RatingCount, p.RatingAvg, p.RatingCount, len(vis))
}

// auditRows lists the audit log as "account action target reason".
func auditRows(t *testing.T, s *sqlstore.Store) []string {
	t.Helper()
	rows, err := s.DB().Query(`SELECT account_id, action, target, reason FROM audit_log ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var by int64
		var action, target, reason string
		if err := rows.Scan(&by, &action, &target, &reason); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d %s %s %s", by, action, target, reason))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestHideRating(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := modFixtures(t, s)
		one := fx.ratings[0]
		if one.Score != 1 {
			t.Fatalf("newest rating scores %d, want 1", one.Score)
		}
		all := "item 3.33/3 provider 3.33/3 shown 3"
		if got := fx.averages(t); got != all {
			t.Fatalf("before hiding: %s, want %s", got, all)
		}
		for _, tc := range []struct {
			name, code, msg string
			id              int64
			hide            bool
			reason          string
			by              int64
		}{
			{"ErrNoReason", culture.EINVALID, "请填写隐藏理由。", one.ID, true, "  ", fx.branchAdmin.ID},
			{"ErrLongReason", culture.EINVALID, "理由最多 200 个字。", one.ID, true, strings.Repeat("广", 201), fx.branchAdmin.ID},
			{"ErrLongShowReason", culture.EINVALID, "理由最多 200 个字。", one.ID, false, strings.Repeat("广", 201), fx.branchAdmin.ID},
			{"ErrControlCharacter", culture.EINVALID, "理由包含无效字符，请重新输入。", one.ID, true, "广告\x00", fx.branchAdmin.ID},
			{"ErrNoRating", culture.ENOTFOUND, "评价不存在。", 99999, true, "广告", fx.branchAdmin.ID},
			{"ErrOtherBranch", culture.EFORBIDDEN, "", one.ID, true, "广告", fx.nanAdmin.ID},
			{"ErrOtherHub", culture.EFORBIDDEN, "", one.ID, true, "广告", fx.otherReviewer.ID},
			{"ErrChecker", culture.EFORBIDDEN, "", one.ID, true, "广告", fx.checker.ID},
			{"ErrProviderStaff", culture.EFORBIDDEN, "", one.ID, true, "广告", fx.staff.ID},
			{"ErrNoAccount", culture.EFORBIDDEN, "", one.ID, true, "广告", 99999},
		} {
			t.Run(tc.name, func(t *testing.T) {
				checkRefusal(t, s.HideRating(t.Context(), tc.id, tc.hide, tc.reason, tc.by), tc.code, tc.msg)
				if got := fx.averages(t); got != all {
					t.Errorf("after a refusal: %s, want %s", got, all)
				}
				if rows := auditRows(t, s); len(rows) != 0 {
					t.Errorf("audit rows after a refusal: %q", rows)
				}
			})
		}

		target := fmt.Sprintf("rating:%d", one.ID)
		t.Run("OKHide", func(t *testing.T) {
			if err := s.HideRating(t.Context(), one.ID, true, "  与活动无关的广告  ", fx.branchAdmin.ID); err != nil {
				t.Fatal(err)
			}
			if got, want := fx.averages(t), "item 4.50/2 provider 4.50/2 shown 2"; got != want {
				t.Errorf("after hiding: %s, want %s", got, want)
			}
			checkStaffRating(t, s, fx.branch.ID, one.ID, true, "与活动无关的广告")
			want := []string{fmt.Sprintf("%d rating.hide %s 与活动无关的广告", fx.branchAdmin.ID, target)}
			if diff := cmp.Diff(want, auditRows(t, s)); diff != "" {
				t.Errorf("audit (-want +got):\n%s", diff)
			}
		})
		t.Run("OKShowByHub", func(t *testing.T) {
			if err := s.HideRating(t.Context(), one.ID, false, "", fx.reviewer.ID); err != nil {
				t.Fatal(err)
			}
			if got := fx.averages(t); got != all {
				t.Errorf("after showing: %s, want %s", got, all)
			}
			checkStaffRating(t, s, fx.branch.ID, one.ID, false, "")
			rows := auditRows(t, s)
			if want := fmt.Sprintf("%d rating.show %s ", fx.reviewer.ID, target); len(rows) != 2 || rows[1] != want {
				t.Errorf("audit rows %q, want a second %q", rows, want)
			}
		})
	})
}

// checkStaffRating checks a rating's moderation state as staff see it.
func checkStaffRating(t *testing.T, s *sqlstore.Store, within, id int64, hidden bool, reason string) {
	t.Helper()
	rs, _, err := s.FindRatingsForStaff(t.Context(), within, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.ID == id {
			if r.Hidden != hidden || r.HiddenReason != reason {
				t.Errorf("rating %d hidden %t (%q), want %t (%q)", id, r.Hidden, r.HiddenReason, hidden, reason)
			}
			return
		}
	}
	t.Errorf("rating %d not listed", id)
}

func TestFindRatingsForStaff(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := modFixtures(t, s)
		item := fx.rated
		point := fx.heldDelivery(t, item, fx.point, culture.DeliveryRated, 10, true, 3)
		fx.heldDelivery(t, item, fx.branch2, culture.DeliveryRated, 10, false, 2)
		fx.heldDelivery(t, item, fx.otherBranch, culture.DeliveryRated, 10, false, 4)

		rs, total, err := s.FindRatingsForStaff(t.Context(), fx.branch.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		// Newest first: the point's hidden rating, then the branch's 1, 4, 5.
		var got []string
		for _, r := range rs {
			got = append(got, fmt.Sprintf("%d %d %s %t %s", r.Score, r.UnitID, r.ActivityTitle, r.Hidden, r.AuthorName))
		}
		author := func(r *culture.Rating) string { return r.AuthorName }
		want := []string{
			fmt.Sprintf("3 %d %s true %s", fx.point.ID, item.Title, author(rs[0])),
			fmt.Sprintf("1 %d %s false %s", fx.branch.ID, item.Title, author(rs[1])),
			fmt.Sprintf("4 %d %s false %s", fx.branch.ID, item.Title, author(rs[2])),
			fmt.Sprintf("5 %d %s false %s", fx.branch.ID, item.Title, author(rs[3])),
		}
		if diff := cmp.Diff(want, got); diff != "" || total != 4 {
			t.Errorf("ratings (-want +got):\n%s\ntotal %d, want 4", diff, total)
		}
		for _, r := range rs {
			if !strings.Contains(r.AuthorName, "****") || r.ActivityID == 0 {
				t.Errorf("rating %d: author %q (want a masked phone), activity %d", r.ID, r.AuthorName, r.ActivityID)
			}
		}
		if rs[0].ActivityID != point {
			t.Errorf("first rating of activity %d, want %d", rs[0].ActivityID, point)
		}

		for _, tc := range []struct {
			name                 string
			within               int64
			limit, offset, n, to int
		}{
			{"Hub", fx.hub.ID, 0, 0, 5, 5},
			{"OtherHub", fx.otherHub.ID, 0, 0, 1, 1},
			{"Page", fx.hub.ID, 2, 4, 1, 5},
			{"PastTheEnd", fx.hub.ID, 2, 10, 0, 5},
			{"NoSuchUnit", 99999, 0, 0, 0, 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				rs, total, err := s.FindRatingsForStaff(t.Context(), tc.within, tc.limit, tc.offset)
				if err != nil || len(rs) != tc.n || total != tc.to {
					t.Errorf("%d ratings, total %d, %v; want %d, %d", len(rs), total, err, tc.n, tc.to)
				}
			})
		}
	})
}

func TestFindRatingByID(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := modFixtures(t, s)
		one := fx.ratings[0]
		if err := s.HideRating(t.Context(), one.ID, true, "广告", fx.branchAdmin.ID); err != nil {
			t.Fatal(err)
		}
		listed, _, err := s.FindRatingsForStaff(t.Context(), fx.branch.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range listed {
			got, err := s.FindRatingByID(t.Context(), want.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("rating %d (-listed +found):\n%s", want.ID, diff)
			}
		}
		got, err := s.FindRatingByID(t.Context(), one.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Hidden || got.HiddenReason != "广告" || got.UnitID != fx.branch.ID || got.ActivityTitle == "" ||
			got.AuthorName == "" || !strings.Contains(got.AuthorName, "*") {
			t.Errorf("hidden rating as found: %+v", got)
		}
		_, err = s.FindRatingByID(t.Context(), 99999)
		checkRefusal(t, err, culture.ENOTFOUND, "评价不存在。")
	})
}
