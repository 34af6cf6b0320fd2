package culture

import (
	"context"
	"time"
)

// Allocation modes.
const (
	ModeOpen      = "open"       // walk in, no booking
	ModeFirstCome = "first_come" // 抢票: opens at a set time
	ModeApproval  = "approval"   // staff approve each request
	ModeLottery   = "lottery"    // 抽签: apply in a window, then a verifiable draw
)

// ModeLabels names allocation modes in Chinese.
var ModeLabels = map[string]string{
	ModeOpen: "免预约", ModeFirstCome: "先到先得", ModeApproval: "报名审核", ModeLottery: "抽签",
}

// Activity statuses.
const (
	ActivityPublished = "published"
	ActivityCancelled = "cancelled"
)

// MaxSeats bounds an activity's capacity and each of its reserves. Front
// ends refuse larger numbers before any arithmetic on them.
const MaxSeats = 100000

// Categories of activities and menu items.
var Categories = []string{
	"少儿益智", "文艺讲座", "戏曲", "舞蹈", "音乐", "书法美术", "非遗", "公益电影",
	"健康养生", "技能培训", "阅读", "展览",
}

// Activity is one occurrence of a culture activity at a room.
type Activity struct {
	ID            int64     `json:"id"`
	UnitID        int64     `json:"unit_id"`
	RoomID        *int64    `json:"room_id,omitempty"`
	SeriesID      *int64    `json:"series_id,omitempty"`
	Title         string    `json:"title"`
	Description   string    `json:"description"`
	Category      string    `json:"category"`
	Audience      string    `json:"audience,omitempty"`
	AgeMin        int       `json:"age_min,omitempty"`
	AgeMax        int       `json:"age_max,omitempty"`
	StartsAt      time.Time `json:"starts_at"`
	EndsAt        time.Time `json:"ends_at"`
	Capacity      int       `json:"capacity"`
	SeatsLeft     int       `json:"seats_left"`
	Mode          string    `json:"mode"`
	OpensAt       time.Time `json:"opens_at"`
	ClosesAt      time.Time `json:"closes_at"`
	MaxPerBooking int       `json:"max_per_booking"`
	Status        string    `json:"status"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`

	// Lottery mode: LotteryCommit is the SHA-256 (hex) of the secret seed,
	// public from the start; LotterySeed is empty until the draw reveals it.
	LotteryCommit   string     `json:"lottery_commit,omitempty"`
	LotterySeed     string     `json:"lottery_seed,omitempty"`
	LotteryWeighted bool       `json:"lottery_weighted,omitempty"`
	LotteryDrawnAt  *time.Time `json:"lottery_drawn_at,omitempty"`
	// RealName activities take a name and resident ID per attendee.
	RealName bool `json:"real_name,omitempty"`
	// Reserved seats, outside the public pool (SeatsLeft) until
	// ReserveReleaseAt: walk-in / phone / staff-assisted (适老化) and the
	// branch community.
	ReservedWalkin    int        `json:"reserved_walkin,omitempty"`
	ReservedCommunity int        `json:"reserved_community,omitempty"`
	WalkinLeft        int        `json:"walkin_left,omitempty"`
	CommunityLeft     int        `json:"community_left,omitempty"`
	ReserveReleaseAt  *time.Time `json:"reserve_release_at,omitempty"`

	// Joined for display.
	UnitName   string `json:"unit_name,omitempty"`
	RoomName   string `json:"room_name,omitempty"`
	SeriesName string `json:"series_name,omitempty"`
	Address    string `json:"address,omitempty"`
}

// Bookable reports whether the activity takes bookings at all.
func (a *Activity) Bookable() bool { return a.Mode != ModeOpen }

// ModeLabel returns the Chinese name of the allocation mode.
func (a *Activity) ModeLabel() string { return ModeLabels[a.Mode] }

// BookingState tells, at now, whether a booking could be made.
func (a *Activity) BookingState(now time.Time) error {
	switch {
	case a.Status == ActivityCancelled:
		return ErrCancelled
	case !a.Bookable():
		return ErrNoBooking
	case now.Before(a.OpensAt):
		return ErrNotOpen
	case !now.Before(a.ClosesAt):
		return ErrClosed
	case a.SeatsLeft <= 0 && a.Mode == ModeFirstCome:
		return ErrSoldOut
	}
	return nil
}

// Validate checks an activity before it is created or after an edit.
func (a *Activity) Validate() error {
	checks := []error{
		checkText("title", "标题", a.Title, 1, 80),
		checkText("description", "简介", a.Description, 0, 4000),
		checkText("audience", "适合人群", a.Audience, 0, 60),
		a.validateCategory(),
		a.validateTimes(),
		a.validateSeats(),
		a.validateReserves(),
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	return nil
}

func (a *Activity) validateCategory() error {
	for _, c := range Categories {
		if c == a.Category {
			return nil
		}
	}
	return Invalid("category", "请选择活动类别。")
}

func (a *Activity) validateTimes() error {
	switch {
	case a.StartsAt.IsZero():
		return Invalid("starts_at", "请填写开始时间。")
	case !a.EndsAt.After(a.StartsAt):
		return Invalid("ends_at", "结束时间应晚于开始时间。")
	case a.EndsAt.Sub(a.StartsAt) > 7*24*time.Hour:
		return Invalid("ends_at", "单场活动不能超过 7 天。")
	case a.Mode != ModeOpen && !a.ClosesAt.After(a.OpensAt):
		return Invalid("closes_at", "预约截止时间应晚于开放时间。")
	case a.Mode != ModeOpen && a.ClosesAt.After(a.EndsAt):
		return Invalid("closes_at", "预约截止时间不能晚于活动结束。")
	}
	return nil
}

func (a *Activity) validateSeats() error {
	if _, ok := ModeLabels[a.Mode]; !ok {
		return Invalid("mode", "请选择预约方式。")
	}
	switch {
	case a.Capacity < 0 || a.Capacity > MaxSeats:
		return Invalid("capacity", "名额应在 0 到 100000 之间。")
	case a.Mode != ModeOpen && a.Capacity < 1:
		return Invalid("capacity", "需要预约的活动至少要有 1 个名额。")
	case a.MaxPerBooking < 1 || a.MaxPerBooking > 10:
		return Invalid("max_per_booking", "每单人数应在 1 到 10 之间。")
	case a.AgeMin < 0 || a.AgeMax < 0 || a.AgeMin > 120 || a.AgeMax > 120:
		return Invalid("age_min", "年龄范围无效。")
	case a.AgeMax != 0 && a.AgeMin > a.AgeMax:
		return Invalid("age_max", "最大年龄不能小于最小年龄。")
	}
	return nil
}

// ActivityFilter selects activities. Within selects a unit's subtree.
type ActivityFilter struct {
	ID           *int64
	Within       *int64
	SeriesID     *int64
	Category     *string
	From, To     *time.Time // starts_at in [From, To)
	Query        string     // Chinese full-text search
	BookableOnly bool
	Status       *string
	Limit        int
	Offset       int
	// Desc orders by start time, newest first.
	Desc bool
}

// ActivityUpdate changes an activity; nil fields stay as they are. Capacity
// changes keep the seats already taken.
type ActivityUpdate struct {
	Title         *string
	Description   *string
	Category      *string
	Audience      *string
	RoomID        *int64
	StartsAt      *time.Time
	EndsAt        *time.Time
	Capacity      *int
	OpensAt       *time.Time
	ClosesAt      *time.Time
	MaxPerBooking *int
	// Reserved seats and real name (see Activity).
	ReservedWalkin    *int
	ReservedCommunity *int
	ReserveReleaseAt  *time.Time
	RealName          *bool
}

// Series is a brand of activities (解放益课, 解放剧场).
type Series struct {
	ID          int64  `json:"id"`
	Slug        string `json:"slug"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// ActivityService stores activities and series.
type ActivityService interface {
	FindActivityByID(ctx context.Context, id int64) (*Activity, error)
	FindActivities(ctx context.Context, f ActivityFilter) ([]*Activity, int, error)
	// CreateActivity creates a and, when weeks > 1, the same activity on each
	// of the following weeks; it returns every created activity.
	CreateActivity(ctx context.Context, a *Activity, weeks int) ([]*Activity, error)
	UpdateActivity(ctx context.Context, id int64, upd ActivityUpdate) (*Activity, error)
	// CancelActivity cancels the activity and every active booking of it.
	CancelActivity(ctx context.Context, id int64) error

	FindSeries(ctx context.Context) ([]*Series, error)
	FindSeriesByID(ctx context.Context, id int64) (*Series, error)
	CreateSeries(ctx context.Context, s *Series) error
}
