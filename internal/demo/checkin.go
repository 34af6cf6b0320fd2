package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// decide has staff approve pending requests a few hours after they came in,
// while seats last, declining about one in twelve. Requests whose decision
// time has not come yet stay pending.
func (l *loader) decide(ctx context.Context, p *plan, made []*booked) error {
	left := p.a.Capacity
	limit := p.a.StartsAt.Add(-time.Hour)
	if limit.After(l.now) {
		limit = l.now
	}
	for _, m := range made {
		t := m.at.Add(between(l.rng, 2*time.Hour, 30*time.Hour))
		if t.After(limit) {
			continue
		}
		approve := m.b.Seats <= left && chance(l.rng, 0.92)
		l.setClock(t)
		b, err := l.s.DecideBooking(ctx, m.b.ID, approve)
		if err != nil {
			return fmt.Errorf("decide booking %d: %w", m.b.ID, err)
		}
		if approve {
			left -= m.b.Seats
		}
		m.b = b
	}
	return nil
}

// cancelSome has about one booker in twenty-five cancel before the start.
func (l *loader) cancelSome(ctx context.Context, p *plan, made []*booked) error {
	limit := p.a.StartsAt.Add(-time.Hour)
	if limit.After(l.now) {
		limit = l.now
	}
	for _, m := range made {
		if m.res == l.demo || !m.b.Active() || !chance(l.rng, 0.04) {
			continue
		}
		t := m.at.Add(between(l.rng, time.Minute, limit.Sub(m.at)))
		if !t.Before(limit) {
			continue
		}
		l.setClock(t)
		b, err := l.s.CancelBooking(ctx, m.res.acc.ID, m.b.ID)
		if err != nil {
			return fmt.Errorf("cancel booking %d: %w", m.b.ID, err)
		}
		m.b = b
	}
	return nil
}

// checkIn scans about four in five confirmed tickets of a past activity at
// the door, from twenty minutes before the start to a quarter of an hour
// after; the demo resident always comes.
func (l *loader) checkIn(ctx context.Context, p *plan, made []*booked) error {
	by := p.site.ticketChecker().ID
	for _, m := range made {
		if m.b.Status != culture.BookingConfirmed || (m.res != l.demo && !chance(l.rng, 0.8)) {
			continue
		}
		t := p.a.StartsAt.Add(between(l.rng, -20*time.Minute, 15*time.Minute))
		if t.After(l.now) {
			continue
		}
		l.setClock(t)
		c, err := l.s.CheckInCode(ctx, m.b.Code, 0, by)
		if err != nil {
			return fmt.Errorf("check in %s: %w", m.b.Code, err)
		}
		if !c.Already {
			l.sum.CheckIns++
		}
		m.b = c.Booking
	}
	return nil
}
