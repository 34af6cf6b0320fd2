package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// racedStore is the store with its saves seeing the world change after
// the console checked the form: the series, hub or unit the form named is
// gone, or the provider now serves another hub. The real store then
// refuses the save, after the console has stored the uploaded pictures.
type racedStore struct {
	*sqlstore.Store
	otherProvider int64 // a provider of another hub
}

const racedMissingID = 999999

func (s racedStore) SubmitMenuItem(ctx context.Context, providerID, itemID int64, f culture.MenuItemFields, by int64) (*culture.MenuItem, error) {
	f.SeriesID = new(int64(racedMissingID))
	return s.Store.SubmitMenuItem(ctx, providerID, itemID, f, by)
}

func (s racedStore) CreateProvider(ctx context.Context, p *culture.Provider) error {
	p.HubID = racedMissingID
	return s.Store.CreateProvider(ctx, p)
}

func (s racedStore) CreateArticle(ctx context.Context, a *culture.Article) error {
	a.UnitID = racedMissingID
	return s.Store.CreateArticle(ctx, a)
}

func (s racedStore) CreateStaffWithGrants(ctx context.Context, a *culture.Account, password string, grants []*culture.Grant) error {
	for _, g := range grants {
		g.ProviderID = &s.otherProvider
	}
	return s.Store.CreateStaffWithGrants(ctx, a, password, grants)
}

// newRacedServer is the console menu fixture served through racedStore
// (menu, news and accounts); sessions are shared, so its users sign in
// as usual.
func newRacedServer(t *testing.T) *consoleMenuFixture {
	t.Helper()
	f := newConsoleMenuServer(t)
	ctx := context.Background()
	other := &culture.Unit{Kind: culture.UnitHub, Name: "邻区文化馆", Address: "焦作市山阳区"}
	f.must(f.store.CreateUnit(ctx, other))
	p := &culture.Provider{HubID: other.ID, Name: "邻区剧团", Level: culture.LevelDistrict, Kind: "troupe"}
	f.must(f.store.CreateProvider(ctx, p))
	rs := racedStore{Store: f.store, otherProvider: p.ID}
	s, err := New(Config{Units: rs, Accounts: rs, Activities: rs, Bookings: rs, Menu: rs, Images: rs,
		News: rs, Sessions: f.store.SessionStore()})
	f.must(err)
	cf := *f.consoleFixture
	cf.srv = httptest.NewServer(s.Handler())
	t.Cleanup(cf.srv.Close)
	raced := *f
	raced.consoleFixture = &cf
	return &raced
}

// countRows counts a table's rows (a constant name in the test).
func (f *consoleFixture) countRows(table string) int {
	f.t.Helper()
	var n int
	f.must(f.store.DB().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n))
	return n
}

func TestConsoleSaveFailDropsImages(t *testing.T) {
	f := newRacedServer(t)
	two := []consoleUpload{{"photos", "a.png", consolePNG(t, 4, 4)}, {"photos", "b.png", consolePNG(t, 5, 5)}}
	for _, tc := range []struct {
		name, user, path string
		form             url.Values
		files            []consoleUpload
		want             string
	}{
		{"Item", "yuju", fmt.Sprintf("/console/providers/%d/items/new", f.yuju.ID),
			consoleItemForm(), two, "所选的品牌系列不存在。"},
		{"Provider", "hubadmin", "/console/providers/new", consoleProviderForm(f.hub),
			[]consoleUpload{{"logo", "logo.png", consolePNG(t, 8, 8)}}, "请选择文化主体服务的总馆。"},
		{"Article", "xiadmin", "/console/news/new", url.Values{"unit_id": {fmt.Sprint(f.xi)},
			"title": {"新春游园"}, "body": {"正文"}, "published": {"1"}},
			[]consoleUpload{{"cover", "cover.png", consolePNG(t, 8, 6)}}, "所选单位不存在。"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			images := f.countRows("images")
			res, body := f.client(tc.user).postFiles(tc.path, tc.form, tc.files...)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, tc.want) {
				t.Errorf("status %d, want 422 with %q\n%s", res.StatusCode, tc.want, consoleSnippet(body))
			}
			if got := f.countRows("images"); got != images {
				t.Errorf("images: %d after the failed save, want %d", got, images)
			}
		})
	}
}

func TestConsoleProviderStaffGrantFails(t *testing.T) {
	f := newRacedServer(t)
	accounts, grants := f.countRows("accounts"), f.countRows("grants")
	res, body := f.client("hubadmin").post(fmt.Sprintf("/console/providers/%d/staff", f.yuju.ID),
		url.Values{"username": {"yuju9"}, "name": {"豫剧团小王"}, "password": {consolePassword}}, nil)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "文化主体不存在或不属于该单位。") ||
		!strings.Contains(body, `value="yuju9"`) || strings.Contains(body, consolePassword) {
		t.Errorf("status %d, want 422: the form with the username, the grant's refusal, no password\n%s",
			res.StatusCode, consoleSnippet(body))
	}
	if a, g := f.countRows("accounts"), f.countRows("grants"); a != accounts || g != grants {
		t.Errorf("accounts %d, grants %d; want %d, %d (nothing created)", a, g, accounts, grants)
	}
}
