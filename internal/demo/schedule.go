package demo

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// plan is one activity of the schedule: drawn, then created.
type plan struct {
	tpl  *template
	it   item
	site *site
	a    *culture.Activity
	// demo marks the activities the demo resident books.
	demo bool
}

// Days of activities after Now, and before it at scale 1.
const scheduleDays = 28

// schedule draws the activities of the eight weeks around Now (more
// weeks before it at a larger scale): the brand series on fixed weekly
// slots, and a few ordinary activities every day.
func (l *loader) schedule() {
	l.busy, l.held, l.rounds = map[int64][][2]time.Time{}, map[string]bool{}, map[*template][]int{}
	yikeSites := append([]*site{l.hub}, l.branches...)
	yikeN, filmN := l.rng.IntN(len(yikeSites)), l.rng.IntN(len(l.branches))
	for d := -l.pastDays(); d < scheduleDays; d++ {
		day := l.day(d)
		switch day.Weekday() {
		case time.Saturday, time.Sunday:
			for _, hhmm := range []string{"09:30", "15:00"} {
				l.placeFixed(yike, yikeSites[yikeN%len(yikeSites)], day, hhmm)
				yikeN++
			}
			if day.Weekday() == time.Saturday {
				l.placeFixed(juchang, l.hub, day, "19:00")
			} else {
				l.placeFixed(juchang, l.branches[filmN%len(l.branches)], day, "14:30")
				filmN++
			}
		case time.Friday:
			l.placeFixed(juchang, l.branches[filmN%len(l.branches)], day, "19:00")
			filmN++
		}
		for n := l.ordinaryCount(day); n > 0; n-- {
			l.placeOrdinary(day)
		}
	}
	l.ensureBookableShare()
	slices.SortStableFunc(l.plans, func(a, b *plan) int { return a.a.StartsAt.Compare(b.a.StartsAt) })
}

// ordinaryCount is how many ordinary activities a day gets.
func (l *loader) ordinaryCount(day time.Time) int {
	switch day.Weekday() {
	case time.Saturday, time.Sunday:
		return 2 + l.rng.IntN(2)
	case time.Friday:
		return 3 + l.rng.IntN(2)
	}
	return 3 + l.rng.IntN(3)
}

func (l *loader) placeFixed(t *template, s *site, day time.Time, hhmm string) {
	times := []string{hhmm, "10:00", "14:30", "16:00"}
	l.place(t, s, day, times)
}

// placeOrdinary draws a template and a site for it and places it on day;
// it gives up after a few rooms that are all taken.
func (l *loader) placeOrdinary(day time.Time) {
	weights := make([]int, len(general))
	for i, t := range general {
		weights[i] = t.weight
	}
	for try := 0; try < 6; try++ {
		t := general[weighted(l, weights)]
		if l.place(t, l.siteFor(t), day, t.times) {
			return
		}
	}
}

// kindWeights make branches and points host more than the hub.
var kindWeights = map[string]int{culture.UnitHub: 2, culture.UnitBranch: 5, culture.UnitPoint: 4}

// siteFor draws a site of one of t's unit kinds, preferring one that has a
// room t asks for.
func (l *loader) siteFor(t *template) *site {
	w := make([]int, len(t.kinds))
	for i, k := range t.kinds {
		w[i] = kindWeights[k]
	}
	var s *site
	for try := 0; try < 5; try++ {
		switch t.kinds[weighted(l, w)] {
		case culture.UnitHub:
			s = l.hub
		case culture.UnitBranch:
			s = pick(l.rng, l.branches)
		default:
			s = pick(l.rng, l.points)
		}
		if s.roomNamed(t.rooms...) != nil {
			break
		}
	}
	return s
}

// place puts an activity of t at site s on day at the first of times whose
// room is free, and reports whether it found one.
func (l *loader) place(t *template, s *site, day time.Time, times []string) bool {
	room := s.room(t.rooms...)
	it := l.itemFor(t, s, day)
	minutes := 90
	if len(t.minutes) > 0 {
		minutes = pick(l.rng, t.minutes)
	}
	if it.minutes > 0 {
		minutes = (it.minutes + 15 + 29) / 30 * 30 // the film, an introduction, rounded up
	}
	for _, hhmm := range times {
		start := at(day, hhmm)
		end := start.Add(time.Duration(minutes) * time.Minute)
		if overlaps(l.busy[room.ID], start, end) {
			continue
		}
		l.busy[room.ID] = append(l.busy[room.ID], [2]time.Time{start, end})
		l.plans = append(l.plans, &plan{tpl: t, it: it, site: s, a: l.draft(t, it, s, room, start, end)})
		return true
	}
	return false
}

// itemFor draws an item of t that the site has not had that week. The
// brand series go through their items in a shuffled round instead, so that
// each film and class comes round in turn.
func (l *loader) itemFor(t *template, s *site, day time.Time) item {
	if t.series != "" {
		if len(l.rounds[t]) == 0 {
			l.rounds[t] = l.rng.Perm(len(t.items))
		}
		i := l.rounds[t][0]
		l.rounds[t] = l.rounds[t][1:]
		return t.items[i]
	}
	week := int(day.Sub(l.day(-l.pastDays())).Hours()) / (24 * 7)
	var it item
	for try := 0; try < 5; try++ {
		it = pick(l.rng, t.items)
		key := fmt.Sprintf("%d/%d/%s", s.unit.ID, week, it.name)
		if !l.held[key] {
			l.held[key] = true
			break
		}
	}
	return it
}

func overlaps(spans [][2]time.Time, start, end time.Time) bool {
	for _, sp := range spans {
		if start.Before(sp[1]) && sp[0].Before(end) {
			return true
		}
	}
	return false
}

// draft fills in the activity of a plan.
func (l *loader) draft(t *template, it item, s *site, room *culture.Room, start, end time.Time) *culture.Activity {
	a := &culture.Activity{
		UnitID: s.unit.ID, RoomID: &room.ID, Title: fmt.Sprintf(t.title, it.name),
		Category: t.category, Audience: t.audience, AgeMin: t.ageMin, AgeMax: t.ageMax,
		StartsAt: start, EndsAt: end, Capacity: room.Capacity, Mode: culture.ModeOpen,
		MaxPerBooking: 1, Status: culture.ActivityPublished,
	}
	if it.category != "" {
		a.Category = it.category
	}
	if sr := l.series[t.series]; sr != nil {
		a.SeriesID = &sr.ID
	}
	if t.class > 0 && t.class < a.Capacity {
		a.Capacity = t.class - 2*l.rng.IntN(3)
	}
	if chance(l.rng, t.bookable) {
		setMode(a, t.mode, pick(l.rng, t.maxPer))
	} else {
		setMode(a, culture.ModeOpen, 1)
	}
	a.Description = l.describe(t, it, a)
	return a
}

// setMode sets the allocation mode and its booking window: first come opens
// seven days ahead at 09:00 and closes at the start; approval opens ten days
// ahead and closes at 18:00 the day before.
func setMode(a *culture.Activity, mode string, maxPer int) {
	a.Mode, a.MaxPerBooking = mode, maxPer
	a.OpensAt, a.ClosesAt = at(a.StartsAt.AddDate(0, 0, -7), "09:00"), a.StartsAt
	if mode == culture.ModeApproval {
		a.OpensAt, a.ClosesAt = at(a.StartsAt.AddDate(0, 0, -10), "09:00"), at(a.StartsAt.AddDate(0, 0, -1), "18:00")
	}
}

// describe writes the description: what happens, who hosts it, practical
// notes and how to get in.
func (l *loader) describe(t *template, it item, a *culture.Activity) string {
	parts := []string{it.detail}
	if t.teacher != "" {
		n := namer{l.rng}
		r := strings.NewReplacer("{name}", n.full(genMid, chance(l.rng, 0.5)), "{role}", pick(l.rng, lecturerRole))
		parts = append(parts, r.Replace(t.teacher))
	}
	if t.note != "" {
		parts = append(parts, t.note)
	}
	switch a.Mode {
	case culture.ModeFirstCome:
		parts = append(parts, fmt.Sprintf("活动免费，需在线预约：开始前 7 天 09:00 开放抢票，每单最多 %d 人，凭电子票入场。", a.MaxPerBooking))
	case culture.ModeApproval:
		parts = append(parts, "活动免费，需在线报名，工作人员审核通过后凭电子票入场；报名截止到开课前一天 18:00。")
	default:
		parts = append(parts, "免预约，欢迎直接到场参加。")
	}
	return strings.Join(parts, "\n")
}

// ensureBookableShare makes open activities bookable, in schedule order,
// until more than 45% take bookings (the seed reports over 40%).
func (l *loader) ensureBookableShare() {
	bookable := 0
	for _, p := range l.plans {
		if p.a.Bookable() {
			bookable++
		}
	}
	for _, p := range l.plans {
		if bookable*100 > len(l.plans)*45 {
			return
		}
		if !p.a.Bookable() && p.tpl.bookable > 0 {
			setMode(p.a, p.tpl.mode, p.tpl.maxPer[0])
			p.a.Description = l.describe(p.tpl, p.it, p.a)
			bookable++
		}
	}
}
