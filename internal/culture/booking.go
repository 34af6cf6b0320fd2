package culture

import (
	"context"
	"strings"
	"time"
)

// Booking statuses.
const (
	BookingPending   = "pending" // approval mode: waiting for staff
	BookingConfirmed = "confirmed"
	BookingDeclined  = "declined"
	BookingCancelled = "cancelled"
	BookingCheckedIn = "checked_in"
	BookingNoShow    = "no_show"
	// Waiting list and lottery.
	BookingWaitlisted = "waitlisted" // in line for a freed seat
	BookingOffered    = "offered"    // a freed seat held for claiming until OfferExpiresAt
	BookingApplied    = "applied"    // lottery application before the draw
)

// BookingStatusLabels names booking statuses in Chinese.
var BookingStatusLabels = map[string]string{
	BookingPending:    "待审核",
	BookingConfirmed:  "已预约",
	BookingDeclined:   "未通过",
	BookingCancelled:  "已取消",
	BookingCheckedIn:  "已签到",
	BookingNoShow:     "爽约",
	BookingWaitlisted: "候补中",
	BookingOffered:    "候补到位，待确认",
	BookingApplied:    "已报名，待抽签",
}

// ActiveBookingStatuses hold a place: at most one per account and activity.
var ActiveBookingStatuses = []string{
	BookingPending, BookingConfirmed, BookingCheckedIn, BookingWaitlisted, BookingOffered, BookingApplied,
}

// Booking is an account's hold on seats of one activity.
type Booking struct {
	ID          int64       `json:"id"`
	ActivityID  int64       `json:"activity_id"`
	AccountID   int64       `json:"account_id"`
	Status      string      `json:"status"`
	Seats       int         `json:"seats"`
	Code        string      `json:"code"`
	Attendees   []*Attendee `json:"attendees"`
	CreatedAt   time.Time   `json:"created_at"`
	CheckedInAt *time.Time  `json:"checked_in_at,omitempty"`
	// Pool names where the seats came from: online, walkin or community.
	Pool           string     `json:"pool,omitempty"`
	QueueRank      *int       `json:"queue_rank,omitempty"`
	OfferExpiresAt *time.Time `json:"offer_expires_at,omitempty"`
	LateCancel     bool       `json:"late_cancel,omitempty"`
	Waived         bool       `json:"waived,omitempty"`

	// Joined for display.
	Activity *Activity `json:"activity,omitempty"`
	Phone    string    `json:"phone,omitempty"`
}

// StatusLabel returns the Chinese name of the status.
func (b *Booking) StatusLabel() string { return BookingStatusLabels[b.Status] }

// Active reports whether the booking holds (or awaits) a place.
func (b *Booking) Active() bool {
	for _, st := range ActiveBookingStatuses {
		if b.Status == st {
			return true
		}
	}
	return false
}

// DisplayCode shows the ticket code in groups for reading aloud and typing.
func (b *Booking) DisplayCode() string { return FormatCode(b.Code) }

// Attendee is one person a booking admits: the account holder or a family
// member.
type Attendee struct {
	Name           string `json:"name"`
	FamilyMemberID *int64 `json:"family_member_id,omitempty"`
	Self           bool   `json:"self"`
	// IDMasked shows a real-name attendee's resident ID as 410***********1234.
	IDMasked string `json:"id_masked,omitempty"`
}

// BookingRequest asks for seats of an activity.
type BookingRequest struct {
	ActivityID int64
	AccountID  int64
	// Self books a seat for the account holder.
	Self bool
	// FamilyIDs books a seat for each of these family members.
	FamilyIDs []int64
	// IdempotencyKey makes a retried request return the first result.
	IdempotencyKey string
	// Waitlist joins the waiting list when there are no seats.
	Waitlist bool
	// Pool is where the seats come from: "" or PoolOnline for residents;
	// PoolWalkin for staff booking at the counter or by phone.
	Pool string
	// BookedBy is the staff account booking on the resident's behalf.
	BookedBy int64
	// RealNames gives a name and resident ID per attendee (self first, then
	// family in order) for real-name activities.
	RealNames []RealName
	// Companions books this many more seats for unnamed people ("同行1"…),
	// for counter booking of residents without family records.
	Companions int
}

// Seat pools.
const (
	PoolOnline    = "online"
	PoolWalkin    = "walkin"
	PoolCommunity = "community"
)

// RealName is an attendee's name and 18-digit resident ID number.
type RealName struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
}

// Seats returns the number of seats requested.
func (r *BookingRequest) Seats() int {
	n := len(r.FamilyIDs) + max(r.Companions, 0)
	if r.Self {
		n++
	}
	return n
}

// Validate checks the shape of a request (the store checks the rest).
func (r *BookingRequest) Validate() error {
	if r.Seats() == 0 {
		return Invalid("attendees", "请至少选择一位参加人。")
	}
	seen := map[int64]bool{}
	for _, id := range r.FamilyIDs {
		if seen[id] {
			return Invalid("attendees", "参加人重复。")
		}
		seen[id] = true
	}
	if !ValidIdempotencyKey(r.IdempotencyKey) {
		// The web form's key is hidden: an odd one means a stale or tampered
		// page. The API checks its header first and names it.
		return Invalid("idempotency_key", "页面已过期，请刷新后重试。")
	}
	for _, rn := range r.RealNames {
		if err := checkText("real_names", "参加人姓名", strings.TrimSpace(rn.Name), 0, 30); err != nil {
			return err
		}
		if err := checkText("real_names", "身份证号", strings.TrimSpace(rn.IDNumber), 0, 30); err != nil {
			return err
		}
	}
	return nil
}

// MaxIdempotencyKey bounds an idempotency key, in bytes.
const MaxIdempotencyKey = 100

// ValidIdempotencyKey reports whether key is empty or at most
// MaxIdempotencyKey visible ASCII characters (what the store keeps).
func ValidIdempotencyKey(key string) bool {
	if len(key) > MaxIdempotencyKey {
		return false
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

// BookingFilter selects bookings.
type BookingFilter struct {
	ID         *int64
	ActivityID *int64
	AccountID  *int64
	Status     *string
	// Upcoming selects bookings of activities that have not ended.
	Upcoming bool
	Limit    int
	Offset   int
}

// CheckIn is the result of checking a ticket in.
type CheckIn struct {
	Booking  *Booking  `json:"booking"`
	Activity *Activity `json:"activity"`
	// Already is true when the ticket had been checked in before.
	Already bool `json:"already"`
}

// BookingService makes, finds and changes bookings. Every method enforces
// the booking rules inside one transaction.
type BookingService interface {
	FindBookingByID(ctx context.Context, id int64) (*Booking, error)
	FindBookingByCode(ctx context.Context, code string) (*Booking, error)
	FindBookings(ctx context.Context, f BookingFilter) ([]*Booking, int, error)
	// CreateBooking books seats: capacity, one active booking per account and
	// the booking window are checked in the same transaction as the insert.
	CreateBooking(ctx context.Context, req *BookingRequest) (*Booking, error)
	// CancelBooking cancels the account's booking and frees its seats.
	CancelBooking(ctx context.Context, accountID, bookingID int64) (*Booking, error)
	// DecideBooking approves or declines a pending booking (approval mode).
	DecideBooking(ctx context.Context, bookingID int64, approve bool) (*Booking, error)
	// CheckInCode checks in the ticket with the code for an activity in the
	// subtree of unit within (staff scope); 0 means anywhere.
	CheckInCode(ctx context.Context, code string, within int64, by int64) (*CheckIn, error)
}

// codeAlphabet is Crockford's base32: no I, L, O or U to misread.
const codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// CodeAlphabet returns the ticket code alphabet.
func CodeAlphabet() string { return codeAlphabet }

// NormalizeCode turns typed input into a stored code: upper case, no spaces
// or dashes, and the look-alike letters read as digits.
func NormalizeCode(s string) string {
	s = strings.ToUpper(s)
	r := strings.NewReplacer(" ", "", "-", "", "O", "0", "I", "1", "L", "1")
	return r.Replace(s)
}

// FormatCode shows a code in groups of four: "7K3M-Q9XA-2B".
func FormatCode(code string) string {
	var b strings.Builder
	for i, r := range code {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteRune(r)
	}
	return b.String()
}
