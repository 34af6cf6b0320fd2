package demo

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// request is one resident's booking of an activity, before it is made.
type request struct {
	res    *resident
	family []int64
	demo   bool
}

func (r *request) seats() int { return 1 + len(r.family) }

// booked is a booking made, with who made it and when.
type booked struct {
	b   *culture.Booking
	res *resident
	at  time.Time
}

// pools are the residents to draw bookers from: everyone and those with
// children, each also by home branch.
type pools struct {
	all, kids              []*resident
	byBranch, kidsByBranch map[*site][]*resident
}

func (l *loader) pools() *pools {
	p := &pools{byBranch: map[*site][]*resident{}, kidsByBranch: map[*site][]*resident{}}
	for _, r := range l.residents {
		if r == l.demo {
			continue
		}
		p.all = append(p.all, r)
		p.byBranch[r.home] = append(p.byBranch[r.home], r)
		if len(r.kids) > 0 {
			p.kids = append(p.kids, r)
			p.kidsByBranch[r.home] = append(p.kidsByBranch[r.home], r)
		}
	}
	return p
}

// loadBookings books every bookable activity whose booking has opened, each
// booking at its own moment; past ones are then checked in.
func (l *loader) loadBookings(ctx context.Context) error {
	var todo []*plan
	for _, p := range l.plans {
		if p.a.Bookable() && p.a.OpensAt.Before(l.now) {
			todo = append(todo, p)
		}
	}
	pl := l.pools()
	l.progress(StageBookings, 0, len(todo))
	for i, p := range todo {
		if err := l.fill(ctx, pl, p); err != nil {
			return fmt.Errorf("book %q (%d): %w", p.a.Title, p.a.ID, err)
		}
		l.progress(StageBookings, i+1, len(todo))
	}
	l.setClock(l.now)
	return nil
}

// fill books one activity up to its drawn share of seats, decides approval
// requests, cancels a few bookings and checks past ones in.
func (l *loader) fill(ctx context.Context, pl *pools, p *plan) error {
	a := p.a
	end := a.ClosesAt
	if end.After(l.now) {
		end = l.now
	}
	if end.Sub(a.OpensAt) < time.Hour {
		return nil
	}
	seats := int(math.Round(l.fillRatio(p) * hallDamping(a.Capacity) * float64(a.Capacity)))
	if a.Mode == culture.ModeApproval {
		seats = seats * 115 / 100 // some will be declined
	}
	reqs := l.requests(pl, p, seats)
	made, err := l.book(ctx, p, reqs, l.bookingTimes(p, len(reqs), end))
	if err != nil {
		return err
	}
	if a.Mode == culture.ModeApproval {
		if err := l.decide(ctx, p, made); err != nil {
			return err
		}
	}
	if err := l.cancelSome(ctx, p, made); err != nil {
		return err
	}
	if a.StartsAt.After(l.now) {
		return nil
	}
	return l.checkIn(ctx, p, made)
}

// fillRatio is the share of seats booked: for past activities by their
// popularity; upcoming ones have filled as far as their window has run,
// except the popular ones, which go in minutes.
func (l *loader) fillRatio(p *plan) float64 {
	a, pop := p.a, p.tpl.popular
	if !a.StartsAt.After(l.now) {
		return clamp(pop+0.35*l.rng.Float64()-0.25, 0.25, 1)
	}
	if pop >= 0.9 && a.Mode == culture.ModeFirstCome {
		if chance(l.rng, 0.6) {
			return 1
		}
		return 0.8 + 0.15*l.rng.Float64()
	}
	elapsed := float64(l.now.Sub(a.OpensAt)) / float64(a.ClosesAt.Sub(a.OpensAt))
	return clamp(pop*(0.3+0.7*elapsed)+0.2*l.rng.Float64()-0.1, 0.1, 0.95)
}

// hallDamping thins the crowd in big halls: a 300-seat theatre fills to
// about two thirds of the share a class room does.
func hallDamping(capacity int) float64 {
	return math.Min(1, math.Sqrt(120/float64(capacity)))
}

func clamp(x, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, x)) }

// requests draws distinct residents, with companions, for up to seats
// seats; the demo resident comes first when the plan is marked for them.
func (l *loader) requests(pl *pools, p *plan, seats int) []*request {
	var out []*request
	seen := map[*resident]bool{}
	if p.demo && l.demo != nil {
		r := &request{res: l.demo, family: []int64{l.demo.kids[0].ID}, demo: true}
		out, seats = append(out, r), seats-r.seats()
	}
	for seats > 0 {
		res := l.drawResident(pl, p, seen)
		if res == nil {
			break
		}
		seen[res] = true
		r := &request{res: res, family: l.companions(p, res, min(seats, p.a.MaxPerBooking)-1)}
		out, seats = append(out, r), seats-r.seats()
	}
	return out
}

// drawResident picks a resident not yet booked, mostly from the activity's
// own branch; children's activities draw from parents.
func (l *loader) drawResident(pl *pools, p *plan, seen map[*resident]bool) *resident {
	all, local := pl.all, pl.byBranch[p.site.branch]
	if p.tpl.guests == guestKids {
		all, local = pl.kids, pl.kidsByBranch[p.site.branch]
	}
	for try := 0; try < 40; try++ {
		from := all
		if len(local) > 0 && chance(l.rng, 0.65) {
			from = local
		}
		if len(from) == 0 {
			return nil
		}
		if r := pick(l.rng, from); !seen[r] {
			return r
		}
	}
	return nil
}

// companions returns up to room family members who come along.
func (l *loader) companions(p *plan, r *resident, room int) []int64 {
	var ids []int64
	add := func(m *culture.FamilyMember, prob float64) {
		if m != nil && len(ids) < room && chance(l.rng, prob) {
			ids = append(ids, m.ID)
		}
	}
	switch p.tpl.guests {
	case guestKids:
		for _, k := range r.kids {
			add(k, 1)
		}
	case guestElder:
		add(r.elder, 0.5)
	case guestAny:
		for _, k := range r.kids {
			add(k, 0.7)
		}
		add(r.elder, 0.3)
	}
	return ids
}

// bookingTimes draws n sorted moments in the booking window; popular
// first-come activities are grabbed mostly in the first minutes.
func (l *loader) bookingTimes(p *plan, n int, end time.Time) []time.Time {
	k := 1.5
	if p.tpl.popular >= 0.85 && p.a.Mode == culture.ModeFirstCome {
		k = 4
	}
	span := float64(end.Sub(p.a.OpensAt) - time.Minute)
	times := make([]time.Time, n)
	for i := range times {
		off := time.Duration(span * math.Pow(l.rng.Float64(), k))
		times[i] = p.a.OpensAt.Add(off + time.Duration(1+l.rng.IntN(59))*time.Second)
	}
	slices.SortFunc(times, time.Time.Compare)
	return times
}

// book makes the requests, each at its moment.
func (l *loader) book(ctx context.Context, p *plan, reqs []*request, times []time.Time) ([]*booked, error) {
	made := make([]*booked, 0, len(reqs))
	for i, r := range reqs {
		l.setClock(times[i])
		b, err := l.s.CreateBooking(ctx, &culture.BookingRequest{
			ActivityID: p.a.ID, AccountID: r.res.acc.ID, Self: true, FamilyIDs: r.family,
		})
		if err != nil {
			return nil, fmt.Errorf("booking by %s at %s: %w", r.res.phone, times[i].In(cst).Format(time.DateTime), err)
		}
		l.sum.Bookings++
		made = append(made, &booked{b: b, res: r.res, at: times[i]})
	}
	return made, nil
}
