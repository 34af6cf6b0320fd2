package figures

import (
	"context"
	"strings"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// Reading a dashboard: its range from a request, the default unit of an
// account, and the services the rows and names come from.

// Sources are the services a dashboard is read from. Menu is optional:
// without it menu items are named "菜单 #id".
type Sources struct {
	Stats culture.StatsService
	Units culture.UnitService
	Menu  culture.MenuService
}

// Load reads the rollups of unit's subtree over from–to (a range
// culture.CheckRange accepts) and builds the dashboard.
func (src Sources) Load(ctx context.Context, unit *culture.Unit, from, to culture.Day) (*Dashboard, error) {
	if err := culture.CheckRange(from, to); err != nil {
		return nil, err
	}
	run, err := src.Stats.LastRollup(ctx)
	if err != nil {
		return nil, err
	}
	return src.Build(ctx, unit, from, to, run)
}

// Build reads the rollups of unit's subtree over from–to and builds the
// dashboard, marked with run: the last rollup, which the caller reads
// first. (Read after the rows, a rebuild in between would mark the old
// rows with the new run, and a cache would keep them until the next
// rebuild; read before, the new rows are marked with the old run and the
// next request builds them again.)
func (src Sources) Build(ctx context.Context, unit *culture.Unit, from, to culture.Day, run culture.RollupRun) (*Dashboard, error) {
	in := Input{Unit: unit, From: from, To: to, Updated: run.Finished}
	var err error
	if in.Units, _, err = src.Units.FindUnits(ctx, culture.UnitFilter{Within: &unit.ID}); err != nil {
		return nil, err
	}
	if in.Rows, err = src.Stats.FindRollups(ctx, culture.StatsQuery{UnitID: unit.ID, From: from, To: to}); err != nil {
		return nil, err
	}
	roots := []int64{unit.ID}
	for _, u := range NewGroups(unit, in.Units).Order[1:] {
		roots = append(roots, u.ID)
	}
	if in.Participants, err = src.Stats.UniqueParticipants(ctx, roots, from, to); err != nil {
		return nil, err
	}
	if in.Titles, err = src.titles(ctx, TopItems(in.Rows, TopItemsMax)); err != nil {
		return nil, err
	}
	d := NewDashboard(in)
	d.Version = Version(run, from, to)
	return d, nil
}

// titles looks up the items' titles; items not found keep no title.
func (src Sources) titles(ctx context.Context, items []ItemDemand) (map[int64]string, error) {
	out := map[int64]string{}
	if src.Menu == nil {
		return out, nil
	}
	for _, x := range items {
		m, err := src.Menu.FindMenuItemByID(ctx, x.ItemID)
		switch {
		case err == nil:
			out[x.ItemID] = m.Title
		case culture.ErrorCode(err) != culture.ENOTFOUND:
			return nil, err
		}
	}
	return out, nil
}

// DefaultDays is the length of the default dashboard range, ending today.
const DefaultDays = 90

// ParseRange reads a range written 2006-01-02. An empty to is today, an
// empty from DefaultDays before to (to included). Malformed days and
// ranges culture.CheckRange refuses are EINVALID naming the field.
func ParseRange(from, to string, today culture.Day) (culture.Day, culture.Day, error) {
	t, f := today, culture.Day(0)
	var err error
	if to != "" {
		if t, err = culture.ParseDay(to); err != nil {
			return 0, 0, culture.Invalid("to", "结束日期应写作 YYYY-MM-DD，如 2026-03-31。")
		}
	}
	f = t - DefaultDays + 1
	if from != "" {
		if f, err = culture.ParseDay(from); err != nil {
			return 0, 0, culture.Invalid("from", "开始日期应写作 YYYY-MM-DD，如 2026-01-01。")
		}
	}
	if err := culture.CheckRange(f, t); err != nil {
		return 0, 0, culture.Invalid("from", culture.ErrorMessage(err))
	}
	return f, t, nil
}

// QuickRange is a named range the dashboard links to.
type QuickRange struct {
	Label    string
	From, To culture.Day
}

// QuickRanges lists 本月, 本季度, 今年 and 近12个月 (the twelve calendar
// months to today's), each ending today.
func QuickRanges(today culture.Day) []QuickRange {
	y, m, _ := today.Start().Date()
	return []QuickRange{
		{"本月", firstOfMonth(y, m), today},
		{"本季度", firstOfMonth(y, m-(m-1)%3), today},
		{"今年", firstOfMonth(y, time.January), today},
		TwelveMonths(today),
	}
}

// TwelveMonths is 近12个月: the twelve calendar months to today's, ending
// today (the big screen's range).
func TwelveMonths(today culture.Day) QuickRange {
	y, m, _ := today.Start().Date()
	return QuickRange{"近12个月", firstOfMonth(y, m-11), today}
}

// firstOfMonth returns the first day of month m of year y (m may run
// outside 1–12: time.Date normalises it).
func firstOfMonth(y int, m time.Month) culture.Day {
	return culture.DayOf(time.Date(y, m, 1, 0, 0, 0, 0, culture.Shanghai))
}

// TopUnit returns the widest unit where acc may view statistics (the one
// nearest the root of the tree; the first granted among equals), and
// false when there is none.
func TopUnit(acc *culture.Account) (int64, bool) {
	var best *culture.Grant
	for _, g := range acc.Grants {
		u := &culture.Unit{ID: g.UnitID, Path: g.UnitPath}
		if g.UnitPath == "" || !acc.Can(culture.ActViewStats, u) {
			continue
		}
		if best == nil || strings.Count(g.UnitPath, "/") < strings.Count(best.UnitPath, "/") {
			best = g
		}
	}
	if best == nil {
		return 0, false
	}
	return best.UnitID, true
}
