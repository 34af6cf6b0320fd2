package web

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// consoleMenuFixture is the console fixture with the culture menu on: besides
// consoleFixture's units and staff (operator, xiadmin, nanadmin,
// xichecker, nogrant) it has hubadmin (hub admin at the hub), two
// providers of the hub with their staff (yuju of 焦作豫剧团, shuyuan of
// 青禾书院), a published item of each, a pending new item of yuju, an open
// request of 焦西 for yuju's item, and a planned delivery of each
// provider's item (yuju's to 焦西, shuyuan's to 焦南).
type consoleMenuFixture struct {
	*consoleFixture
	yuju, shuyuan                    *culture.Provider
	yujuItem, shuyuanItem, yujuDraft *culture.MenuItem
	xiRequest                        *culture.MenuRequest
	yujuDelivery, shuyuanDelivery    *culture.Delivery
}

func newConsoleMenuServer(t testing.TB) *consoleMenuFixture {
	t.Helper()
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "wenyun.db"), sqlstore.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	s, err := New(Config{Units: store, Accounts: store, Activities: store, Bookings: store,
		Menu: store, Images: store, Sessions: store.SessionStore()})
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	cf := &consoleFixture{t: t, store: store, srv: httptest.NewServer(s.Handler())}
	t.Cleanup(cf.srv.Close)
	cf.units(ctx)
	cf.staff(ctx)
	f := &consoleMenuFixture{consoleFixture: cf}
	f.menuStaff(ctx)
	f.menuItems(ctx)
	f.menuDeliveries(ctx)
	return f
}

func (f *consoleMenuFixture) menuStaff(ctx context.Context) {
	a := &culture.Account{Username: "hubadmin", Name: "总馆管理员"}
	f.must(f.store.CreateStaff(ctx, a, consolePassword))
	f.must(f.store.CreateGrant(ctx, &culture.Grant{AccountID: a.ID, Role: culture.RoleHubAdmin, UnitID: f.hub}))
	f.yuju = f.provider(ctx, "焦作豫剧团", "yuju")
	f.shuyuan = f.provider(ctx, "青禾书院", "shuyuan")
}

func (f *consoleMenuFixture) provider(ctx context.Context, name, user string) *culture.Provider {
	p := &culture.Provider{HubID: f.hub, Name: name, Level: culture.LevelDistrict, Kind: "troupe"}
	f.must(f.store.CreateProvider(ctx, p))
	a := &culture.Account{Username: user, Name: name + "联系人"}
	f.must(f.store.CreateStaff(ctx, a, consolePassword))
	f.must(f.store.CreateGrant(ctx, &culture.Grant{AccountID: a.ID, Role: culture.RoleProviderStaff, UnitID: f.hub, ProviderID: &p.ID}))
	return p
}

// consoleMenuFields returns valid item fields titled title.
func consoleMenuFields(title string) culture.MenuItemFields {
	return culture.MenuItemFields{Title: title, Category: "戏曲", Format: culture.FormatPerformance, Sessions: 1,
		Groups: []string{"elderly"}, Minutes: 90, CapacityMin: 20, CapacityMax: 200, Cost: 3000, Description: "经典唱段"}
}

// submit files a new item of p; approve publishes it.
func (f *consoleMenuFixture) submit(ctx context.Context, p *culture.Provider, title string, approve bool) *culture.MenuItem {
	f.t.Helper()
	m, err := f.store.SubmitMenuItem(ctx, p.ID, 0, consoleMenuFields(title), 1)
	f.must(err)
	if approve {
		revs, err := f.store.FindPendingRevisions(ctx, f.hub)
		f.must(err)
		for _, r := range revs {
			if r.ItemID == m.ID {
				f.must(f.store.ReviewMenuItem(ctx, r.ID, true, "", 1))
			}
		}
	}
	m, err = f.store.FindMenuItemByID(ctx, m.ID)
	f.must(err)
	return m
}

func (f *consoleMenuFixture) menuItems(ctx context.Context) {
	f.yujuItem = f.submit(ctx, f.yuju, "豫剧经典唱段", true)
	f.shuyuanItem = f.submit(ctx, f.shuyuan, "少儿书法课", true)
	f.yujuDraft = f.submit(ctx, f.yuju, "豫剧新编小戏", false)
	f.xiRequest = &culture.MenuRequest{ItemID: f.yujuItem.ID, UnitID: f.xi, Status: culture.RequestOpen,
		PreferredDates: "下月周末", Audience: 60, Mode: culture.ModeFirstCome, CreatedBy: 1}
	f.must(f.store.CreateRequest(ctx, f.xiRequest))
}

// menuDeliveries plans a delivery of each provider's item a week ahead.
func (f *consoleMenuFixture) menuDeliveries(ctx context.Context) {
	plan := func(item *culture.MenuItem, unit int64) *culture.Delivery {
		start := time.Now().AddDate(0, 0, 7).Truncate(time.Hour)
		d := &culture.Delivery{ItemID: item.ID, ProviderID: item.ProviderID, UnitID: unit, StartsAt: start,
			EndsAt: start.Add(2 * time.Hour), Capacity: 50, Mode: culture.ModeFirstCome, CreatedBy: 1}
		f.must(f.store.PlanDelivery(ctx, d))
		return d
	}
	f.yujuDelivery = plan(f.yujuItem, f.xi)
	f.shuyuanDelivery = plan(f.shuyuanItem, f.nan)
}

// delivery reads a delivery back from the store.
func (f *consoleMenuFixture) delivery(id int64) *culture.Delivery {
	f.t.Helper()
	d, err := f.store.FindDeliveryByID(context.Background(), id)
	f.must(err)
	return d
}

// item reads an item back from the store.
func (f *consoleMenuFixture) item(id int64) *culture.MenuItem {
	f.t.Helper()
	m, err := f.store.FindMenuItemByID(context.Background(), id)
	f.must(err)
	return m
}

// consoleUpload is one file of a multipart form.
type consoleUpload struct {
	field, name string
	data        []byte
}

// postFiles posts a multipart form as a same-origin browser would.
func (c *consoleClient) postFiles(path string, form url.Values, files ...consoleUpload) (*http.Response, string) {
	c.f.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			c.f.must(mw.WriteField(k, v))
		}
	}
	for _, u := range files {
		w, err := mw.CreateFormFile(u.field, u.name)
		c.f.must(err)
		_, err = w.Write(u.data)
		c.f.must(err)
	}
	c.f.must(mw.Close())
	req, err := http.NewRequest(http.MethodPost, c.f.srv.URL+path, &body)
	c.f.must(err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

// consolePNG encodes a w×h PNG.
func consolePNG(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// consoleBigUpload is more than 2 MB, an image header followed by padding.
func consoleBigUpload(t testing.TB) []byte {
	return append(consolePNG(t, 4, 4), make([]byte, culture.MaxImageBytes)...)
}
