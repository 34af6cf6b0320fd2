package demo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// delivery is a planned delivery (配送) with its offer and, once
// confirmed, the plan of its activity.
type delivery struct {
	d *culture.Delivery
	o *offer
	p *plan
}

// Deliveries of the demo world: held in the last four weeks (the seed
// reports over 90), published and bookable, and planned but not yet
// confirmed by their providers.
const (
	pastDeliveries      = 104
	publishedDeliveries = 14
	plannedDeliveries   = 6
	// deliverySteps counts the progress of the stage: planning, then
	// rating and settling, each delivery.
	deliverySteps = 2 * (pastDeliveries + publishedDeliveries + plannedDeliveries)
)

// Where each format takes place, by room name in order of preference, and
// at what local times.
var (
	formatRooms = map[string][]string{
		culture.FormatPerformance: {"多功能厅", "电影放映厅", "活动室"},
		culture.FormatFilm:        {"电影放映厅", "多功能厅", "活动室"},
		culture.FormatLecture:     {"多功能厅", "培训教室", "电影放映厅", "活动室"},
		culture.FormatWorkshop:    {"非遗工坊", "书画室", "少儿活动室", "活动室", "多功能厅"},
		culture.FormatClass:       {"培训教室", "书画室", "少儿活动室", "活动室", "多功能厅"},
		culture.FormatExhibition:  {"多功能厅", "活动室"},
	}
	moveRooms = []string{"舞蹈排练室", "多功能厅", "活动室"}
	// formatSeats caps the seats the hub plans: a branch show fills its
	// hall's front rows, not the whole hall.
	formatSeats = map[string]int{
		culture.FormatPerformance: 120, culture.FormatFilm: 100, culture.FormatLecture: 60,
		culture.FormatWorkshop: 30, culture.FormatClass: 30, culture.FormatExhibition: 200,
	}
	formatTimes = map[string][]string{
		culture.FormatPerformance: {"19:00", "14:30", "09:30"},
		culture.FormatFilm:        {"19:00", "14:30"},
		culture.FormatLecture:     {"09:30", "14:30", "19:00"},
		culture.FormatWorkshop:    {"09:30", "14:30", "16:00"},
		culture.FormatClass:       {"09:00", "15:00", "19:00"},
		culture.FormatExhibition:  {"09:00"},
	}
)

// loadDeliveries plans the deliveries as the hub did, each at its moment:
// the providers confirm (which publishes the activity), residents book and
// come, the deliveries are marked held, attendees rate them and the hub
// settles most. A few upcoming ones are published or still planned, one
// was declined and one cancelled.
func (l *loader) loadDeliveries(ctx context.Context) error {
	taken, err := l.roomSpans(ctx)
	if err != nil {
		return err
	}
	ds, err := l.planDeliveries(ctx, taken)
	if err != nil {
		return err
	}
	if err := l.bookDeliveries(ctx, ds); err != nil {
		return err
	}
	if err := l.markHeld(ctx, ds); err != nil {
		return err
	}
	for i, d := range ds {
		if err := l.rateAndSettle(ctx, d); err != nil {
			return err
		}
		l.report(StageDeliveries, deliverySteps/2+i+1, deliverySteps)
	}
	l.progress(StageDeliveries, deliverySteps, deliverySteps)
	l.setClock(l.now)
	return nil
}

// roomSpans returns the times each room is taken by the activities made so
// far.
func (l *loader) roomSpans(ctx context.Context) (map[int64][][2]time.Time, error) {
	taken := map[int64][][2]time.Time{}
	for n, total := 0, 1; n < total; {
		as, t, err := l.s.FindActivities(ctx, culture.ActivityFilter{Limit: 500, Offset: n})
		if err != nil {
			return nil, fmt.Errorf("find activities: %w", err)
		}
		for _, a := range as {
			if a.RoomID != nil {
				taken[*a.RoomID] = append(taken[*a.RoomID], [2]time.Time{a.StartsAt, a.EndsAt})
			}
		}
		n, total = n+len(as), t
		if len(as) == 0 {
			break
		}
	}
	return taken, nil
}

// planDeliveries plans every delivery and has its provider answer.
func (l *loader) planDeliveries(ctx context.Context, taken map[int64][][2]time.Time) ([]*delivery, error) {
	var ds []*delivery
	add := func(day time.Time, o *offer, confirm bool) error {
		d, err := l.deliver(ctx, taken, day, o, confirm)
		if d != nil {
			ds = append(ds, d)
		}
		return err
	}
	for i := range pastDeliveries {
		if err := add(l.day(-27+i*27/pastDeliveries), l.deliveryOffer(i), true); err != nil {
			return nil, err
		}
		l.report(StageDeliveries, i+1, deliverySteps)
	}
	for i := range publishedDeliveries {
		if err := add(l.day(1+i*20/publishedDeliveries), l.deliveryOffer(i), true); err != nil {
			return nil, err
		}
	}
	for i := range plannedDeliveries {
		o := l.deliveryOffer(i + 2)
		if i < 2 {
			o = l.offerFor(func(o *offer) bool { return o.prov == l.providers[0] })
		}
		if err := add(l.day(6+i*3), o, false); err != nil {
			return nil, err
		}
	}
	return ds, l.unansweredDeliveries(ctx, taken)
}

// deliveryOffer draws the offer of the i-th delivery of a kind: the first
// is a 解放益课 class and the second a 解放剧场 film, so that both series
// have deliveries; exhibitions, which take no bookings, are rare.
func (l *loader) deliveryOffer(i int) *offer {
	switch i {
	case 0:
		return l.offerFor(func(o *offer) bool { return o.f.SeriesID != nil && o.has("parents") })
	case 1:
		return l.offerFor(func(o *offer) bool { return o.f.Format == culture.FormatFilm })
	}
	return l.offerFor(func(o *offer) bool { return o.f.Format != culture.FormatExhibition || chance(l.rng, 0.3) })
}

// deliver plans a delivery of o on day, and has the provider confirm it
// when confirm is set. It returns nil when no room was free.
func (l *loader) deliver(ctx context.Context, taken map[int64][][2]time.Time, day time.Time, o *offer, confirm bool) (*delivery, error) {
	d := l.slot(taken, day, o)
	if d == nil {
		return nil, nil
	}
	planned := l.planTime(d.StartsAt)
	if err := l.plan(ctx, d, o, planned, true); err != nil {
		return nil, err
	}
	dv := &delivery{d: d, o: o}
	if !confirm {
		return dv, nil
	}
	return dv, l.confirm(ctx, dv, planned)
}

// slot finds a site, a free room and a time on day for o, marks the room
// taken and returns the delivery to plan, or nil.
func (l *loader) slot(taken map[int64][][2]time.Time, day time.Time, o *offer) *culture.Delivery {
	minutes := o.f.Minutes
	if o.f.Format == culture.FormatFilm {
		minutes = (minutes + 15 + 29) / 30 * 30 // the film, an introduction, rounded up
	}
	for try := 0; try < 8; try++ {
		s := l.deliverySite(o)
		room := s.room(l.roomsFor(o)...)
		for _, hhmm := range formatTimes[o.f.Format] {
			start := at(day, hhmm)
			end := start.Add(time.Duration(minutes) * time.Minute)
			if overlaps(taken[room.ID], start, end) {
				continue
			}
			taken[room.ID] = append(taken[room.ID], [2]time.Time{start, end})
			return &culture.Delivery{
				ItemID: o.item.ID, UnitID: s.unit.ID, RoomID: &room.ID, StartsAt: start, EndsAt: end,
				Capacity: min(room.Capacity, o.f.CapacityMax, formatSeats[o.f.Format]), Mode: l.deliveryMode(o),
			}
		}
	}
	return nil
}

// roomsFor returns the rooms o prefers: dance and exercise classes want a
// floor to move on.
func (l *loader) roomsFor(o *offer) []string {
	if o.f.Format == culture.FormatClass && (o.f.Category == "舞蹈" || o.f.Category == "健康养生") {
		return moveRooms
	}
	return formatRooms[o.f.Format]
}

// deliverySite draws where o goes: shows mostly to branches, the rest to
// branches or their community points.
func (l *loader) deliverySite(o *offer) *site {
	toPoint := 0.35
	switch o.f.Format {
	case culture.FormatPerformance:
		toPoint = 0.1
	case culture.FormatFilm:
		toPoint = 0.4
	}
	if chance(l.rng, toPoint) {
		return pick(l.rng, l.points)
	}
	return pick(l.rng, l.branches)
}

// deliveryMode is how seats of o are given out: exhibitions are open to
// all, some class series take applications, the rest first come.
func (l *loader) deliveryMode(o *offer) string {
	switch {
	case o.f.Format == culture.FormatExhibition:
		return culture.ModeOpen
	case o.f.Format == culture.FormatClass && chance(l.rng, 0.5):
		return culture.ModeApproval
	}
	return culture.ModeFirstCome
}

// planTime is when the hub planned a delivery starting at start: one to
// two weeks ahead, but not before the weeks of the demo and not after Now.
func (l *loader) planTime(start time.Time) time.Time {
	t := l.workTime(start.AddDate(0, 0, -8-l.rng.IntN(8)))
	if first := l.workTime(l.day(-34)); t.Before(first) {
		t = first
	}
	if t.After(l.now) {
		t = l.now.Add(-between(l.rng, 2*time.Hour, 48*time.Hour))
	}
	return t
}

// plan files the delivery as the operator or the hub admin. When asked,
// half of those to branches answer a request the branch admin filed a few
// days before.
func (l *loader) plan(ctx context.Context, d *culture.Delivery, o *offer, at time.Time, asked bool) error {
	by := l.operator
	if chance(l.rng, 0.3) {
		by = l.hub.admin
	}
	d.CreatedBy = by.ID
	if br := l.branchOf(d.UnitID); asked && br != nil && chance(l.rng, 0.5) {
		r, err := l.fileRequest(ctx, br, o, at.Add(-between(l.rng, 24*time.Hour, 6*24*time.Hour)), "")
		if err != nil {
			return err
		} else if r != nil {
			d.RequestID = &r.ID
		}
	}
	l.setClock(at)
	if err := l.s.PlanDelivery(ctx, d); err != nil {
		return fmt.Errorf("plan %q at unit %d: %w", o.f.Title, d.UnitID, err)
	}
	l.sum.Deliveries++
	return nil
}

// branchOf returns the branch with the unit id, or nil for a point.
func (l *loader) branchOf(id int64) *site {
	for _, br := range l.branches {
		if br.unit.ID == id {
			return br
		}
	}
	return nil
}

// siteOf returns the branch or point with the unit id.
func (l *loader) siteOf(id int64) *site {
	if br := l.branchOf(id); br != nil {
		return br
	}
	for _, p := range l.points {
		if p.unit.ID == id {
			return p
		}
	}
	return nil
}

// confirm has the provider confirm the delivery in office hours within two
// days after it was planned, which publishes its activity.
func (l *loader) confirm(ctx context.Context, dv *delivery, planned time.Time) error {
	t := l.workTime(planned.AddDate(0, 0, l.rng.IntN(3)))
	if t.Before(planned) {
		t = planned.Add(between(l.rng, time.Hour, 3*time.Hour))
	}
	if limit := dv.d.StartsAt.Add(-26 * time.Hour); t.After(limit) {
		t = limit
	}
	if t.After(l.now) {
		t = l.now.Add(-10 * time.Minute)
	}
	l.setClock(t)
	d, err := l.s.ConfirmDelivery(ctx, dv.d.ID, dv.o.prov.p.ID, true, "")
	if err != nil {
		return fmt.Errorf("confirm delivery %d: %w", dv.d.ID, err)
	}
	a, err := l.s.FindActivityByID(ctx, *d.ActivityID)
	if err != nil {
		return fmt.Errorf("activity of delivery %d: %w", d.ID, err)
	}
	dv.d, dv.p = d, &plan{tpl: deliveryTemplate(dv.o), site: l.siteOf(d.UnitID), a: a}
	l.sum.Activities++
	if a.Bookable() {
		l.sum.Bookable++
	}
	return nil
}

// deliveryTemplate says who books a delivered activity and how keenly.
func deliveryTemplate(o *offer) *template {
	t := &template{category: o.f.Category, popular: 0.45 + 0.08*categoryAppeal[o.f.Category], guests: guestAny}
	switch {
	case o.has("children") || o.has("parents"):
		t.guests = guestKids
	case o.has("elderly"):
		t.guests = guestElder
	}
	return t
}

// unansweredDeliveries plans two more upcoming deliveries: one its
// provider declined, one the hub cancelled before the provider answered.
// Neither answers a request: declining would reopen it, and the branch's
// open requests filed later could then repeat it, which is refused.
func (l *loader) unansweredDeliveries(ctx context.Context, taken map[int64][][2]time.Time) error {
	for i, reason := range []string{
		"演员外出参加省级汇演，档期冲突，建议改到下月。",
		"分馆多功能厅临时维修，本场取消，维修后重新安排。",
	} {
		o := l.deliveryOffer(2)
		d := l.slot(taken, l.day(9+i*4), o)
		if d == nil {
			continue
		}
		planned := l.workTime(l.day(-5 + i))
		if err := l.plan(ctx, d, o, planned, false); err != nil {
			return err
		}
		l.setClock(planned.Add(26 * time.Hour))
		var err error
		if i == 0 {
			_, err = l.s.ConfirmDelivery(ctx, d.ID, o.prov.p.ID, false, reason)
		} else {
			err = l.s.CancelDelivery(ctx, d.ID, reason)
		}
		if err != nil {
			return fmt.Errorf("close delivery %d: %w", d.ID, err)
		}
	}
	return nil
}

// bookDeliveries books the published activities, in start order.
func (l *loader) bookDeliveries(ctx context.Context, ds []*delivery) error {
	var todo []*plan
	for _, d := range ds {
		if d.p != nil && d.p.a.Bookable() {
			todo = append(todo, d.p)
		}
	}
	slices.SortStableFunc(todo, func(a, b *plan) int { return a.a.StartsAt.Compare(b.a.StartsAt) })
	pl := l.pools()
	for _, p := range todo {
		if err := l.fill(ctx, pl, p); err != nil {
			return fmt.Errorf("book %q (%d): %w", p.a.Title, p.a.ID, err)
		}
	}
	return nil
}

// markHeld runs MarkDeliveriesHeld as the hourly job would: after each
// past delivery's end, in order of ending.
func (l *loader) markHeld(ctx context.Context, ds []*delivery) error {
	var ends []time.Time
	for _, d := range ds {
		if d.p != nil && d.d.EndsAt.Before(l.now) {
			ends = append(ends, d.d.EndsAt)
		}
	}
	slices.SortFunc(ends, time.Time.Compare)
	last := time.Time{}
	for _, end := range ends {
		t := end.Add(between(l.rng, 20*time.Minute, time.Hour))
		if t.After(l.now) {
			t = l.now
		}
		if !t.After(last) {
			continue // the last run took this one too
		}
		l.setClock(t)
		n, err := l.s.MarkDeliveriesHeld(ctx)
		if err != nil {
			return fmt.Errorf("mark deliveries held: %w", err)
		}
		l.sum.Held += n
		last = t
	}
	return nil
}

// rateAndSettle has about a third of a past delivery's attendees rate it
// in the days after, and the hub settle it a week or two later.
func (l *loader) rateAndSettle(ctx context.Context, d *delivery) error {
	if d.p == nil || !d.d.EndsAt.Before(l.now) {
		return nil
	}
	in := culture.BookingCheckedIn
	bs, _, err := l.s.FindBookings(ctx, culture.BookingFilter{ActivityID: &d.p.a.ID, Status: &in, Limit: 1000})
	if err != nil {
		return fmt.Errorf("attendees of %d: %w", d.p.a.ID, err)
	}
	for _, b := range bs {
		t := d.d.EndsAt.Add(between(l.rng, 2*time.Hour, 72*time.Hour))
		if !chance(l.rng, 0.35) || t.After(l.now) {
			continue
		}
		l.setClock(t)
		r := l.rating(d.o, d.p.a.ID, b.AccountID)
		if err := l.s.Rate(ctx, r); err != nil {
			return fmt.Errorf("rate %d by %d: %w", d.p.a.ID, b.AccountID, err)
		}
		l.sum.Ratings++
	}
	return l.settle(ctx, d)
}

// settle records the cost of most deliveries held over a week ago.
func (l *loader) settle(ctx context.Context, d *delivery) error {
	t := l.workTime(d.d.EndsAt.AddDate(0, 0, 7+l.rng.IntN(8)))
	if t.After(l.now) || !chance(l.rng, 0.7) {
		return nil
	}
	l.setClock(t)
	cost := d.o.f.Cost
	if _, err := l.s.UpdateDelivery(ctx, d.d.ID, culture.DeliveryUpdate{Cost: &cost}); err != nil {
		return fmt.Errorf("settle delivery %d: %w", d.d.ID, err)
	}
	l.sum.Settled++
	return nil
}

// rating draws an attendee's score, mostly four or five stars, and now and
// then a comment fitting the score and the item's format.
func (l *loader) rating(o *offer, activityID, accountID int64) *culture.Rating {
	r := &culture.Rating{ActivityID: activityID, AccountID: accountID, Score: 2}
	switch u := l.rng.Float64(); {
	case u < 0.55:
		r.Score = 5
	case u < 0.85:
		r.Score = 4
	case u < 0.97:
		r.Score = 3
	}
	if chance(l.rng, 0.45) {
		comments := ratingComments[r.Score]
		if r.Score == 5 && chance(l.rng, 0.5) {
			comments = []string{formatPraise[o.f.Format]}
		}
		r.Comment = pick(l.rng, comments)
	}
	return r
}

// ratingComments are what attendees write, by score.
var ratingComments = map[int][]string{
	5: {"在家门口就能参加这么好的活动，太难得了，希望多来几次。", "组织得很好，签到快，工作人员很热情。",
		"老师讲得通俗易懂，收获很大。", "全家一起来的，都说好。"},
	4: {"内容很好，就是时间有点短，意犹未尽。", "整体不错，音响效果还可以再改进。", "人有点多，建议下次多安排一场。"},
	3: {"内容还行，开始时间推迟了十几分钟。", "场地有点小，后排看不太清楚。"},
	2: {"临时换了人，和介绍的不太一样。"},
}

// formatPraise is a five-star comment for each format.
var formatPraise = map[string]string{
	culture.FormatPerformance: "演员功底扎实，唱得真好，老伴儿听得直拍手。",
	culture.FormatFilm:        "片子选得好，放映效果不比电影院差。",
	culture.FormatWorkshop:    "材料准备得很充分，孩子做完还带回了家，特别开心。",
	culture.FormatLecture:     "讲得生动，有不少实用的知识，下次还来。",
	culture.FormatClass:       "老师很有耐心，一个动作一个动作地教。",
	culture.FormatExhibition:  "展品很有意思，讲解也细致。",
}
