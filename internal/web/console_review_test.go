package web

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/wenyun/wenyun/internal/culture"
)

// TestConsoleReviewOtherHub checks that a hub's reviewer cannot review a
// submission to a provider of another hub, while that hub's reviewer can.
func TestConsoleReviewOtherHub(t *testing.T) {
	f := newConsoleMenuServer(t)
	ctx := context.Background()
	other := f.unit(ctx, culture.UnitHub, "邻区文化馆", 0)
	a := &culture.Account{Username: "otherhub", Name: "邻区管理员"}
	f.must(f.store.CreateStaff(ctx, a, consolePassword))
	f.must(f.store.CreateGrant(ctx, &culture.Grant{AccountID: a.ID, Role: culture.RoleHubAdmin, UnitID: other}))
	p := &culture.Provider{HubID: other, Name: "邻区影院", Level: culture.LevelDistrict, Kind: "troupe"}
	f.must(f.store.CreateProvider(ctx, p))
	m, err := f.store.SubmitMenuItem(ctx, p.ID, 0, consoleMenuFields("露天电影"), a.ID)
	f.must(err)
	approve, ret := idPath("/console/review/%d/approve", m.Pending.ID), idPath("/console/review/%d/return", m.Pending.ID)
	f.run(t, []consoleScenario{
		{name: "ErrApprove", user: "hubadmin", method: http.MethodPost, path: approve, status: http.StatusForbidden,
			want: []string{"属于其他总馆，您无权审核"}},
		{name: "ErrReturn", user: "hubadmin", method: http.MethodPost, path: ret,
			form: url.Values{"reason": {"请补充图片"}}, status: http.StatusForbidden},
	})
	if got := f.item(m.ID); got.Status != culture.ItemPending || got.Pending == nil || got.Pending.State != culture.RevisionPending {
		t.Fatalf("refused review changed the item: %+v", got)
	}
	f.run(t, []consoleScenario{
		{name: "OKOwnHub", user: "otherhub", method: http.MethodPost, path: approve, status: http.StatusSeeOther,
			location: "/console/review"},
	})
	if got := f.item(m.ID); got.Status != culture.ItemPublished {
		t.Errorf("approved at its hub: status %s", got.Status)
	}
}
