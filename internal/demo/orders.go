package demo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// Kinds of resident, by what they tend to support.
const (
	tasteElder = iota
	tasteParent
	tasteOther
)

// taste returns what kind of resident r is.
func (r *resident) taste() int {
	switch {
	case len(r.kids) > 0:
		return tasteParent
	case r.born < 1966:
		return tasteElder
	}
	return tasteOther
}

// appeal is how much a kind of resident likes an offer, on top of its
// popularity.
func appeal(o *offer, taste int) float64 {
	kids := o.has("children") || o.has("parents")
	switch {
	case taste == tasteElder && (o.has("elderly") || o.f.Category == "戏曲" || o.f.Category == "健康养生"):
		return 3
	case taste == tasteParent && kids:
		return 4
	case taste != tasteParent && kids && !o.has("all"):
		return 0.1
	}
	return 1
}

// loadSupports has about three residents in ten support (点单) a few live
// items for their home branch in the weeks before Now, within the quota;
// the demo resident supports three children's items.
func (l *loader) loadSupports(ctx context.Context) error {
	quota, err := l.s.SupportQuota(ctx)
	if err != nil {
		return fmt.Errorf("support quota: %w", err)
	}
	weights := l.tasteWeights()
	from, to := l.supportWindow()
	for i, r := range l.residents {
		n := 0
		switch {
		case r == l.demo:
			n = 3
		case chance(l.rng, 0.3):
			n = 1 + l.rng.IntN(min(quota, 5))
		}
		for _, o := range l.drawOffers(weights[r.taste()], min(n, quota)) {
			l.setClock(from.Add(between(l.rng, 0, to.Sub(from))))
			if _, err := l.s.Support(ctx, r.acc.ID, o.item.ID, 0); err != nil {
				return fmt.Errorf("support %q by %s: %w", o.f.Title, r.phone, err)
			}
			l.sum.Supports++
			l.demand[r.home] = append(l.demand[r.home], o)
		}
		l.report(StageSupports, i+1, len(l.residents))
	}
	return nil
}

// tasteWeights returns, per kind of resident, the weight of each offer
// (zero for those not on the menu).
func (l *loader) tasteWeights() [3][]float64 {
	var w [3][]float64
	for taste := range w {
		w[taste] = make([]float64, len(l.offers))
		for i, o := range l.offers {
			if o.live() {
				w[taste][i] = o.weight * appeal(o, taste)
			}
		}
	}
	return w
}

// supportWindow is when supports were made: from the start of the season
// (or four weeks ago, if later) until Now; early in a season the window
// reaches back into the last one.
func (l *loader) supportWindow() (from, to time.Time) {
	from, _, _ = culture.SeasonOf(l.now).Bounds()
	to = l.now.Add(-time.Hour)
	if four := l.day(-28); from.Before(four) {
		from = four
	}
	if to.Sub(from) < 3*24*time.Hour {
		from = l.day(-28)
	}
	return from, to
}

// drawOffers draws n distinct offers by weight.
func (l *loader) drawOffers(w []float64, n int) []*offer {
	w = slices.Clone(w)
	var out []*offer
	for len(out) < n {
		i := drawFloat(l, w)
		if i < 0 {
			break
		}
		out, w[i] = append(out, l.offers[i]), 0
	}
	return out
}

// drawFloat draws an index with probability proportional to its weight,
// or -1 when every weight is zero.
func drawFloat(l *loader, w []float64) int {
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	if sum <= 0 {
		return -1
	}
	u := l.rng.Float64() * sum
	for i, x := range w {
		if u < x {
			return i
		}
		u -= x
	}
	return len(w) - 1
}

// loadRequests has each branch admin file a request (分馆点单) or two for
// the items their residents supported most in the last days, still open;
// a few earlier ones were withdrawn and one declined by the hub.
func (l *loader) loadRequests(ctx context.Context) error {
	for i, br := range l.branches {
		// The closed request goes first: a second open request for an item
		// at a branch is refused.
		if i%3 == 0 {
			if err := l.closedRequest(ctx, br, i); err != nil {
				return err
			}
		}
		for j, o := range l.topDemand(br, 3) {
			if j == 2 && !chance(l.rng, 0.4) {
				break
			}
			day := l.day(-9 + l.rng.IntN(9))
			if _, err := l.fileRequest(ctx, br, o, l.workTime(day), "居民点单热度高"); err != nil {
				return err
			}
		}
	}
	return nil
}

// topDemand returns the n live offers supported most at the branch.
func (l *loader) topDemand(br *site, n int) []*offer {
	count := map[*offer]int{}
	var order []*offer
	for _, o := range l.demand[br] {
		if count[o] == 0 {
			order = append(order, o)
		}
		count[o]++
	}
	slices.SortStableFunc(order, func(a, b *offer) int { return count[b] - count[a] })
	return order[:min(n, len(order))]
}

// closedRequest files a request three weeks ago that the branch withdrew a
// few days later, or (for the sixth branch) that the hub declined.
func (l *loader) closedRequest(ctx context.Context, br *site, i int) error {
	o := l.offerFor(func(o *offer) bool { return o.f.Format != culture.FormatExhibition })
	filed := l.workTime(l.day(-24 + l.rng.IntN(6)))
	r, err := l.fileRequest(ctx, br, o, filed, "")
	if err != nil || r == nil {
		return err
	}
	status, reason := culture.RequestWithdrawn, ""
	if i == 6 {
		status = culture.RequestDeclined
		reason = "该项目本季度已在相邻分馆安排两场，建议组织居民就近参加，下季度再统筹安排。"
	}
	l.setClock(l.workTime(filed.AddDate(0, 0, 2+l.rng.IntN(4))))
	if err := l.s.SetRequestStatus(ctx, r.ID, status, reason); err != nil {
		return fmt.Errorf("close request %d: %w", r.ID, err)
	}
	return nil
}

// offerFor draws a live offer by popularity among those ok accepts.
func (l *loader) offerFor(ok func(*offer) bool) *offer {
	w := make([]float64, len(l.offers))
	for i, o := range l.offers {
		if o.live() && ok(o) {
			w[i] = o.weight
		}
	}
	return l.offers[drawFloat(l, w)]
}

// fileRequest files the branch admin's request for the offer at time at,
// for a date two to six weeks later. It returns nil, and files nothing,
// when the branch already has the item open or planned (the store refuses
// a second one).
func (l *loader) fileRequest(ctx context.Context, br *site, o *offer, at time.Time, why string) (*culture.MenuRequest, error) {
	l.setClock(at)
	want := at.AddDate(0, 0, 14+l.rng.IntN(28))
	r := &culture.MenuRequest{
		ItemID: o.item.ID, UnitID: br.unit.ID, PreferredDates: preferredDates(want),
		Audience: l.audience(o, br), Mode: culture.ModeFirstCome, CreatedBy: br.admin.ID,
	}
	if o.f.Format == culture.FormatExhibition {
		r.Mode = culture.ModeOpen
	}
	if why != "" {
		r.Note = why + "，请总馆优先安排。"
	}
	if err := l.s.CreateRequest(ctx, r); culture.ErrorCode(err) == culture.ECONFLICT {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("request %q at %s: %w", o.f.Title, br.unit.Name, err)
	}
	l.sum.Requests++
	return r, nil
}

// audience is how many people a branch expects: what its largest room
// holds, within the item's range.
func (l *loader) audience(o *offer, br *site) int {
	n := min(br.rooms[0].Capacity, o.f.CapacityMax)
	return max(n*(6+l.rng.IntN(4))/10, 1)
}

// preferredDates words a date as a branch would: "12 月中旬的周末".
func preferredDates(t time.Time) string {
	t = t.In(cst)
	part := "上旬"
	switch {
	case t.Day() > 20:
		part = "下旬"
	case t.Day() > 10:
		part = "中旬"
	}
	return fmt.Sprintf("%d 月%s的周末", t.Month(), part)
}
