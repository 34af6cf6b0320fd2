package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// statWorld is a random history of the raw rows the rollup counts: units
// made through the store, the rest inserted as rows (booking histories as
// the status changes the store makes), and a Go model of all of it. The
// model's expected rollup is the test oracle: it implements the metric
// definitions of internal/culture/stats.go in Go, sharing nothing with
// the store's SQL.
type statWorld struct {
	s    *sqlstore.Store
	rng  *rand.Rand
	now  time.Time
	size worldSize

	hubs, sites []*culture.Unit // sites: branches and points (communities)
	units       []*culture.Unit // every unit
	path        map[int64]string
	moderator   int64 // hub admin of every hub
	accounts    []int64
	items       []int64
	provider    map[int64]int64 // item → provider

	activities []*wActivity
	byID       map[int64]*wActivity
	bookings   []*wBooking
	supports   []wSupport
	requests   []wRequest
	deliveries []*wDelivery
	members    map[wMember]int64 // → joined_at
	ratings    []*wRating
	nextID     int64
}

type wActivity struct {
	id, unit             int64
	category, mode, st   string
	starts, ends, create int64
}

// wBooking holds a booking's statuses in order; the last is its status.
type wBooking struct {
	id, activity, account, created int64
	seats                          int
	path                           []string
}

func (b *wBooking) status() string { return b.path[len(b.path)-1] }

type wSupport struct{ item, account, unit, created int64 }

type wRequest struct {
	item, unit int64
	status     string
	created    int64
}

type wDelivery struct {
	id, item, unit int64
	status         string
	starts         int64
}

type wMember struct{ unit, account int64 }

type wRating struct {
	id, activity, account int64
	score                 int
	hidden                bool
	created               int64
}

// worldSize shapes a world: branches per hub, points per branch, and how
// many of each row; days before and after now that activities start.
type worldSize struct {
	branches                                             []int
	points                                               int
	accounts, items, activities, maxBookings, maxRatings int
	supports, requests, deliveries, members              int
	pastDays, futureDays                                 int
	// moderator makes a hub admin of every hub (for HideRating); busy
	// gathers half the facts on a few days, units and items; analyze
	// updates PostgreSQL's planner statistics after the load.
	moderator, busy, analyze bool
}

// smallWorld is the property test's size: a few hundred rows of each kind.
var smallWorld = worldSize{
	branches: []int{3, 1}, points: 2, accounts: 40, items: 6, activities: 70, maxBookings: 12,
	maxRatings: 4, supports: 120, requests: 60, deliveries: 80, members: 50,
	pastDays: 60, futureDays: 60, moderator: true, busy: true,
}

// statWorldNow is the worlds' first "now": Thursday 11 June 2026, 15:20
// in Shanghai.
var statWorldNow = time.Date(2026, 6, 11, 15, 20, 0, 0, culture.Shanghai)

// worldIDBase keeps the ids of inserted rows clear of those the store
// makes (units, staff, notifications) on both engines.
const worldIDBase = 1_000_000

// newStatWorld generates a world from seed, stores it and sets the
// store's clock to the world's now.
func newStatWorld(tb testing.TB, s *sqlstore.Store, seed uint64, size worldSize) *statWorld {
	tb.Helper()
	w := &statWorld{s: s, rng: rand.New(rand.NewPCG(seed, seed^0x5eed)), now: statWorldNow, size: size,
		path: map[int64]string{}, provider: map[int64]int64{}, members: map[wMember]int64{}, byID: map[int64]*wActivity{}, nextID: worldIDBase}
	s.Now = func() time.Time { return w.now }
	w.makeUnits(tb, size)
	w.generate(size)
	if err := w.store(tb.Context()); err != nil {
		tb.Fatalf("store world: %v", err)
	}
	return w
}

func (w *statWorld) id() int64 { w.nextID++; return w.nextID }

func (w *statWorld) makeUnits(tb testing.TB, size worldSize) {
	tb.Helper()
	add := func(kind, name string, parent *culture.Unit) *culture.Unit {
		u := unitFixtureCreate(tb, w.s, kind, name, parent)
		w.units, w.path[u.ID] = append(w.units, u), u.Path
		if kind != culture.UnitHub {
			w.sites = append(w.sites, u)
		}
		return u
	}
	for h, branches := range size.branches {
		hub := add(culture.UnitHub, fmt.Sprintf("区文化馆%d", h), nil)
		w.hubs = append(w.hubs, hub)
		for b := range branches {
			branch := add(culture.UnitBranch, fmt.Sprintf("分馆%d-%d", h, b), hub)
			for p := range size.points {
				add(culture.UnitPoint, fmt.Sprintf("文化点%d-%d-%d", h, b, p), branch)
			}
		}
	}
	if size.moderator {
		w.moderator = accountFixtureStaff(tb, w.s, fmt.Sprintf("stats-mod-%d", w.hubs[0].ID), w.hubs[0], culture.RoleHubAdmin).ID
		for _, hub := range w.hubs[1:] {
			if err := w.s.CreateGrant(tb.Context(), &culture.Grant{AccountID: w.moderator, Role: culture.RoleHubAdmin, UnitID: hub.ID}); err != nil {
				tb.Fatal(err)
			}
		}
	}
}

// pick returns a random element of xs.
func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// within returns a random Unix time between a and b days from now.
func (w *statWorld) within(a, b int) int64 {
	span := int64(b-a) * 86400
	return w.now.Unix() + int64(a)*86400 + w.rng.Int64N(span+1)
}

// fact returns where, for which item and when a menu or community fact
// happens, between a and b days from now. Half the facts happen at the
// busy site, for the popular item, on one of three busy days of the span,
// so that rows gather several facts.
func (w *statWorld) fact(a, b int) (site, item, at int64) {
	if w.size.busy && w.rng.IntN(2) == 0 {
		d := a + (b-a)*(1+w.rng.IntN(3))/4
		return w.sites[0].ID, w.items[0], w.within(d, d) - w.now.Unix()%86400 + w.rng.Int64N(86400)
	}
	return pick(w.rng, w.sites).ID, pick(w.rng, w.items), w.within(a, b)
}

func (w *statWorld) generate(size worldSize) {
	for range size.accounts {
		w.accounts = append(w.accounts, w.id())
	}
	for range size.items {
		id := w.id()
		w.items, w.provider[id] = append(w.items, id), worldIDBase-int64(w.rng.IntN(3))
	}
	for range size.activities {
		w.addActivity(size)
	}
	w.addMenu(size)
	w.addCommunity(size)
}

var worldModes = []string{culture.ModeOpen, culture.ModeFirstCome, culture.ModeApproval, culture.ModeLottery}

// bookingPaths are the status histories the store produces, per mode.
var bookingPaths = map[string][][]string{
	culture.ModeFirstCome: {{"confirmed"}, {"confirmed", "checked_in"}, {"confirmed", "no_show"},
		{"confirmed", "no_show", "checked_in"}, {"confirmed", "cancelled"}, {"waitlisted"},
		{"waitlisted", "cancelled"}, {"waitlisted", "offered"}, {"waitlisted", "offered", "cancelled"},
		{"waitlisted", "offered", "confirmed", "checked_in"}, {"waitlisted", "offered", "confirmed", "cancelled"}},
	culture.ModeApproval: {{"pending"}, {"pending", "declined"}, {"pending", "cancelled"},
		{"pending", "confirmed"}, {"pending", "confirmed", "checked_in"}, {"pending", "confirmed", "no_show"},
		{"pending", "confirmed", "cancelled"}},
	culture.ModeLottery: {{"applied"}, {"applied", "cancelled"}, {"applied", "confirmed"},
		{"applied", "confirmed", "checked_in"}, {"applied", "confirmed", "no_show"}, {"applied", "waitlisted"},
		{"applied", "waitlisted", "cancelled"}, {"applied", "confirmed", "cancelled"}},
}

func (w *statWorld) addActivity(size worldSize) {
	a := &wActivity{id: w.id(), unit: pick(w.rng, w.units).ID, category: pick(w.rng, culture.Categories),
		mode: pick(w.rng, worldModes), st: culture.ActivityPublished}
	if w.rng.IntN(7) == 0 {
		a.st = culture.ActivityCancelled
	}
	a.starts = w.within(-size.pastDays, size.futureDays)
	if size.busy && w.rng.IntN(2) == 0 { // a busy day at a busy branch: rows of several facts
		a.unit, a.category = w.sites[0].ID, pick(w.rng, culture.Categories[:2])
		day := pick(w.rng, []int{-20, -9, -2, 6})
		a.starts = w.within(day, day) - w.now.Unix()%86400 + w.rng.Int64N(86400)
	}
	a.ends = a.starts + 1800 + w.rng.Int64N(3*3600)
	if w.rng.IntN(25) == 0 { // ends exactly now: held
		a.ends = w.now.Unix()
		a.starts = a.ends - 3600
	}
	a.create = a.starts - 30*86400
	w.activities, w.byID[a.id] = append(w.activities, a), a
	if a.mode == culture.ModeOpen {
		return
	}
	for _, acc := range w.someAccounts(w.rng.IntN(size.maxBookings + 1)) {
		path := pick(w.rng, bookingPaths[a.mode])
		if a.starts > w.now.Unix() { // nobody came yet
			path = slices.DeleteFunc(slices.Clone(path), func(s string) bool { return s == "checked_in" || s == "no_show" })
		}
		b := &wBooking{id: w.id(), activity: a.id, account: acc,
			created: a.starts - 3600 - w.rng.Int64N(30*86400), seats: 1 + w.rng.IntN(3), path: path}
		if a.st == culture.ActivityCancelled && slices.Contains(cancelledWithActivity, b.status()) {
			b.path = append(slices.Clone(b.path), culture.BookingCancelled) // cancelled with the activity
		}
		w.bookings = append(w.bookings, b)
	}
	if a.ends > w.now.Unix() {
		return
	}
	for _, acc := range w.someAccounts(w.rng.IntN(size.maxRatings + 1)) {
		w.ratings = append(w.ratings, &wRating{id: w.id(), activity: a.id, account: acc, score: 1 + w.rng.IntN(5),
			hidden: w.rng.IntN(5) == 0, created: a.ends + w.rng.Int64N(36*3600)})
	}
}

// cancelledWithActivity are the statuses CancelActivity cancels; checked-in
// bookings and no-shows stay.
var cancelledWithActivity = []string{"pending", "confirmed", "waitlisted", "offered", "applied"}

// someAccounts returns n distinct accounts (at most all of them).
func (w *statWorld) someAccounts(n int) []int64 {
	perm := w.rng.Perm(len(w.accounts))[:min(n, len(w.accounts))]
	out := make([]int64, len(perm))
	for i, p := range perm {
		out[i] = w.accounts[p]
	}
	return out
}

var requestStatuses = []string{"open", "planned", "delivered", "withdrawn", "declined"}

// deliveryStatuses has those held twice as often as the others.
var deliveryStatuses = []string{"planned", "confirmed", "published", "held", "rated", "settled",
	"declined", "cancelled", "held", "rated", "settled"}

func (w *statWorld) addMenu(size worldSize) {
	seen := map[[2]int64]bool{}
	for range size.supports {
		site, item, at := w.fact(-90, 0)
		sup := wSupport{item: item, account: pick(w.rng, w.accounts), unit: site, created: at}
		if !seen[[2]int64{sup.item, sup.account}] {
			seen[[2]int64{sup.item, sup.account}] = true
			w.supports = append(w.supports, sup)
		}
	}
	for range size.requests {
		site, item, at := w.fact(-90, 0)
		w.requests = append(w.requests, wRequest{item: item, unit: site, status: pick(w.rng, requestStatuses), created: at})
	}
	for range size.deliveries {
		site, item, at := w.fact(-60, 10)
		w.deliveries = append(w.deliveries, &wDelivery{id: w.id(), item: item, unit: site,
			status: pick(w.rng, deliveryStatuses), starts: at})
	}
}

func (w *statWorld) addCommunity(size worldSize) {
	for range size.members {
		site, _, at := w.fact(-120, 0)
		m := wMember{unit: site, account: pick(w.rng, w.accounts)}
		if _, ok := w.members[m]; !ok {
			w.members[m] = at
		}
	}
}

// store inserts the world's rows in one transaction, then moves each
// booking through its statuses with the UPDATEs the store would make.
func (w *statWorld) store(ctx context.Context) error {
	tx, err := w.s.DB().BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	ins := rowInserter{tx: tx, pg: w.s.Engine() == "postgres"}
	for _, step := range w.inserts() {
		if err := ins.insert(ctx, step.table, step.cols, step.rows); err != nil {
			return fmt.Errorf("%s: %w", step.table, err)
		}
	}
	for i := 1; ; i++ {
		byStatus := map[string][]int64{}
		for _, b := range w.bookings {
			if i < len(b.path) {
				byStatus[b.path[i]] = append(byStatus[b.path[i]], b.id)
			}
		}
		if len(byStatus) == 0 {
			break
		}
		for st, ids := range byStatus {
			if err := setBookingStatus(ctx, tx, st, ids); err != nil {
				return err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if ins.pg && w.size.analyze { // as autovacuum would soon after a big load
		_, err = w.s.DB().ExecContext(ctx, "ANALYZE")
	}
	return err
}

type insertStep struct {
	table, cols string
	rows        [][]any
}

func (w *statWorld) inserts() []insertStep {
	var accounts, providers, items, acts, books, sups, reqs, dels, mems, rates [][]any
	t := w.now.Unix() - 400*86400
	for _, id := range w.accounts {
		accounts = append(accounts, []any{id, fmt.Sprintf("1%010d", id), t})
	}
	for p := int64(0); p < 3; p++ {
		providers = append(providers, []any{worldIDBase - p, w.hubs[0].ID, fmt.Sprintf("院团%d", p), "district", "troupe", t})
	}
	for _, id := range w.items {
		items = append(items, []any{id, w.provider[id], "published", "节目", "戏曲", "performance", 90, 10, 100, t, t})
	}
	for _, a := range w.activities {
		acts = append(acts, []any{a.id, a.unit, "活动", a.category, a.starts, a.ends, 30, 30, a.mode,
			a.create, a.starts, a.st, a.create, a.create})
	}
	for _, b := range w.bookings {
		books = append(books, []any{b.id, b.activity, b.account, b.path[0], b.seats, fmt.Sprintf("W%011d", b.id), b.created, b.created})
	}
	for i, s := range w.supports {
		sups = append(sups, []any{s.item, s.account, s.unit, "S" + strconv.Itoa(i), s.created})
	}
	for _, q := range w.requests {
		reqs = append(reqs, []any{q.item, q.unit, q.status, 30, "first_come", w.accounts[0], q.created, q.created})
	}
	for _, d := range w.deliveries {
		dels = append(dels, []any{d.id, d.item, w.provider[d.item], d.unit, d.starts, d.starts + 7200, 30,
			"first_come", d.status, w.accounts[0], d.starts - 864000, d.starts - 864000})
	}
	for m, joined := range w.members {
		mems = append(mems, []any{m.unit, m.account, joined})
	}
	for _, r := range w.ratings {
		rates = append(rates, []any{r.id, r.activity, r.account, r.score, boolInt(r.hidden), r.created})
	}
	return []insertStep{
		{"accounts", "id, phone, created_at", accounts},
		{"providers", "id, hub_id, name, level, kind, created_at", providers},
		{"menu_items", "id, provider_id, status, title, category, format, minutes, capacity_min, capacity_max, created_at, updated_at", items},
		{"activities", "id, unit_id, title, category, starts_at, ends_at, capacity, seats_left, mode, opens_at, closes_at, status, created_at, updated_at", acts},
		{"bookings", "id, activity_id, account_id, status, seats, code, created_at, updated_at", books},
		{"menu_supports", "item_id, account_id, unit_id, season, created_at", sups},
		{"menu_requests", "item_id, unit_id, status, audience, mode, created_by, created_at, updated_at", reqs},
		{"deliveries", "id, item_id, provider_id, unit_id, starts_at, ends_at, capacity, mode, status, created_by, created_at, updated_at", dels},
		{"community_members", "unit_id, account_id, joined_at", mems},
		{"ratings", "id, activity_id, account_id, score, hidden, created_at", rates},
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// rowInserter inserts rows a few hundred to a statement.
type rowInserter struct {
	tx *sql.Tx
	pg bool
}

func (r rowInserter) insert(ctx context.Context, table, cols string, rows [][]any) error {
	for start := 0; start < len(rows); start += 300 {
		chunk := rows[start:min(start+300, len(rows))]
		var q strings.Builder
		args := make([]any, 0, len(chunk)*len(chunk[0]))
		q.WriteString("INSERT INTO " + table + " (" + cols + ") VALUES ")
		for i, row := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(")
			for j, v := range row {
				if j > 0 {
					q.WriteString(", ")
				}
				args = append(args, v)
				q.WriteString(placeholder(r.pg, len(args)))
			}
			q.WriteString(")")
		}
		if _, err := r.tx.ExecContext(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

func placeholder(pg bool, n int) string {
	if pg {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}

// execer is a *sql.DB or *sql.Tx.
type execer interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

// setBookingStatus moves the bookings to status, as the store does: one
// UPDATE of the status column (the ids are numbers, written inline).
func setBookingStatus(ctx context.Context, db execer, status string, ids []int64) error {
	for start := 0; start < len(ids); start += 500 {
		var list []string
		for _, id := range ids[start:min(start+500, len(ids))] {
			list = append(list, strconv.FormatInt(id, 10))
		}
		_, err := db.ExecContext(ctx, `UPDATE bookings SET status = '`+status+`' WHERE id IN (`+strings.Join(list, ", ")+`)`)
		if err != nil {
			return fmt.Errorf("bookings to %s: %w", status, err)
		}
	}
	return nil
}

// ---- The oracle: the metric definitions of culture/stats.go, in Go. ----

func dayOfUnix(ts int64) culture.Day { return culture.DayOf(time.Unix(ts, 0)) }

type statKey struct {
	unit   int64
	day    culture.Day
	metric string
	dim    string
}

type participation struct {
	unit    int64
	day     culture.Day
	account int64
}

// expected returns every rollup row the model implies.
func (w *statWorld) expected() []culture.StatRow {
	sum := map[statKey]int64{}
	add := func(unit int64, day culture.Day, metric, dim string, v int64) {
		sum[statKey{unit, day, metric, dim}] += v
	}
	w.expectActivities(add)
	for p := range w.participations() {
		add(p.unit, p.day, culture.MetricParticipants, "", 1)
	}
	w.expectMenu(add)
	for m, joined := range w.members {
		add(m.unit, dayOfUnix(joined), culture.MetricMembers, "", 1)
	}
	for _, r := range w.ratings {
		if !r.hidden {
			a := w.activity(r.activity)
			add(a.unit, dayOfUnix(r.created), culture.MetricRatings, "", 1)
			add(a.unit, dayOfUnix(r.created), culture.MetricRatingPoints, "", int64(r.score))
		}
	}
	out := []culture.StatRow{}
	for k, v := range sum {
		out = append(out, culture.StatRow{UnitID: k.unit, Day: k.day, Metric: k.metric, Dim: k.dim, Value: v})
	}
	sortRowsForTest(out)
	return out
}

type addFunc func(unit int64, day culture.Day, metric, dim string, v int64)

func (w *statWorld) expectActivities(add addFunc) {
	for _, a := range w.activities {
		if a.st != culture.ActivityCancelled && a.ends <= w.now.Unix() {
			add(a.unit, dayOfUnix(a.starts), culture.MetricActivities, a.category, 1)
			if a.mode != culture.ModeOpen {
				add(a.unit, dayOfUnix(a.starts), culture.MetricBookable, a.category, 1)
			}
		}
	}
	for _, b := range w.bookings {
		a := w.activity(b.activity)
		switch b.status() {
		case culture.BookingCheckedIn:
			add(a.unit, dayOfUnix(a.starts), culture.MetricCheckins, "", 1)
			add(a.unit, dayOfUnix(a.starts), culture.MetricAttendance, "", int64(b.seats))
		case culture.BookingNoShow:
			add(a.unit, dayOfUnix(a.starts), culture.MetricNoShows, "", 1)
		}
		if b.made() {
			add(a.unit, dayOfUnix(b.created), culture.MetricBookings, "", 1)
		}
	}
}

// made reports whether the booking counts as made: confirmed, checked in,
// no-show, or cancelled after it had been confirmed.
func (b *wBooking) made() bool {
	switch b.status() {
	case culture.BookingConfirmed, culture.BookingCheckedIn, culture.BookingNoShow:
		return true
	case culture.BookingCancelled:
		return slices.Contains(b.path, culture.BookingConfirmed)
	}
	return false
}

func (w *statWorld) expectMenu(add addFunc) {
	for _, s := range w.supports {
		add(s.unit, dayOfUnix(s.created), culture.MetricSupports, strconv.FormatInt(s.item, 10), 1)
	}
	for _, q := range w.requests {
		if q.status != culture.RequestWithdrawn {
			add(q.unit, dayOfUnix(q.created), culture.MetricRequests, strconv.FormatInt(q.item, 10), 1)
		}
	}
	today := culture.DayOf(w.now)
	for _, d := range w.deliveries {
		if dayOfUnix(d.starts) > today {
			continue
		}
		dim := strconv.FormatInt(d.item, 10)
		switch d.status {
		case culture.DeliveryHeld, culture.DeliveryRated, culture.DeliverySettled:
			add(d.unit, dayOfUnix(d.starts), culture.MetricDeliveriesHeld, dim, 1)
			fallthrough
		case culture.DeliveryConfirmed, culture.DeliveryPublished:
			add(d.unit, dayOfUnix(d.starts), culture.MetricDeliveriesDue, dim, 1)
		}
	}
}

// participations returns the distinct (unit, start day, account) of
// checked-in bookings.
func (w *statWorld) participations() map[participation]bool {
	out := map[participation]bool{}
	for _, b := range w.bookings {
		if b.status() == culture.BookingCheckedIn {
			a := w.activity(b.activity)
			out[participation{a.unit, dayOfUnix(a.starts), b.account}] = true
		}
	}
	return out
}

// uniqueParticipants counts the distinct accounts checked in within
// root's subtree on days from to to.
func (w *statWorld) uniqueParticipants(root int64, from, to culture.Day) int {
	seen := map[int64]bool{}
	for p := range w.participations() {
		if w.inSubtree(root, p.unit) && p.day >= from && p.day <= to {
			seen[p.account] = true
		}
	}
	return len(seen)
}

func (w *statWorld) inSubtree(root, unit int64) bool {
	return strings.HasPrefix(w.path[unit], w.path[root])
}

func (w *statWorld) activity(id int64) *wActivity { return w.byID[id] }

// sortRowsForTest orders rows as FindRollups documents: day, unit,
// metric, dim (bytewise).
func sortRowsForTest(rows []culture.StatRow) {
	slices.SortFunc(rows, func(a, b culture.StatRow) int {
		switch {
		case a.Day != b.Day:
			return int(a.Day) - int(b.Day)
		case a.UnitID != b.UnitID:
			if a.UnitID < b.UnitID {
				return -1
			}
			return 1
		case a.Metric != b.Metric:
			return strings.Compare(a.Metric, b.Metric)
		}
		return strings.Compare(a.Dim, b.Dim)
	})
}

// filterRows keeps the rows of root's subtree on days from to to.
func (w *statWorld) filterRows(rows []culture.StatRow, root int64, from, to culture.Day) []culture.StatRow {
	out := []culture.StatRow{}
	for _, r := range rows {
		if w.inSubtree(root, r.UnitID) && r.Day >= from && r.Day <= to {
			out = append(out, r)
		}
	}
	return out
}
