package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wenyun/wenyun/internal/culture"
)

// menuPerPage is the page size of the culture menu.
const menuPerPage = 20

// menuSorts are the menu's orders and their Chinese names, in display order.
var menuSorts = []culture.Label{
	{Value: "", Name: "最新"}, {Value: "supports", Name: "最多点单"}, {Value: "rating", Name: "评分最高"},
}

// menuCard is a menu item as listed and shown, with the viewer's support.
type menuCard struct {
	*culture.MenuItem
	// Supported is true when the signed-in resident supports the item this season.
	Supported bool
}

// GroupNames returns the Chinese names of the item's audience groups.
func (c menuCard) GroupNames() []string {
	out := make([]string, len(c.Groups))
	for i, g := range c.Groups {
		out[i] = culture.LabelOf(culture.AudienceGroups, g)
	}
	return out
}

// Duration says how long the item runs: "90 分钟" or "共 8 次课，每次 90 分钟".
func (c menuCard) Duration() string {
	if c.Sessions > 1 {
		return fmt.Sprintf("共 %d 次课，每次 %d 分钟", c.Sessions, c.Minutes)
	}
	return fmt.Sprintf("%d 分钟", c.Minutes)
}

// RatingText shows the average score with its count, or that there is none.
func (c menuCard) RatingText() string { return ratingText(c.RatingAvg, c.RatingCount) }

// AgeText shows the age range, or "" when the item has none.
func (c menuCard) AgeText() string {
	switch {
	case c.AgeMin > 0 && c.AgeMax > 0:
		return fmt.Sprintf("%d–%d 岁", c.AgeMin, c.AgeMax)
	case c.AgeMin > 0:
		return fmt.Sprintf("%d 岁以上", c.AgeMin)
	case c.AgeMax > 0:
		return fmt.Sprintf("%d 岁以下", c.AgeMax)
	}
	return ""
}

// ratingText shows "4.6 分（12 人评价）", or "暂无评价".
func ratingText(avg float64, count int) string {
	if count == 0 {
		return "暂无评价"
	}
	return fmt.Sprintf("%.1f 分（%d 人评价）", avg, count)
}

func menuCards(items []*culture.MenuItem, supported map[int64]bool) []menuCard {
	out := make([]menuCard, len(items))
	for i, it := range items {
		out[i] = menuCard{MenuItem: it, Supported: supported[it.ID]}
	}
	return out
}

// menuPage is the data of the culture menu.
type menuPage struct {
	Page
	Query  menuQuery
	Series []*culture.Series // fill the series select
	Items  []menuCard
	Total  int
	// Pages is the number of pages; PrevURL and NextURL are "" at the ends.
	Pages            int
	PrevURL, NextURL string
	Error            string
}

// Formats, Groups and Sorts fill the filter selects.
func (p *menuPage) Formats() []culture.Label { return culture.Formats }

// Groups lists the audience groups.
func (p *menuPage) Groups() []culture.Label { return culture.AudienceGroups }

// Sorts lists the orders.
func (p *menuPage) Sorts() []culture.Label { return menuSorts }

// handleMenuIndex lists published menu items by search text, category,
// format, audience group and series, in the chosen order. An htmx request
// gets the results block.
func (s *Server) handleMenuIndex(w http.ResponseWriter, r *http.Request) {
	if s.Menu == nil {
		s.notFound(w, r)
		return
	}
	series, err := s.Activities.FindSeries(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	q, err := parseMenuQuery(r.URL.Query())
	data := menuPage{Page: s.page(r, "文化菜单"), Query: q, Series: series}
	if err != nil {
		data.Error = culture.ErrorMessage(err)
		s.renderMenu(w, r, http.StatusUnprocessableEntity, data)
		return
	}
	if err := s.fillMenu(r, &data); err != nil {
		s.error(w, r, err)
		return
	}
	s.renderMenu(w, r, http.StatusOK, data)
}

// fillMenu finds the page of items and marks those the viewer supports.
func (s *Server) fillMenu(r *http.Request, data *menuPage) error {
	items, total, err := s.Menu.FindMenuItems(r.Context(), data.Query.filter())
	if err != nil {
		return err
	}
	supported, err := s.supportedItems(r, data.Account)
	if err != nil {
		return err
	}
	q := &data.Query
	data.Items, data.Total = menuCards(items, supported), total
	data.Pages = (total + menuPerPage - 1) / menuPerPage
	data.PrevURL, data.NextURL = q.pageURL(q.Page-1, data.Pages), q.pageURL(q.Page+1, data.Pages)
	return nil
}

// renderMenu answers htmx with the results block only (except when htmx
// restores its history, which needs the whole page).
func (s *Server) renderMenu(w http.ResponseWriter, r *http.Request, status int, data menuPage) {
	block := ""
	if r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-History-Restore-Request") != "true" {
		block = "menu_results"
	}
	w.Header().Add("Vary", "HX-Request")
	s.render(w, r, status, "menu", block, &data)
}

// menuQuery is the menu's filter as the form sends it.
type menuQuery struct {
	Q, Category, Format, Group, Series, Sort string
	Page                                     int

	SeriesID int64
}

// parseMenuQuery validates the menu filter. Blank fields are ignored.
func parseMenuQuery(v url.Values) (menuQuery, error) {
	q := menuQuery{
		Q: strings.TrimSpace(v.Get("q")), Category: v.Get("category"), Format: v.Get("format"),
		Group: v.Get("group"), Series: v.Get("series"), Sort: v.Get("sort"), Page: 1,
	}
	switch {
	case !culture.CleanText(q.Q):
		return q, culture.Invalid("q", "搜索内容包含无效字符。")
	case utf8.RuneCountInString(q.Q) > maxQueryRunes:
		return q, culture.Invalid("q", fmt.Sprintf("搜索内容最多 %d 个字。", maxQueryRunes))
	case q.Category != "" && !isCategory(q.Category):
		return q, culture.Invalid("category", "请选择正确的类别。")
	case q.Format != "" && !hasLabel(culture.Formats, q.Format):
		return q, culture.Invalid("format", "请选择正确的形式。")
	case q.Group != "" && !hasLabel(culture.AudienceGroups, q.Group):
		return q, culture.Invalid("group", "请选择正确的适合人群。")
	case !hasLabel(menuSorts, q.Sort):
		return q, culture.Invalid("sort", "请选择正确的排序方式。")
	}
	if q.Series != "" {
		id, err := strconv.ParseInt(q.Series, 10, 64)
		if err != nil || id <= 0 {
			return q, culture.Invalid("series", "请选择正确的系列。")
		}
		q.SeriesID = id
	}
	return q, parsePage(v.Get("page"), &q.Page)
}

// parsePage reads a page number of 1 to 10000 into page; "" leaves it.
func parsePage(s string, page *int) error {
	if s == "" {
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 10000 {
		return culture.Invalid("page", "页码不正确。")
	}
	*page = n
	return nil
}

func hasLabel(labels []culture.Label, value string) bool {
	for _, l := range labels {
		if l.Value == value {
			return true
		}
	}
	return false
}

// filter turns the query into a store filter of published items.
func (q *menuQuery) filter() culture.MenuFilter {
	f := culture.MenuFilter{Query: q.Q, Sort: q.Sort, Limit: menuPerPage, Offset: (q.Page - 1) * menuPerPage}
	for _, p := range []struct {
		dst **string
		v   string
	}{{&f.Category, q.Category}, {&f.Format, q.Format}, {&f.Group, q.Group}} {
		if p.v != "" {
			v := p.v
			*p.dst = &v
		}
	}
	if q.SeriesID != 0 {
		f.SeriesID = &q.SeriesID
	}
	return f
}

// pageURL returns the menu URL of page n, or "" when there is no such page.
func (q *menuQuery) pageURL(n, pages int) string {
	if n < 1 || n > pages {
		return ""
	}
	v := url.Values{}
	for k, x := range map[string]string{"q": q.Q, "category": q.Category, "format": q.Format,
		"group": q.Group, "series": q.Series, "sort": q.Sort} {
		if x != "" {
			v.Set(k, x)
		}
	}
	v.Set("page", strconv.Itoa(n))
	return "/menu?" + v.Encode()
}

// providerItems bounds the items listed on a provider's page.
const providerItems = 50

// providerPage is the data of a provider's public page.
type providerPage struct {
	Page
	Provider *culture.Provider
	Items    []menuCard
	Total    int
}

// LevelLabel and KindLabel name the provider's level and kind in Chinese.
func (p *providerPage) LevelLabel() string { return culture.ProviderLevels[p.Provider.Level] }

// KindLabel names the provider's kind.
func (p *providerPage) KindLabel() string {
	return culture.LabelOf(culture.ProviderKinds, p.Provider.Kind)
}

// RatingText shows the provider's average score with its count.
func (p *providerPage) RatingText() string {
	return ratingText(p.Provider.RatingAvg, p.Provider.RatingCount)
}

// handleProviderView shows a provider's profile, figures and published items.
func (s *Server) handleProviderView(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok || s.Menu == nil {
		s.notFound(w, r)
		return
	}
	p, err := s.Menu.FindProviderByID(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	items, total, err := s.Menu.FindMenuItems(r.Context(), culture.MenuFilter{ProviderID: &id, Limit: providerItems})
	if err != nil {
		s.error(w, r, err)
		return
	}
	supported, err := s.supportedItems(r, culture.AccountFromContext(r.Context()))
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "provider", "", &providerPage{
		Page: s.page(r, p.Name), Provider: p, Items: menuCards(items, supported), Total: total,
	})
}

// itemPath is the URL of a menu item's page.
func itemPath(id int64) string { return "/menu/" + strconv.FormatInt(id, 10) }

// itemRatings bounds the latest ratings shown on an item's page.
const itemRatings = 10

// menuItemPage is the data of a menu item's page and its support form.
type menuItemPage struct {
	Page
	Item menuCard
	// ShowCost is true for staff who request or review menu items and for
	// the item's provider: a delivery's cost means nothing to residents.
	ShowCost bool
	// Ratings are the latest visible ratings of the item's deliveries.
	Ratings []*culture.Rating
	// Upcoming are deliveries of the item whose activity is yet to come.
	Upcoming []*culture.Delivery
	Support  supportBox
	Error    string
}

// Published reports whether residents may support the item.
func (p *menuItemPage) Published() bool { return p.Item.Status == culture.ItemPublished }

// StatusLabel names the item's status in Chinese.
func (p *menuItemPage) StatusLabel() string { return culture.ItemStatusLabels[p.Item.Status] }

// LoginURL signs in and comes back to the item.
func (p *menuItemPage) LoginURL() string {
	return "/login?next=" + url.QueryEscape(itemPath(p.Item.ID))
}

// itemAccess is what a viewer may see of an item beyond its public page.
type itemAccess struct {
	manage bool // versions not yet published: its provider and hub reviewers
	cost   bool // the cost: those, and whoever files requests in the hub's tree
}

// itemAccessFor works out a's access to the item from the provider's hub,
// as the console does: a reviewer of another hub neither manages the item
// nor sees its cost.
func (s *Server) itemAccessFor(ctx context.Context, a *culture.Account, it *culture.MenuItem) (itemAccess, error) {
	if !a.IsStaff() {
		return itemAccess{}, nil
	}
	p, err := s.Menu.FindProviderByID(ctx, it.ProviderID)
	if err != nil {
		return itemAccess{}, err
	}
	hub, err := s.Units.FindUnitByID(ctx, p.HubID)
	if err != nil {
		return itemAccess{}, err
	}
	manage := a.CheckProvider(p, hub) == nil
	return itemAccess{manage: manage, cost: manage || requestsWithin(a, hub)}, nil
}

// requestsWithin reports whether a files menu requests at some unit of
// the hub's tree: through a grant at or above the hub, or below it.
func requestsWithin(a *culture.Account, hub *culture.Unit) bool {
	if a.Can(culture.ActRequestMenu, hub) {
		return true
	}
	for _, g := range a.Grants {
		below := &culture.Unit{ID: g.UnitID, Path: g.UnitPath}
		if g.UnitPath != "" && strings.HasPrefix(g.UnitPath, hub.Path) && a.Can(culture.ActRequestMenu, below) {
			return true
		}
	}
	return false
}

// handleMenuItemView shows a menu item with its figures, ratings and the
// support (点单) form.
func (s *Server) handleMenuItemView(w http.ResponseWriter, r *http.Request) {
	item, ok := s.visibleItem(w, r)
	if !ok {
		return
	}
	data, err := s.menuItemPage(r, item, 0)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "menu_item", "", &data)
}

// visibleItem returns the item {id} if the viewer may see it: anyone a
// published or withdrawn item, reviewers and its provider any. Otherwise
// it answers 404 and returns false.
func (s *Server) visibleItem(w http.ResponseWriter, r *http.Request) (*culture.MenuItem, bool) {
	id, ok := pathID(r)
	if !ok || s.Menu == nil {
		s.notFound(w, r)
		return nil, false
	}
	item, err := s.Menu.FindMenuItemByID(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return nil, false
	}
	if item.Status == culture.ItemPublished || item.Status == culture.ItemWithdrawn {
		return item, true
	}
	access, err := s.itemAccessFor(r.Context(), culture.AccountFromContext(r.Context()), item)
	if err != nil {
		s.error(w, r, err)
		return nil, false
	} else if !access.manage {
		s.notFound(w, r)
		return nil, false
	}
	return item, true
}

// menuItemPage builds an item's page for the viewer; unitID is the branch
// chosen in a refused support form (0 for none).
func (s *Server) menuItemPage(r *http.Request, item *culture.MenuItem, unitID int64) (menuItemPage, error) {
	p := menuItemPage{Page: s.page(r, item.Title), Item: menuCard{MenuItem: item}}
	access, err := s.itemAccessFor(r.Context(), p.Account, item)
	if err != nil {
		return p, err
	}
	p.ShowCost = access.cost
	ratings, err := s.Menu.FindRatings(r.Context(), nil, &item.ID, itemRatings)
	if err != nil {
		return p, err
	}
	p.Ratings = visibleRatings(ratings)
	if p.Upcoming, err = s.upcomingDeliveries(r, item.ID); err != nil {
		return p, err
	}
	if p.Account == nil {
		return p, nil
	}
	p.Support, err = s.supportBox(r, p.Account, item, unitID)
	p.Item.Supported = p.Support.Mine != nil
	return p, err
}

// upcomingDeliveries lists the item's published deliveries not yet begun.
func (s *Server) upcomingDeliveries(r *http.Request, itemID int64) ([]*culture.Delivery, error) {
	status := culture.DeliveryPublished
	ds, _, err := s.Menu.FindDeliveries(r.Context(), culture.DeliveryFilter{ItemID: &itemID, Status: &status, Limit: 20})
	if err != nil {
		return nil, err
	}
	var out []*culture.Delivery
	for _, d := range ds {
		if d.ActivityID != nil && d.StartsAt.After(s.Now()) {
			out = append(out, d)
		}
	}
	return out, nil
}

// visibleRatings drops ratings the hub has hidden.
func visibleRatings(rs []*culture.Rating) []*culture.Rating {
	var out []*culture.Rating
	for _, r := range rs {
		if !r.Hidden {
			out = append(out, r)
		}
	}
	return out
}
