package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/wenyun/wenyun/internal/culture"
)

// The hub's review queue of menu item submissions (菜单审核).

// consoleReviewPage is the hub's queue of submissions waiting for review.
type consoleReviewPage struct {
	Page
	Revisions []consoleRevision
}

// consoleRevision is one submission with its fields side by side with the
// live version (for edits) and its return form.
type consoleRevision struct {
	*culture.MenuRevision
	Rows []consoleDiffRow
	// Edit is true when the item is live and this submission changes it.
	Edit bool
	Form *consoleForm
}

// consoleDiffRow is one field of a submission; Old is the live value and
// Changed marks a difference from it.
type consoleDiffRow struct {
	Label, Value, Old string
	Changed           bool
}

func (s *Server) handleConsoleReview(w http.ResponseWriter, r *http.Request) {
	s.renderReview(w, r, http.StatusOK, 0, nil)
}

// renderReview shows the queue; failed, when set, is the return form of
// revision failedID.
func (s *Server) renderReview(w http.ResponseWriter, r *http.Request, status int, failedID int64, failed *consoleForm) {
	acc := consoleAccount(r)
	if !acc.CanAnywhere(culture.ActReviewMenu) {
		s.error(w, r, errNoReview)
		return
	}
	revs, err := s.consolePendingRevisions(r.Context(), acc)
	var rows []consoleRevision
	if err == nil {
		rows, err = s.consoleRevisionRows(r.Context(), revs)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	for i := range rows {
		if rows[i].ID == failedID && failed != nil {
			rows[i].Form = failed
		}
	}
	s.render(w, r, status, "console_review", "", consoleReviewPage{Page: s.page(r, "菜单审核"), Revisions: rows})
}

// consolePendingRevisions lists the submissions waiting at every hub the
// account reviews.
func (s *Server) consolePendingRevisions(ctx context.Context, acc *culture.Account) ([]*culture.MenuRevision, error) {
	hubs, err := s.consoleHubs(ctx, acc, culture.ActReviewMenu)
	if err != nil {
		return nil, err
	}
	var out []*culture.MenuRevision
	for _, hub := range hubs {
		revs, err := s.Menu.FindPendingRevisions(ctx, hub.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, revs...)
	}
	return out, nil
}

// consoleRevisionRows lays out each submission against its live item.
func (s *Server) consoleRevisionRows(ctx context.Context, revs []*culture.MenuRevision) ([]consoleRevision, error) {
	names, err := s.consoleSeriesNames(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]consoleRevision, len(revs))
	for i, rev := range revs {
		var live *culture.MenuItemFields
		if rev.ItemTitle != "" { // approved before: an edit
			item, err := s.Menu.FindMenuItemByID(ctx, rev.ItemID)
			if err != nil {
				return nil, err
			}
			live = &item.MenuItemFields
		}
		out[i] = consoleRevision{MenuRevision: rev, Rows: consoleDiff(rev.Fields, live, names),
			Edit: live != nil, Form: newConsoleForm("r" + strconv.FormatInt(rev.ID, 10))}
	}
	return out, nil
}

func (s *Server) consoleSeriesNames(ctx context.Context) (map[int64]string, error) {
	series, err := s.Activities.FindSeries(ctx)
	names := map[int64]string{}
	for _, se := range series {
		names[se.ID] = se.Name
	}
	return names, err
}

// consoleDiff lists the fields of f, each compared with live when given.
func consoleDiff(f culture.MenuItemFields, live *culture.MenuItemFields, series map[int64]string) []consoleDiffRow {
	rows := consoleItemRows(f, series)
	if live == nil {
		return rows
	}
	for i, old := range consoleItemRows(*live, series) {
		rows[i].Old, rows[i].Changed = old.Value, old.Value != rows[i].Value
	}
	return rows
}

// consoleItemRows shows the fields of an item as label and text.
func consoleItemRows(f culture.MenuItemFields, series map[int64]string) []consoleDiffRow {
	ages := "不限"
	if f.AgeMin != 0 || f.AgeMax != 0 {
		ages = fmt.Sprintf("%d–%d 岁", f.AgeMin, f.AgeMax)
	}
	seriesName := "无"
	if f.SeriesID != nil {
		seriesName = series[*f.SeriesID]
	}
	row := func(label, value string) consoleDiffRow { return consoleDiffRow{Label: label, Value: value} }
	return []consoleDiffRow{
		row("标题", f.Title), row("类别", f.Category), row("形式", culture.LabelOf(culture.Formats, f.Format)),
		row("课时数", strconv.Itoa(f.Sessions)), row("适合人群", consoleGroupNames(f.Groups)), row("年龄", ages),
		row("每课时长", fmt.Sprintf("%d 分钟", f.Minutes)),
		row("人数", fmt.Sprintf("%d–%d 人", f.CapacityMin, f.CapacityMax)),
		row("场地与设备要求", f.Needs), row("每场费用", fmt.Sprintf("%d 元", f.Cost)),
		row("可配送时间", f.Available), row("简介", f.Description),
		row("图片", consoleJoinIDs(f.PhotoIDs)), row("所属品牌", seriesName),
	}
}

// errOtherHubReview refuses a submission to a provider of a hub where the
// account does not review the menu.
var errOtherHubReview = culture.Errorf(culture.EFORBIDDEN, "该提交的提供方属于其他总馆，您无权审核。")

// errReviewed refuses a submission no longer pending, before any reason
// is checked; ReviewMenuItem refuses it the same way (ECONFLICT) when
// another reviewer gets there in between.
var errReviewed = culture.Errorf(culture.ECONFLICT, "该提交已审核或已被新的提交替换，请刷新后再看。")

// consoleReviewRevision finds the pending submission of the path and
// checks that the account reviews the menu at its provider's hub: an
// unknown one is 404, another hub's 403, one already reviewed 409.
func (s *Server) consoleReviewRevision(w http.ResponseWriter, r *http.Request) (*culture.MenuRevision, bool) {
	id, ok := pathID(r)
	acc := consoleAccount(r)
	if !ok {
		s.notFound(w, r)
		return nil, false
	} else if !acc.CanAnywhere(culture.ActReviewMenu) {
		s.error(w, r, errNoReview)
		return nil, false
	}
	rev, err := s.Menu.FindRevisionByID(r.Context(), id)
	var hub *culture.Unit
	if err == nil {
		hub, err = s.Units.FindUnitByID(r.Context(), rev.HubID)
	}
	if err == nil && !acc.Can(culture.ActReviewMenu, hub) {
		err = errOtherHubReview
	} else if err == nil && rev.State != culture.RevisionPending {
		err = errReviewed
	}
	if err != nil {
		s.error(w, r, err)
		return nil, false
	}
	return rev, true
}

func (s *Server) handleConsoleReviewApprove(w http.ResponseWriter, r *http.Request) {
	rev, ok := s.consoleReviewRevision(w, r)
	if !ok || !s.consoleParseForm(w, r) {
		return
	}
	if err := s.Menu.ReviewMenuItem(r.Context(), rev.ID, true, "", consoleAccount(r).ID); err != nil {
		s.error(w, r, err)
		return
	}
	s.flash(r, "已通过：“"+rev.Fields.Title+"”，已在菜单上显示。")
	redirect(w, r, "/console/review")
}

func (s *Server) handleConsoleReviewReturn(w http.ResponseWriter, r *http.Request) {
	rev, ok := s.consoleReviewRevision(w, r)
	if !ok || !s.consoleParseForm(w, r) {
		return
	}
	f := consoleFormFrom(r, "r"+strconv.FormatInt(rev.ID, 10), "reason")
	reason := f.text("reason", "请填写退回理由。")
	if f.Valid() {
		err := s.Menu.ReviewMenuItem(r.Context(), rev.ID, false, reason, consoleAccount(r).ID)
		if err == nil {
			s.flash(r, "已退回：“"+rev.Fields.Title+"”。")
			redirect(w, r, "/console/review")
			return
		} else if !f.absorb(err) {
			s.error(w, r, err)
			return
		}
	}
	s.renderReview(w, r, http.StatusUnprocessableEntity, rev.ID, f)
}
