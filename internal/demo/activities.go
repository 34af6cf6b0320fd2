package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// staff returns who runs the site: its own admin, else its branch's.
func (s *site) staff() *culture.Account {
	if s.admin == nil && s.branch != nil {
		return s.branch.admin
	}
	return s.admin
}

// ticketChecker returns who checks tickets in at the site.
func (s *site) ticketChecker() *culture.Account {
	if s.checker == nil && s.branch != nil {
		return s.branch.checker
	}
	return s.checker
}

// loadActivities creates the series and the scheduled activities, each by
// its site's admin a few days before its booking opens.
func (l *loader) loadActivities(ctx context.Context) error {
	if err := l.loadSeries(ctx); err != nil {
		return err
	}
	l.schedule()
	total := len(l.plans)
	l.progress(StageActivities, 0, total)
	for i, p := range l.plans {
		l.setClock(l.createdAt(p.a))
		actx := culture.NewContextWithAccount(ctx, p.site.staff())
		out, err := l.s.CreateActivity(actx, p.a, 1)
		if err != nil {
			return fmt.Errorf("create activity %q: %w", p.a.Title, err)
		}
		p.a = out[0]
		l.sum.Activities++
		if p.a.Bookable() {
			l.sum.Bookable++
		}
		l.report(StageActivities, i+1, total)
	}
	l.markDemo()
	return nil
}

// createdAt is when an activity was published: in office hours two to six
// days before its booking opens, and never after Now.
func (l *loader) createdAt(a *culture.Activity) time.Time {
	t := l.workTime(a.OpensAt.AddDate(0, 0, -2-l.rng.IntN(5)))
	for t.After(l.now) {
		t = l.workTime(l.now.AddDate(0, 0, -1-l.rng.IntN(3)))
	}
	return t
}

// markDemo picks the classes the demo resident books: the last 解放益课 a
// day or more ago, and the next one whose booking has opened (or, failing
// that, any first-come activity for two).
func (l *loader) markDemo() {
	var past, next, other *plan
	for _, p := range l.plans {
		a := p.a
		open := a.Mode == culture.ModeFirstCome && a.MaxPerBooking >= 2 &&
			a.StartsAt.After(l.now.Add(2*time.Hour)) && a.OpensAt.Before(l.now.Add(-time.Hour))
		switch {
		case p.tpl == yike && a.StartsAt.Before(l.now.Add(-24*time.Hour)):
			past = p
		case open && p.tpl == yike && next == nil:
			next = p
		case open && other == nil:
			other = p
		}
	}
	if next == nil {
		next = other
	}
	for _, p := range []*plan{past, next} {
		if p != nil {
			p.demo = true
		}
	}
}
