package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/wenyun/wenyun/internal/culture"
)

// The culture menu pages of the console: shared guards and loaders, and
// the provider portal's items. Providers are in console_provider.go, the
// review queue in console_review.go, deliveries in console_delivery.go,
// demand and branch requests in console_demand.go.

// errNoReview refuses accounts that review the menu nowhere.
var errNoReview = culture.Errorf(culture.EFORBIDDEN, "您没有审核文化菜单的权限。")

// consoleMaxUpload bounds a form with pictures: six photos of 2 MB and the
// fields. A larger picture than 2 MB but within this bound gets a field
// message rather than the 413 page.
const consoleMaxUpload = 16 << 20

// menuOnly answers 404 when the server has no menu service.
func (s *Server) menuOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.Menu == nil || s.Images == nil {
			s.notFound(w, r)
			return
		}
		h(w, r)
	}
}

// consoleHubs returns the hubs where acc may do act, in tree order.
func (s *Server) consoleHubs(ctx context.Context, acc *culture.Account, act string) ([]*culture.Unit, error) {
	rows, err := s.consoleScope(ctx, acc, act)
	var hubs []*culture.Unit
	for _, row := range rows {
		if row.Kind == culture.UnitHub {
			hubs = append(hubs, row.Unit)
		}
	}
	return hubs, err
}

// consoleHubOf returns the hub above (or at) unit u.
func (s *Server) consoleHubOf(ctx context.Context, u *culture.Unit) (*culture.Unit, error) {
	for _, id := range pathIDs(u.Path) {
		a, err := s.Units.FindUnitByID(ctx, id)
		if err != nil {
			return nil, err
		}
		if a.Kind == culture.UnitHub {
			return a, nil
		}
	}
	return nil, culture.Errorf(culture.ENOTFOUND, "该单位不属于任何总馆。")
}

// consoleProviderFor loads a provider and checks that acc may act for it:
// its staff, or a reviewer at its hub.
func (s *Server) consoleProviderFor(ctx context.Context, acc *culture.Account, id int64) (*culture.Provider, error) {
	p, err := s.Menu.FindProviderByID(ctx, id)
	if err != nil {
		return nil, err
	}
	hub, err := s.Units.FindUnitByID(ctx, p.HubID)
	if err != nil {
		return nil, err
	}
	return p, acc.CheckProvider(p, hub)
}

// consoleProviderPath loads the provider named by the path for acc (see
// consoleProviderFor). On failure it answers.
func (s *Server) consoleProviderPath(w http.ResponseWriter, r *http.Request) (*culture.Provider, bool) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return nil, false
	}
	p, err := s.consoleProviderFor(r.Context(), consoleAccount(r), id)
	if err != nil {
		s.error(w, r, err)
		return nil, false
	}
	return p, true
}

// consoleParseUpload parses a multipart form of at most consoleMaxUpload
// bytes; a plain form is accepted too. On failure it answers.
func (s *Server) consoleParseUpload(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, consoleMaxUpload)
	err := r.ParseMultipartForm(4 << 20)
	if err == nil || errors.Is(err, http.ErrNotMultipart) {
		return true
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		s.consoleFail(w, r, http.StatusRequestEntityTooLarge, "上传的内容过多（最多 16 MB）。")
	} else {
		s.consoleFail(w, r, http.StatusBadRequest, "表单无法解析，请返回重新提交。")
	}
	return false
}

// consoleUploads reads the pictures sent in a file field and checks each
// with culture.CheckImage; a problem goes on f under the field's name.
// Nothing is stored here.
func consoleUploads(r *http.Request, f *consoleForm, name string) [][]byte {
	if r.MultipartForm == nil {
		return nil
	}
	var out [][]byte
	for _, fh := range r.MultipartForm.File[name] {
		if fh.Size > culture.MaxImageBytes {
			f.fail(name, "图片不能超过 2 MB。")
			continue
		}
		data, err := consoleReadUpload(fh)
		if err == nil {
			_, _, _, err = culture.CheckImage(data)
		}
		if err != nil {
			f.fail(name, culture.ErrorMessage(err))
			continue
		}
		out = append(out, data)
	}
	return out
}

func consoleReadUpload(fh *multipart.FileHeader) ([]byte, error) {
	file, err := fh.Open()
	if err != nil {
		return nil, culture.Invalid("image", "图片无法读取，请重新选择。")
	}
	defer file.Close()
	return io.ReadAll(io.LimitReader(file, culture.MaxImageBytes+1))
}

// consoleStoreImages stores checked pictures and returns their ids. If one
// fails, those stored before it are dropped.
func (s *Server) consoleStoreImages(ctx context.Context, pictures [][]byte, by int64) ([]int64, error) {
	var ids []int64
	for _, data := range pictures {
		img, err := s.Images.CreateImage(ctx, data, &by)
		if err != nil {
			s.consoleDropImages(ctx, ids)
			return nil, err
		}
		ids = append(ids, img.ID)
	}
	return ids, nil
}

// imageDeleter is the part of the store (sqlstore.Store.DeleteImage) that
// removes an image nothing uses; culture.ImageService does not have it.
type imageDeleter interface {
	DeleteImage(ctx context.Context, id int64) error
}

// consoleDropImages deletes pictures stored for a save that then failed,
// so they are not left unused. It is best effort: a failure is logged and
// never replaces the caller's error. The deletion runs even if the client
// has gone.
func (s *Server) consoleDropImages(ctx context.Context, ids []int64) {
	del, ok := s.Images.(imageDeleter)
	if !ok {
		return
	}
	ctx = context.WithoutCancel(ctx)
	for _, id := range ids {
		if err := del.DeleteImage(ctx, id); err != nil {
			s.Logger.ErrorContext(ctx, "drop unused image", "image", id, "err", err)
		}
	}
}

// consoleItemFields are the text inputs of the menu item form; the
// checkboxes "groups" and "keep_photos" and the file field "photos" are
// read apart.
var consoleItemFields = []string{"title", "category", "format", "sessions", "age_min", "age_max",
	"minutes", "capacity_min", "capacity_max", "needs", "cost", "available", "description", "series_id"}

// consoleItemsPage is a provider's items, of every status.
type consoleItemsPage struct {
	Page
	Provider *culture.Provider
	Items    []*culture.MenuItem
	// Staff is true for the provider's own staff (reviewers only look).
	Staff bool
}

// consoleItemFormPage is the form for a new item or an edit of Item.
type consoleItemFormPage struct {
	Page
	Provider *culture.Provider
	Item     *culture.MenuItem // nil for a new item
	Form     *consoleForm
	Series   []*culture.Series
	// Photos are the ids the item has now (kept unless unticked).
	Photos []int64
}

// Checked reports whether a checkbox list field holds v.
func (p consoleItemFormPage) Checked(name, v string) bool {
	return slices.Contains(strings.Split(p.Form.Get(name), ","), v)
}

// Action is where the form posts.
func (p consoleItemFormPage) Action() string {
	if p.Item != nil {
		return fmt.Sprintf("/console/items/%d/edit", p.Item.ID)
	}
	return fmt.Sprintf("/console/providers/%d/items/new", p.Provider.ID)
}

// handleConsoleProviderItems lists a provider's items for its staff and
// its hub's reviewers.
func (s *Server) handleConsoleProviderItems(w http.ResponseWriter, r *http.Request) {
	p, ok := s.consoleProviderPath(w, r)
	if !ok {
		return
	}
	items, _, err := s.Menu.FindMenuItems(r.Context(), culture.MenuFilter{ProviderID: &p.ID, AnyStatus: true, Limit: 500})
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "console_provider_items", "", consoleItemsPage{
		Page: s.page(r, p.Name+" · 菜单项目"), Provider: p, Items: items,
		Staff: consoleAccount(r).IsProviderStaff(p.ID)})
}

func (s *Server) handleConsoleItemNew(w http.ResponseWriter, r *http.Request) {
	p, ok := s.consoleProviderPath(w, r)
	if !ok {
		return
	}
	f := newConsoleForm("")
	f.Values["sessions"], f.Values["format"] = "1", culture.FormatPerformance
	s.renderItemForm(w, r, http.StatusOK, p, nil, f)
}

func (s *Server) handleConsoleItemCreate(w http.ResponseWriter, r *http.Request) {
	p, ok := s.consoleProviderPath(w, r)
	if ok && s.consoleParseUpload(w, r) {
		s.consoleSubmitItem(w, r, p, nil)
	}
}

// consoleItemPath loads the item named by the path and its provider,
// checking that the account may act for the provider. On failure it
// answers.
func (s *Server) consoleItemPath(w http.ResponseWriter, r *http.Request) (*culture.MenuItem, *culture.Provider, bool) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return nil, nil, false
	}
	item, err := s.Menu.FindMenuItemByID(r.Context(), id)
	var p *culture.Provider
	if err == nil {
		p, err = s.consoleProviderFor(r.Context(), consoleAccount(r), item.ProviderID)
	}
	if err != nil {
		s.error(w, r, err)
		return nil, nil, false
	}
	return item, p, true
}

func (s *Server) handleConsoleItemEdit(w http.ResponseWriter, r *http.Request) {
	item, p, ok := s.consoleItemPath(w, r)
	if ok {
		s.renderItemForm(w, r, http.StatusOK, p, item, consoleItemFormOf(consoleItemLatest(item)))
	}
}

func (s *Server) handleConsoleItemUpdate(w http.ResponseWriter, r *http.Request) {
	item, p, ok := s.consoleItemPath(w, r)
	if ok && s.consoleParseUpload(w, r) {
		s.consoleSubmitItem(w, r, p, item)
	}
}

// consoleSubmitItem reads the item form and submits it for review: a new
// item when item is nil. Pictures are stored only once every field is
// valid.
func (s *Server) consoleSubmitItem(w http.ResponseWriter, r *http.Request, p *culture.Provider, item *culture.MenuItem) {
	ctx, acc := r.Context(), consoleAccount(r)
	f := consoleFormFrom(r, "", consoleItemFields...)
	fields, uploads, err := s.consoleItemOf(ctx, r, f, item)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if f.Valid() {
		ids, err := s.consoleStoreImages(ctx, uploads, acc.ID)
		itemID := int64(0)
		if item != nil {
			itemID = item.ID
		}
		var got *culture.MenuItem
		if err == nil {
			fields.PhotoIDs = append(fields.PhotoIDs, ids...)
			if got, err = s.Menu.SubmitMenuItem(ctx, p.ID, itemID, fields, acc.ID); err != nil {
				s.consoleDropImages(ctx, ids)
			}
		}
		if err == nil {
			s.flash(r, "已提交审核：“"+fields.Title+"”。审核通过后在菜单上显示。")
			redirect(w, r, fmt.Sprintf("/console/providers/%d/items#item-%d", p.ID, got.ID))
			return
		} else if !f.absorb(err) {
			s.error(w, r, err)
			return
		}
	}
	if r.MultipartForm != nil && len(r.MultipartForm.File["photos"]) > 0 {
		f.fail("photos", "请重新选择要上传的图片。")
	}
	s.renderItemForm(w, r, http.StatusUnprocessableEntity, p, item, f)
}

// consoleItemOf reads the item form, noting problems on f: the fields to
// submit (photos kept from item) and the new pictures, not yet stored.
func (s *Server) consoleItemOf(ctx context.Context, r *http.Request, f *consoleForm, item *culture.MenuItem) (culture.MenuItemFields, [][]byte, error) {
	groups := r.PostForm["groups"]
	f.Values["groups"] = strings.Join(groups, ",")
	keep := consoleKeptPhotos(r.PostForm["keep_photos"], item)
	f.Values["keep_photos"] = consoleJoinIDs(keep)
	fields := consoleItemFieldsOf(f, groups)
	fields.PhotoIDs = keep
	if err := s.consoleCheckSeries(ctx, f, fields.SeriesID); err != nil {
		return fields, nil, err
	}
	uploads := consoleUploads(r, f, "photos")
	if len(keep)+len(uploads) > 6 {
		f.fail("photos", "最多 6 张图片。")
	}
	return fields, uploads, nil
}

// consoleItemFieldsOf reads the fields and runs the domain checks.
func consoleItemFieldsOf(f *consoleForm, groups []string) culture.MenuItemFields {
	v := culture.MenuItemFields{
		Title: f.text("title", "请填写标题。"), Category: f.Get("category"), Format: f.Get("format"),
		Sessions: f.int("sessions", 1), Groups: groups,
		AgeMin: f.int("age_min", 0), AgeMax: f.int("age_max", 0), Minutes: f.int("minutes", 0),
		CapacityMin: f.int("capacity_min", 0), CapacityMax: f.int("capacity_max", 0),
		Needs: f.Get("needs"), Cost: f.int("cost", 0), Available: f.Get("available"),
		Description: f.Get("description"), SeriesID: f.id("series_id"),
	}
	if err := v.Validate(); err != nil {
		f.absorb(err)
	}
	return v
}

// consoleCheckSeries notes an unknown series on f.
func (s *Server) consoleCheckSeries(ctx context.Context, f *consoleForm, id *int64) error {
	if id == nil {
		return nil
	}
	_, err := s.Activities.FindSeriesByID(ctx, *id)
	if culture.ErrorCode(err) == culture.ENOTFOUND {
		f.fail("series_id", "所选品牌不存在。")
		return nil
	}
	return err
}

// consoleKeptPhotos returns the ticked photo ids that the item has (live
// or pending); other ids are ignored, so no form can claim a stranger's
// picture.
func consoleKeptPhotos(ticked []string, item *culture.MenuItem) []int64 {
	if item == nil {
		return nil
	}
	have := consoleItemPhotos(item)
	var keep []int64
	for _, v := range ticked {
		id, err := strconv.ParseInt(v, 10, 64)
		if err == nil && slices.Contains(have, id) && !slices.Contains(keep, id) {
			keep = append(keep, id)
		}
	}
	return keep
}

// consoleItemPhotos returns the photo ids of the item's latest version.
func consoleItemPhotos(item *culture.MenuItem) []int64 {
	if item == nil {
		return nil
	}
	return consoleItemLatest(item).PhotoIDs
}

// consoleItemLatest returns the pending fields of an item, else its live
// fields: an edit starts from the latest submission.
func consoleItemLatest(item *culture.MenuItem) culture.MenuItemFields {
	if item.Pending != nil {
		return item.Pending.Fields
	}
	return item.MenuItemFields
}

func consoleJoinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

// consoleItemFormOf fills the form from stored fields.
func consoleItemFormOf(m culture.MenuItemFields) *consoleForm {
	f := newConsoleForm("")
	v, itoa := f.Values, strconv.Itoa
	v["title"], v["category"], v["format"], v["sessions"] = m.Title, m.Category, m.Format, itoa(m.Sessions)
	v["groups"], v["age_min"], v["age_max"] = strings.Join(m.Groups, ","), itoa(m.AgeMin), itoa(m.AgeMax)
	v["minutes"], v["capacity_min"], v["capacity_max"] = itoa(m.Minutes), itoa(m.CapacityMin), itoa(m.CapacityMax)
	v["needs"], v["cost"], v["available"], v["description"] = m.Needs, itoa(m.Cost), m.Available, m.Description
	v["keep_photos"] = consoleJoinIDs(m.PhotoIDs)
	if m.SeriesID != nil {
		v["series_id"] = strconv.FormatInt(*m.SeriesID, 10)
	}
	return f
}

func (s *Server) renderItemForm(w http.ResponseWriter, r *http.Request, status int, p *culture.Provider, item *culture.MenuItem, f *consoleForm) {
	series, err := s.Activities.FindSeries(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	title := "新建菜单项目"
	if item != nil {
		title = "修改菜单项目"
	}
	s.render(w, r, status, "console_menu_item_form", "", consoleItemFormPage{Page: s.page(r, title),
		Provider: p, Item: item, Form: f, Series: series, Photos: consoleItemPhotos(item)})
}

// handleConsoleItemWithdraw takes an item off the menu (its staff or a
// reviewer at its hub).
func (s *Server) handleConsoleItemWithdraw(w http.ResponseWriter, r *http.Request) {
	item, p, ok := s.consoleItemPath(w, r)
	if !ok || !s.consoleParseForm(w, r) {
		return
	}
	if err := s.Menu.WithdrawMenuItem(r.Context(), item.ID); err != nil {
		s.error(w, r, err)
		return
	}
	s.flash(r, "已下架：“"+item.Title+"”。")
	redirect(w, r, fmt.Sprintf("/console/providers/%d/items", p.ID))
}
