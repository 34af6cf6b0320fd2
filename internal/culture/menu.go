package culture

import (
	"context"
	"fmt"
	"time"
)

// Provider levels and kinds (文化主体).
const (
	LevelCity     = "city"
	LevelDistrict = "district"
)

// ProviderLevels names provider levels in Chinese.
var ProviderLevels = map[string]string{LevelCity: "市级", LevelDistrict: "区级"}

// ProviderKinds names provider kinds in Chinese, in display order.
var ProviderKinds = []Label{
	{"troupe", "文艺团体"}, {"school", "学校培训机构"}, {"cinema", "影院"},
	{"library", "图书馆"}, {"artist", "个人艺术家"}, {"other", "其他"},
}

// Label is a stored value and its Chinese name.
type Label struct{ Value, Name string }

// LabelOf returns the name of value in labels, or value when unknown.
func LabelOf(labels []Label, value string) string {
	for _, l := range labels {
		if l.Value == value {
			return l.Name
		}
	}
	return value
}

func inLabels(labels []Label, value string) bool {
	for _, l := range labels {
		if l.Value == value {
			return true
		}
	}
	return false
}

// Provider is a culture provider: a troupe, school, cinema, library or
// artist that offers menu items to a hub's tree.
type Provider struct {
	ID           int64     `json:"id"`
	HubID        int64     `json:"hub_id"` // the hub unit it serves
	Name         string    `json:"name"`
	Level        string    `json:"level"`
	Kind         string    `json:"kind"`
	ContactName  string    `json:"contact_name,omitempty"`
	ContactPhone string    `json:"contact_phone,omitempty"`
	Intro        string    `json:"intro"`
	LogoID       *int64    `json:"logo_id,omitempty"` // an Image
	CreatedAt    time.Time `json:"created_at"`

	// Figures, filled by FindProviderByID and FindProviders.
	ItemCount   int     `json:"item_count"`
	Deliveries  int     `json:"deliveries"` // held or later
	RatingAvg   float64 `json:"rating_avg,omitempty"`
	RatingCount int     `json:"rating_count"`
}

// Validate checks a provider before it is stored.
func (p *Provider) Validate() error {
	if _, ok := ProviderLevels[p.Level]; !ok {
		return Invalid("level", "请选择级别（市级或区级）。")
	}
	if !inLabels(ProviderKinds, p.Kind) {
		return Invalid("kind", "请选择主体类型。")
	}
	if p.ContactPhone != "" && !ValidPhone(p.ContactPhone) {
		return Invalid("contact_phone", "联系电话应为 11 位手机号码。")
	}
	return firstErr(
		checkText("name", "名称", p.Name, 1, 60),
		checkText("contact_name", "联系人", p.ContactName, 0, 20),
		checkText("intro", "简介", p.Intro, 0, 2000),
	)
}

// Menu item formats.
const (
	FormatPerformance = "performance"
	FormatLecture     = "lecture"
	FormatWorkshop    = "workshop"
	FormatClass       = "class" // a class series of Sessions sessions
	FormatFilm        = "film"
	FormatExhibition  = "exhibition"
)

// Formats names menu item formats in Chinese, in display order.
var Formats = []Label{
	{FormatPerformance, "演出"}, {FormatLecture, "讲座"}, {FormatWorkshop, "工作坊"},
	{FormatClass, "系列课程"}, {FormatFilm, "电影放映"}, {FormatExhibition, "展览"},
}

// Audience groups a menu item is for.
var AudienceGroups = []Label{
	{"children", "少儿"}, {"parents", "亲子"}, {"youth", "青年"}, {"adults", "成人"},
	{"elderly", "老年人"}, {"disabled", "残障人士"}, {"all", "所有人"},
}

// Menu item statuses.
const (
	ItemPending   = "pending"   // never approved; waiting for review
	ItemReturned  = "returned"  // never approved; returned with a reason
	ItemPublished = "published" // live on the menu
	ItemWithdrawn = "withdrawn" // taken off the menu by its provider or the hub
)

// ItemStatusLabels names item statuses in Chinese.
var ItemStatusLabels = map[string]string{
	ItemPending: "待审核", ItemReturned: "已退回", ItemPublished: "已上架", ItemWithdrawn: "已下架",
}

// Bounds of menu item fields.
const (
	MaxItemCost     = 1_000_000 // yuan per delivery
	MaxItemSessions = 60
	MaxItemMinutes  = 8 * 60
)

// MenuItemFields are what a provider submits for review: a new item or an
// edit of one. They become live when the hub approves them.
type MenuItemFields struct {
	Title       string   `json:"title"`
	Category    string   `json:"category"`
	Format      string   `json:"format"`
	Sessions    int      `json:"sessions"` // 1 unless Format is class
	Groups      []string `json:"groups"`   // AudienceGroups values
	AgeMin      int      `json:"age_min,omitempty"`
	AgeMax      int      `json:"age_max,omitempty"`
	Minutes     int      `json:"minutes"` // per session
	CapacityMin int      `json:"capacity_min"`
	CapacityMax int      `json:"capacity_max"`
	Needs       string   `json:"needs"`     // room and equipment
	Cost        int      `json:"cost"`      // yuan per delivery
	Available   string   `json:"available"` // when, in words: "周末下午，3–6 月"
	Description string   `json:"description"`
	PhotoIDs    []int64  `json:"photo_ids,omitempty"` // Images, at most 6
	SeriesID    *int64   `json:"series_id,omitempty"`
}

// Validate checks the fields of a submission.
func (f *MenuItemFields) Validate() error {
	if err := firstErr(
		checkText("title", "标题", f.Title, 1, 60),
		checkText("needs", "场地与设备要求", f.Needs, 0, 500),
		checkText("available", "可配送时间", f.Available, 0, 100),
		checkText("description", "简介", f.Description, 0, 4000),
	); err != nil {
		return err
	}
	if !inStrings(Categories, f.Category) {
		return Invalid("category", "请选择类别。")
	}
	if !inLabels(Formats, f.Format) {
		return Invalid("format", "请选择形式。")
	}
	return firstErr(f.validateNumbers(), f.validateGroups())
}

func (f *MenuItemFields) validateNumbers() error {
	switch {
	case f.Format == FormatClass && (f.Sessions < 2 || f.Sessions > MaxItemSessions):
		return Invalid("sessions", fmt.Sprintf("系列课程的课时数应在 2 到 %d 之间。", MaxItemSessions))
	case f.Format != FormatClass && f.Sessions != 1:
		return Invalid("sessions", "只有系列课程可以有多个课时。")
	case f.Minutes < 10 || f.Minutes > MaxItemMinutes:
		return Invalid("minutes", "时长应在 10 到 480 分钟之间。")
	case f.CapacityMin < 1 || f.CapacityMax > 10000 || f.CapacityMin > f.CapacityMax:
		return Invalid("capacity_min", "人数范围应在 1 到 10000 之间，且最少不多于最多。")
	case f.Cost < 0 || f.Cost > MaxItemCost:
		return Invalid("cost", "每场费用应在 0 到 1000000 元之间。")
	case f.AgeMin < 0 || f.AgeMax < 0 || f.AgeMin > 120 || f.AgeMax > 120:
		return Invalid("age_min", "年龄范围无效。")
	case f.AgeMax != 0 && f.AgeMin > f.AgeMax:
		return Invalid("age_max", "最大年龄不能小于最小年龄。")
	case len(f.PhotoIDs) > 6:
		return Invalid("photos", "最多 6 张图片。")
	}
	return nil
}

func (f *MenuItemFields) validateGroups() error {
	if len(f.Groups) == 0 {
		return Invalid("groups", "请至少选择一类适合人群。")
	}
	seen := map[string]bool{}
	for _, g := range f.Groups {
		if !inLabels(AudienceGroups, g) || seen[g] {
			return Invalid("groups", "适合人群无效。")
		}
		seen[g] = true
	}
	return nil
}

// MenuItem is one entry of the culture menu (文化菜单). Its fields are the
// live, approved version; Pending holds an edit waiting for review.
type MenuItem struct {
	ID         int64  `json:"id"`
	ProviderID int64  `json:"provider_id"`
	Status     string `json:"status"`
	MenuItemFields
	// ReturnReason says why the last submission was returned.
	ReturnReason string    `json:"return_reason,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	// Pending is the submission under review, if any (visible to its
	// provider and reviewers only).
	Pending *MenuRevision `json:"pending,omitempty"`

	// Joined and computed for display.
	ProviderName string  `json:"provider_name,omitempty"`
	SeriesName   string  `json:"series_name,omitempty"`
	Supports     int     `json:"supports"`   // active supports this season
	Requests     int     `json:"requests"`   // open and planned requests
	Deliveries   int     `json:"deliveries"` // deliveries held or later
	Attendance   int     `json:"attendance"` // checked-in attendees of those
	RatingAvg    float64 `json:"rating_avg,omitempty"`
	RatingCount  int     `json:"rating_count"`
}

// FormatLabel returns the Chinese name of the item's format.
func (m *MenuItem) FormatLabel() string { return LabelOf(Formats, m.Format) }

// Revision states.
const (
	RevisionPending  = "pending"
	RevisionApproved = "approved"
	RevisionReturned = "returned"
)

// MenuRevision is one submission of a menu item's fields for review.
type MenuRevision struct {
	ID          int64          `json:"id"`
	ItemID      int64          `json:"item_id"`
	State       string         `json:"state"`
	Fields      MenuItemFields `json:"fields"`
	Reason      string         `json:"reason,omitempty"` // why returned
	SubmittedBy int64          `json:"submitted_by"`
	SubmittedAt time.Time      `json:"submitted_at"`
	ReviewedBy  *int64         `json:"reviewed_by,omitempty"`
	ReviewedAt  *time.Time     `json:"reviewed_at,omitempty"`

	// Joined for the review queue.
	ItemTitle    string `json:"item_title,omitempty"` // live title ("" if never approved)
	ProviderID   int64  `json:"provider_id,omitempty"`
	ProviderName string `json:"provider_name,omitempty"`
	// HubID is the provider's hub, where ActReviewMenu allows the review.
	HubID int64 `json:"hub_id,omitempty"`
}

// MenuFilter selects menu items.
type MenuFilter struct {
	HubID      *int64 // items of providers serving this hub
	ProviderID *int64
	SeriesID   *int64
	Status     *string // default: published only
	AnyStatus  bool    // every status (a provider's own list)
	Category   *string
	Format     *string
	Group      *string
	Query      string // matches title, description and provider name
	// Sort: "" (newest), "supports" (most supported), "rating".
	Sort   string
	Limit  int
	Offset int
}

// Season is a quarter in Asia/Shanghai, written "2026Q4". Support quotas
// and budgets count per season.
type Season string

// SeasonOf returns the season t falls in.
func SeasonOf(t time.Time) Season {
	t = t.In(Shanghai)
	return Season(fmt.Sprintf("%dQ%d", t.Year(), (int(t.Month())-1)/3+1))
}

// Bounds returns the first instant of the season and of the next one.
func (s Season) Bounds() (from, to time.Time, err error) {
	var y, q int
	// Sscanf skips spaces and takes signs, zero padding and trailing text;
	// stored seasons are always SeasonOf's form, so only that form may
	// name one (else "2026Q02" would bound the dates of 2026Q2 but match
	// none of its supports).
	_, err = fmt.Sscanf(string(s), "%dQ%d", &y, &q)
	if err != nil || q < 1 || q > 4 || y < 2000 || y > 2200 || fmt.Sprintf("%dQ%d", y, q) != string(s) {
		return time.Time{}, time.Time{}, Invalid("season", "季度格式应为 2026Q4。")
	}
	from = time.Date(y, time.Month(3*(q-1)+1), 1, 0, 0, 0, 0, Shanghai)
	return from, from.AddDate(0, 3, 0), nil
}

// Label returns "2026 年第 4 季度".
func (s Season) Label() string {
	var y, q int
	if _, err := fmt.Sscanf(string(s), "%dQ%d", &y, &q); err != nil {
		return string(s)
	}
	return fmt.Sprintf("%d 年第 %d 季度", y, q)
}

// DefaultSupportQuota is how many items a resident may support per season.
const DefaultSupportQuota = 10

// Support is a resident's vote (点单) for a menu item at a branch.
type Support struct {
	ID        int64     `json:"id"`
	ItemID    int64     `json:"item_id"`
	AccountID int64     `json:"account_id"`
	UnitID    int64     `json:"unit_id"` // the branch it is for
	Season    Season    `json:"season"`
	CreatedAt time.Time `json:"created_at"`

	ItemTitle string `json:"item_title,omitempty"`
	UnitName  string `json:"unit_name,omitempty"`
}

// Request statuses.
const (
	RequestOpen      = "open"
	RequestPlanned   = "planned"   // a delivery is planned for it
	RequestDelivered = "delivered" // its delivery was held
	RequestWithdrawn = "withdrawn"
	RequestDeclined  = "declined" // the hub turned it down, with a reason
)

// RequestStatusLabels names request statuses in Chinese.
var RequestStatusLabels = map[string]string{
	RequestOpen: "待安排", RequestPlanned: "已安排", RequestDelivered: "已配送",
	RequestWithdrawn: "已撤回", RequestDeclined: "未采纳",
}

// MenuRequest is a branch's request (分馆点单) for a menu item.
type MenuRequest struct {
	ID             int64     `json:"id"`
	ItemID         int64     `json:"item_id"`
	UnitID         int64     `json:"unit_id"`
	Status         string    `json:"status"`
	PreferredDates string    `json:"preferred_dates"` // in words
	Audience       int       `json:"expected_audience"`
	Mode           string    `json:"mode"` // allocation mode the branch wants
	Note           string    `json:"note,omitempty"`
	Reason         string    `json:"reason,omitempty"` // why declined
	DeliveryID     *int64    `json:"delivery_id,omitempty"`
	CreatedBy      int64     `json:"created_by"`
	CreatedAt      time.Time `json:"created_at"`

	ItemTitle    string `json:"item_title,omitempty"`
	ProviderName string `json:"provider_name,omitempty"`
	UnitName     string `json:"unit_name,omitempty"`
}

// Validate checks a request before it is filed.
func (r *MenuRequest) Validate() error {
	if _, ok := ModeLabels[r.Mode]; !ok {
		return Invalid("mode", "请选择预约方式。")
	}
	if r.Audience < 1 || r.Audience > 10000 {
		return Invalid("expected_audience", "预计人数应在 1 到 10000 之间。")
	}
	return firstErr(
		checkText("preferred_dates", "期望时间", r.PreferredDates, 1, 100),
		checkText("note", "备注", r.Note, 0, 500),
	)
}

// Delivery statuses, in lifecycle order. "Ordered" is the request before a
// delivery exists; declined and cancelled end a delivery early.
const (
	DeliveryPlanned   = "planned"   // the hub planned it; waiting for the provider
	DeliveryConfirmed = "confirmed" // the provider confirmed (the activity follows at once)
	DeliveryPublished = "published" // the activity is on the branch's list
	DeliveryHeld      = "held"      // the activity has ended; attendance recorded
	DeliveryRated     = "rated"     // attendees have rated it
	DeliverySettled   = "settled"   // the cost is recorded
	DeliveryDeclined  = "declined"  // the provider declined, with a reason
	DeliveryCancelled = "cancelled" // the hub cancelled it
)

// DeliveryStatusLabels names delivery statuses in Chinese.
var DeliveryStatusLabels = map[string]string{
	DeliveryPlanned: "已计划", DeliveryConfirmed: "已确认", DeliveryPublished: "已发布",
	DeliveryHeld: "已举办", DeliveryRated: "已评价", DeliverySettled: "已结算",
	DeliveryDeclined: "已婉拒", DeliveryCancelled: "已取消",
}

// DeliveryLifecycle is the path a delivery takes, for timelines.
var DeliveryLifecycle = []string{"ordered", DeliveryPlanned, DeliveryConfirmed,
	DeliveryPublished, DeliveryHeld, DeliveryRated, DeliverySettled}

// Delivery (配送) is the hub's order for a provider to hold a menu item at a
// branch. Confirming it creates the activity.
type Delivery struct {
	ID         int64     `json:"id"`
	ItemID     int64     `json:"item_id"`
	ProviderID int64     `json:"provider_id"`
	UnitID     int64     `json:"unit_id"` // the branch or point
	RoomID     *int64    `json:"room_id,omitempty"`
	RequestID  *int64    `json:"request_id,omitempty"`
	StartsAt   time.Time `json:"starts_at"`
	EndsAt     time.Time `json:"ends_at"`
	Capacity   int       `json:"capacity"`
	Mode       string    `json:"mode"` // allocation mode of the activity
	Status     string    `json:"status"`
	Reason     string    `json:"reason,omitempty"` // why declined or cancelled
	ActivityID *int64    `json:"activity_id,omitempty"`
	Cost       *int      `json:"cost,omitempty"` // yuan, recorded at settlement
	Attendance int       `json:"attendance"`     // checked-in attendees, once held
	Note       string    `json:"note,omitempty"`
	CreatedBy  int64     `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
	// Times each step was reached (nil until then).
	ConfirmedAt *time.Time `json:"confirmed_at,omitempty"`
	HeldAt      *time.Time `json:"held_at,omitempty"`
	SettledAt   *time.Time `json:"settled_at,omitempty"`

	ItemTitle    string  `json:"item_title,omitempty"`
	ProviderName string  `json:"provider_name,omitempty"`
	UnitName     string  `json:"unit_name,omitempty"`
	RoomName     string  `json:"room_name,omitempty"`
	RatingAvg    float64 `json:"rating_avg,omitempty"`
	RatingCount  int     `json:"rating_count"`
}

// StatusLabel returns the Chinese name of the delivery's status.
func (d *Delivery) StatusLabel() string { return DeliveryStatusLabels[d.Status] }

// Validate checks a delivery as the hub plans it, at now.
func (d *Delivery) Validate(now time.Time) error {
	if _, ok := ModeLabels[d.Mode]; !ok {
		return Invalid("mode", "请选择预约方式。")
	}
	switch {
	case d.ItemID <= 0:
		return Invalid("item_id", "请选择菜单项目。")
	case d.UnitID <= 0:
		return Invalid("unit_id", "请选择配送到的分馆。")
	case d.StartsAt.IsZero() || !d.StartsAt.After(now):
		return Invalid("starts_at", "配送时间应晚于现在。")
	case !d.EndsAt.After(d.StartsAt) || d.EndsAt.Sub(d.StartsAt) > 12*time.Hour:
		return Invalid("ends_at", "结束时间应晚于开始时间，且单场不超过 12 小时。")
	case d.StartsAt.After(now.AddDate(1, 0, 0)):
		return Invalid("starts_at", "只能安排一年以内的配送。")
	case d.Capacity < 1 || d.Capacity > 10000:
		return Invalid("capacity", "名额应在 1 到 10000 之间。")
	}
	return checkText("note", "备注", d.Note, 0, 500)
}

// DeliveryFilter selects deliveries.
type DeliveryFilter struct {
	Within     *int64 // deliveries to this unit's subtree
	ProviderID *int64
	ItemID     *int64
	Status     *string
	Season     *Season // starts_at in the season
	Limit      int
	Offset     int
}

// DeliveryUpdate is a step of a delivery's lifecycle, taken by its actor.
type DeliveryUpdate struct {
	// Mode changes the allocation mode while the delivery is planned
	// (the branch chooses).
	Mode *string
	// Cost settles a held or rated delivery (hub, yuan).
	Cost *int
}

// Rating is an attendee's score (1–5) of an activity they were checked in to.
type Rating struct {
	ID         int64     `json:"id"`
	ActivityID int64     `json:"activity_id"`
	AccountID  int64     `json:"account_id"`
	Score      int       `json:"score"`
	Comment    string    `json:"comment,omitempty"`
	Hidden     bool      `json:"hidden,omitempty"`
	CreatedAt  time.Time `json:"created_at"`

	AuthorName string `json:"author_name,omitempty"` // masked
	// For moderation (FindRatingsForStaff).
	HiddenReason  string `json:"hidden_reason,omitempty"`
	ActivityTitle string `json:"activity_title,omitempty"`
	UnitID        int64  `json:"unit_id,omitempty"`
}

// Validate checks a rating before it is stored.
func (r *Rating) Validate() error {
	if r.Score < 1 || r.Score > 5 {
		return Invalid("score", "评分应为 1 到 5 星。")
	}
	return checkText("comment", "评价", r.Comment, 0, 500)
}

// DemandRow is one menu item's demand at a unit (or the whole hub).
type DemandRow struct {
	ItemID       int64  `json:"item_id"`
	ItemTitle    string `json:"item_title"`
	ProviderName string `json:"provider_name"`
	Category     string `json:"category"`
	Supports     int    `json:"supports"`
	Requests     int    `json:"requests"` // open and planned
}

// DemandWeek is the number of new supports and requests in one week
// (Monday, Asia/Shanghai).
type DemandWeek struct {
	Week     time.Time `json:"week"`
	Supports int       `json:"supports"`
	Requests int       `json:"requests"`
}

// DemandBoard is what residents and branches asked for, within a unit's
// subtree, in a season.
type DemandBoard struct {
	UnitID   int64          `json:"unit_id"`
	Season   Season         `json:"season"`
	Items    []*DemandRow   `json:"items"` // most supported first, at most 50
	Requests []*MenuRequest `json:"requests"`
	Trend    []*DemandWeek  `json:"trend"` // the season's weeks, oldest first
	Supports int            `json:"supports"`
}

// BranchFigures are a branch's delivery figures for a season.
type BranchFigures struct {
	UnitID    int64   `json:"unit_id"`
	UnitName  string  `json:"unit_name"`
	Requests  int     `json:"requests"`  // filed in the season, not withdrawn
	Delivered int     `json:"delivered"` // of those, delivered
	Rate      float64 `json:"fulfilment_rate"`
	Budget    int     `json:"budget_used"` // yuan of settled deliveries held in the season
}

// SeriesFigures are a brand series' past figures.
type SeriesFigures struct {
	Held        int     `json:"held"`       // activities that have ended
	Attendance  int     `json:"attendance"` // checked-in attendees
	Followers   int     `json:"followers"`
	RatingAvg   float64 `json:"rating_avg,omitempty"`
	RatingCount int     `json:"rating_count"`
}

// MenuService stores providers, the culture menu, supports, requests,
// deliveries, ratings and series follows. Permission checks are the
// caller's (web, api) except where an argument names the actor: then the
// store checks that actor's grants itself, in the same transaction.
type MenuService interface {
	CreateProvider(ctx context.Context, p *Provider) error
	UpdateProvider(ctx context.Context, p *Provider) error
	FindProviderByID(ctx context.Context, id int64) (*Provider, error)
	FindProviders(ctx context.Context, hubID *int64) ([]*Provider, error)

	// SubmitMenuItem files fields for review: a new item when itemID is 0
	// (returned with status pending), else an edit of the provider's item,
	// which replaces any edit still pending. The live version stays.
	SubmitMenuItem(ctx context.Context, providerID, itemID int64, f MenuItemFields, by int64) (*MenuItem, error)
	// ReviewMenuItem approves (reason "") or returns (reason given) the
	// item's pending revision.
	ReviewMenuItem(ctx context.Context, revisionID int64, approve bool, reason string, by int64) error
	// WithdrawMenuItem takes a published item off the menu.
	WithdrawMenuItem(ctx context.Context, itemID int64) error
	FindMenuItemByID(ctx context.Context, id int64) (*MenuItem, error)
	FindMenuItems(ctx context.Context, f MenuFilter) ([]*MenuItem, int, error)
	// FindPendingRevisions lists revisions waiting for review at a hub, oldest first.
	FindPendingRevisions(ctx context.Context, hubID int64) ([]*MenuRevision, error)
	// FindRevisionByID returns a revision in any state, with its provider,
	// hub and live title; ENOTFOUND when missing.
	FindRevisionByID(ctx context.Context, id int64) (*MenuRevision, error)

	// Support records the resident's support of a published item for a
	// branch (their home branch when unitID is 0) this season; ECONFLICT
	// when already supported, ETOOMANY (reason support_quota) over quota.
	Support(ctx context.Context, accountID, itemID, unitID int64) (*Support, error)
	// WithdrawSupport removes this season's support of the item.
	WithdrawSupport(ctx context.Context, accountID, itemID int64) error
	// FindSupports lists the resident's supports in the season.
	FindSupports(ctx context.Context, accountID int64, season Season) ([]*Support, error)
	// SupportQuota returns the per-season quota (a setting; default 10).
	SupportQuota(ctx context.Context) (int, error)

	// CreateRequest files a branch's request; the caller has checked that
	// the filer may manage activities at r.UnitID.
	CreateRequest(ctx context.Context, r *MenuRequest) error
	// SetRequestStatus withdraws (branch) or declines (hub, with a reason)
	// an open request.
	SetRequestStatus(ctx context.Context, id int64, status, reason string) error
	FindRequestByID(ctx context.Context, id int64) (*MenuRequest, error)
	FindRequests(ctx context.Context, within int64, status *string) ([]*MenuRequest, error)
	DemandBoard(ctx context.Context, within int64, season Season) (*DemandBoard, error)

	// PlanDelivery stores a planned delivery. The unit must lie in the
	// provider's hub's tree; a request, when given, becomes planned.
	PlanDelivery(ctx context.Context, d *Delivery) error
	// ConfirmDelivery is the provider's answer: confirm creates the
	// activity at the branch (from the item's data) and publishes the
	// delivery; decline needs a reason. providerID must own the delivery
	// (EFORBIDDEN otherwise).
	ConfirmDelivery(ctx context.Context, id, providerID int64, confirm bool, reason string) (*Delivery, error)
	UpdateDelivery(ctx context.Context, id int64, upd DeliveryUpdate) (*Delivery, error)
	// CancelDelivery cancels a planned or published delivery (and its
	// activity), with a reason.
	CancelDelivery(ctx context.Context, id int64, reason string) error
	FindDeliveryByID(ctx context.Context, id int64) (*Delivery, error)
	FindDeliveries(ctx context.Context, f DeliveryFilter) ([]*Delivery, int, error)
	// MarkDeliveriesHeld moves published deliveries whose activity has
	// ended to held, recording attendance; it returns how many moved.
	MarkDeliveriesHeld(ctx context.Context) (int, error)
	// BranchFigures returns fulfilment and budget per branch in the tree.
	BranchFigures(ctx context.Context, within int64, season Season) ([]*BranchFigures, error)

	// Rate stores the account's rating of an activity it was checked in to
	// (EFORBIDDEN reason not_attended otherwise; ECONFLICT when rated).
	Rate(ctx context.Context, r *Rating) error
	FindRatings(ctx context.Context, activityID *int64, itemID *int64, limit int) ([]*Rating, error)

	FollowSeries(ctx context.Context, accountID, seriesID int64, follow bool) error
	IsFollowing(ctx context.Context, accountID, seriesID int64) (bool, error)
	SeriesFigures(ctx context.Context, seriesID int64) (*SeriesFigures, error)
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func inStrings(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
