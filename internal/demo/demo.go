// Package demo loads the demo world of 解放区文化馆 (Jiaozuo) into a store
// through the domain service interfaces: the hub, its ten branches and their
// community points, staff, residents with families, eight weeks of
// activities around a given day, past and upcoming bookings with
// check-ins, the culture menu: providers and their reviewed items,
// residents' supports, branch requests and deliveries with attendance and
// ratings, and the branch communities with their announcements, and news.
// The world is deterministic for a given Now and Seed.
package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// Services is what Load needs from a store.
type Services interface {
	culture.UnitService
	culture.AccountService
	culture.ActivityService
	culture.BookingService
	culture.MenuService
	culture.CommunityService
	culture.NewsService
	culture.NotificationService
}

// Options tune Load.
type Options struct {
	// Now is the day the world is built around (default: time.Now()).
	Now time.Time
	// Seed makes the world reproducible.
	Seed int64
	// Residents is the number of generated residents (default 1200).
	Residents int
	// Scale multiplies the residents and the weeks of activities before
	// Now (and with them bookings and check-ins), to build a bigger
	// district for benchmarks. 0 and 1 build the world as it always was.
	Scale int
	// Progress, when set, is told how far each stage has got.
	Progress func(stage string, done, total int)
}

// Summary counts what Load created.
type Summary struct {
	Units      int
	Rooms      int
	Activities int
	Bookable   int
	Residents  int
	Bookings   int
	CheckIns   int
	// The culture menu: providers, published items, residents' supports,
	// branch requests, deliveries planned (and of those held and
	// settled), and ratings.
	Providers  int
	MenuItems  int
	Supports   int
	Requests   int
	Deliveries int
	Held       int
	Settled    int
	Ratings    int
	// Branch communities: memberships, announcements posted to them, and
	// news articles.
	Members       int
	Announcements int
	Articles      int
	Staff         []StaffLogin
}

// StaffLogin is a staff account of the demo world and how to sign in.
type StaffLogin struct {
	Username string
	Password string
	Role     string
	Unit     string
	// Provider names the provider of a provider_staff account.
	Provider string
}

// Password is the password of every demo staff account.
const Password = "wenyun-demo"

// Stages reported to Options.Progress, in order.
const (
	StageUnits       = "units"
	StageStaff       = "staff"
	StageResidents   = "residents"
	StageActivities  = "activities"
	StageBookings    = "bookings"
	StageProviders   = "providers"
	StageMenu        = "menu"
	StageSupports    = "supports"
	StageDeliveries  = "deliveries"
	StageCommunities = "communities"
	StageNews        = "news"
)

// cst is China Standard Time. China keeps no daylight saving time, so a fixed
// zone equals Asia/Shanghai without needing the tz database.
var cst = time.FixedZone("CST", 8*3600)

// Empty reports whether the store holds no units yet, so that a demo load
// does not pile a second world onto a first.
func Empty(ctx context.Context, s culture.UnitService) (bool, error) {
	_, total, err := s.FindUnits(ctx, culture.UnitFilter{Limit: 1})
	if err != nil {
		return false, fmt.Errorf("demo: count units: %w", err)
	}
	return total == 0, nil
}

// Load builds the demo world in s, which should be empty (see Empty).
// setClock moves the clock of s, so that every write happens at its own
// moment: residents sign up weeks ago, bookings are made inside their
// windows and tickets are checked in at the door. A store with a Now field
// is driven by func(t time.Time) { store.Now = func() time.Time { return t } }.
// Load leaves the clock at opt.Now (or the time it started); the caller
// restores the real clock.
func Load(ctx context.Context, s Services, setClock func(time.Time), opt Options) (*Summary, error) {
	if setClock == nil {
		return nil, errors.New("demo: setClock is required")
	}
	l := newLoader(s, setClock, opt)
	defer setClock(l.now)
	steps := []func(context.Context) error{
		l.loadUnits, l.loadStaff, l.loadResidents, l.loadActivities, l.loadBookings, l.loadFeatures,
		// The culture menu comes last, moving the clock back to when the
		// providers joined, so that the world before it draws the same.
		l.loadProviders, l.loadMenu, l.loadSupports, l.loadDeliveries, l.loadRequests,
		// Communities and news last of all, for the same reason.
		l.loadCommunities, l.loadNews,
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
	}
	return l.sum, nil
}

// loader holds the world while it is being built.
type loader struct {
	s        Services
	setClock func(time.Time)
	progress func(stage string, done, total int)
	rng      *rand.Rand
	now      time.Time
	nres     int
	scale    int
	sum      *Summary

	hub       *site
	operator  *culture.Account
	branches  []*site
	points    []*site
	series    map[string]*culture.Series
	residents []*resident
	demo      *resident
	plans     []*plan
	busy      map[int64][][2]time.Time // room id → times taken
	held      map[string]bool          // site/week/item already scheduled
	rounds    map[*template][]int      // items of a series still to come round

	providers []*provider
	offers    []*offer           // every provider's, in order
	demand    map[*site][]*offer // supports at each branch, one entry each
}

func newLoader(s Services, setClock func(time.Time), opt Options) *loader {
	l := &loader{
		s: s, setClock: setClock, progress: opt.Progress,
		rng:    rand.New(rand.NewPCG(uint64(opt.Seed), 0x6a69_6566_616e_67)),
		now:    opt.Now,
		nres:   opt.Residents,
		sum:    &Summary{},
		demand: map[*site][]*offer{},
	}
	if l.now.IsZero() {
		l.now = time.Now()
	}
	if l.nres <= 0 {
		l.nres = 1200
	}
	l.scale = max(opt.Scale, 1)
	l.nres *= l.scale
	if l.progress == nil {
		l.progress = func(string, int, int) {}
	}
	return l
}

// report tells Progress about every 50th item and the last one.
func (l *loader) report(stage string, done, total int) {
	if done == 0 || done == total || done%50 == 0 {
		l.progress(stage, done, total)
	}
}

// pastDays is how many days of activities come before Now.
func (l *loader) pastDays() int { return scheduleDays * l.scale }

// shift is how many days earlier than at scale 1 the world begins: units
// and residents come that much earlier, before the longer history.
func (l *loader) shift() int { return l.pastDays() - scheduleDays }

// day returns local midnight d days after the day of Now.
func (l *loader) day(d int) time.Time {
	n := l.now.In(cst)
	return time.Date(n.Year(), n.Month(), n.Day()+d, 0, 0, 0, 0, cst)
}

// at returns the local time hh:mm on the day of t.
func at(t time.Time, hhmm string) time.Time {
	var h, m int
	fmt.Sscanf(hhmm, "%d:%d", &h, &m)
	t = t.In(cst)
	return time.Date(t.Year(), t.Month(), t.Day(), h, m, 0, 0, cst)
}

// workTime returns a random moment of office hours on the day of t.
func (l *loader) workTime(t time.Time) time.Time {
	return at(t, "08:30").Add(between(l.rng, 0, 9*time.Hour))
}

// pick returns a random element of xs.
func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// chance reports true with probability p.
func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// between returns a random duration in [lo, hi).
func between(r *rand.Rand, lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(r.Int64N(int64(hi-lo)))
}
