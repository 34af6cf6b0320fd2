package demo

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// offer is one menu item of a provider: drawn from its seed, then
// submitted and reviewed.
type offer struct {
	prov   *provider
	f      culture.MenuItemFields
	role   string  // what the review does with it: one of the role constants
	weight float64 // how popular it is with residents and branches
	item   *culture.MenuItem
}

// Review outcomes of an offer.
const (
	rolePublished = "published" // approved
	rolePending   = "pending"   // submitted days ago, not reviewed yet
	roleReturned  = "returned"  // returned with a reason
	roleEdited    = "edited"    // approved, with an edit waiting for review
)

// live reports whether the offer is on the menu.
func (o *offer) live() bool { return o.role == rolePublished || o.role == roleEdited }

// has reports whether the offer is for the audience group.
func (o *offer) has(group string) bool { return slices.Contains(o.f.Groups, group) }

// parseOffers parses a provider's offer lines.
func parseOffers(pr *provider, lines []string) ([]*offer, error) {
	var out []*offer
	for _, line := range lines {
		f, err := parseOffer(line)
		if err != nil {
			return nil, fmt.Errorf("offer of %s: %w", pr.p.Name, err)
		}
		out = append(out, &offer{prov: pr, f: f, role: rolePublished})
	}
	return out, nil
}

// parseOffer parses "title|category|format|minutes|people|cost|groups|ages|
// description": format is a Chinese format name, followed by the number of
// sessions for a class series ("系列课程8"); people is "min-max"; groups
// are Chinese audience group names separated by commas; ages is "6-12",
// "55-" or "-".
func parseOffer(line string) (culture.MenuItemFields, error) {
	p := strings.Split(line, "|")
	if len(p) != 9 {
		return culture.MenuItemFields{}, fmt.Errorf("%q: %d fields, want 9", line, len(p))
	}
	var n numbers
	f := culture.MenuItemFields{Title: p[0], Category: p[1], Format: parseFormat(p[2]), Sessions: 1,
		Minutes: n.int(p[3]), Cost: n.int(p[5]), Description: p[8]}
	if f.Format == culture.FormatClass {
		f.Sessions = n.int(strings.TrimPrefix(p[2], culture.LabelOf(culture.Formats, f.Format)))
	}
	f.CapacityMin, f.CapacityMax = n.span(p[4])
	f.AgeMin, f.AgeMax = n.span(p[7])
	for _, g := range strings.Split(p[6], ",") {
		f.Groups = append(f.Groups, groupValue(g))
	}
	f.Needs, f.Available = needs[f.Format], available[f.Format]
	if n.err == nil {
		n.err = f.Validate()
	}
	if n.err != nil {
		return f, fmt.Errorf("%q: %w", line, n.err)
	}
	return f, nil
}

// parseFormat returns the format whose Chinese name starts s.
func parseFormat(s string) string {
	for _, f := range culture.Formats {
		if strings.HasPrefix(s, f.Name) {
			return f.Value
		}
	}
	return s
}

// groupValue returns the audience group named name.
func groupValue(name string) string {
	for _, g := range culture.AudienceGroups {
		if g.Name == name {
			return g.Value
		}
	}
	return name
}

// numbers parses the numbers of an offer line, keeping the first error.
type numbers struct{ err error }

func (n *numbers) int(s string) int {
	x, err := strconv.Atoi(s)
	if n.err == nil {
		n.err = err
	}
	return x
}

// span parses "lo-hi", where either end may be missing (0).
func (n *numbers) span(s string) (lo, hi int) {
	a, b, ok := strings.Cut(s, "-")
	if !ok && n.err == nil {
		n.err = fmt.Errorf("%q: want lo-hi", s)
	}
	if a != "" {
		lo = n.int(a)
	}
	if b != "" {
		hi = n.int(b)
	}
	return lo, hi
}

// needs are the room and equipment each format asks of the branch.
var needs = map[string]string{
	culture.FormatPerformance: "舞台或平整场地不小于 8×6 米，化妆间一间，220V 电源；音响灯光由演出方自带。",
	culture.FormatLecture:     "投影仪、话筒，座位按报名人数摆放。",
	culture.FormatWorkshop:    "可围坐的长桌和椅子，附近有洗手池；材料由主体按人数准备。",
	culture.FormatClass:       "固定教室，每周同一时段上课；课程期间场地不变。",
	culture.FormatFilm:        "可遮光的放映厅或多功能厅，220V 电源；放映设备由放映方自带。",
	culture.FormatExhibition:  "展厅或走廊展墙不少于 30 延米，展期 1–2 周，需安排值守。",
}

// available says when each format can be delivered.
var available = map[string]string{
	culture.FormatPerformance: "全年，周末及节假日优先，需提前三周预约",
	culture.FormatLecture:     "全年，工作日晚上或周末",
	culture.FormatWorkshop:    "周末全天，寒暑假可加场",
	culture.FormatClass:       "春季（3–6 月）、秋季（9–12 月）各开一期",
	culture.FormatFilm:        "全年，周五至周日晚上；夏季可露天放映",
	culture.FormatExhibition:  "全年，每期展出 1–2 周",
}

// categoryAppeal is how much residents and branches ask for a category.
var categoryAppeal = map[string]float64{
	"戏曲": 3, "少儿益智": 3, "公益电影": 2.5, "健康养生": 2.5, "非遗": 2, "书法美术": 1.5,
	"音乐": 1.5, "舞蹈": 1.5, "阅读": 1.2, "文艺讲座": 1, "技能培训": 1, "展览": 0.8,
}

// returnReasons are why the hub sends a submission back.
var returnReasons = []string{
	"费用明显高于同类项目，请核实每场报价，或说明费用包含哪些内容后重新提交。",
	"简介过于简略，请补充活动流程、适合人群和需要分馆配合的事项。",
	"场地要求不清楚，请写明需要的面积、舞台和用电情况。",
}

// editNote is what a provider adds to the description of a live item it
// edits.
func editNote(format string) string {
	switch format {
	case culture.FormatPerformance:
		return "更新：演出阵容调整，增加两位主演，费用相应调整。"
	case culture.FormatWorkshop:
		return "更新：材料包升级，每位参与者可多完成一件作品。"
	}
	return "更新：新增工作日晚上场次，欢迎分馆点单。"
}

// loadMenu has the providers submit their offers over the weeks after they
// joined and the hub review them: most are approved, a few returned; a few
// submitted lately wait for review, as do edits of a few live items.
func (l *loader) loadMenu(ctx context.Context) error {
	offers := l.allOffers()
	l.castRoles(offers)
	total := 2*len(offers) + 3
	for i, o := range offers {
		if err := l.submit(ctx, o); err != nil {
			return err
		}
		l.report(StageMenu, i+1, total)
	}
	if err := l.review(ctx, offers); err != nil {
		return err
	}
	l.progress(StageMenu, total-3, total)
	for _, o := range offers {
		if o.role == roleEdited {
			if err := l.edit(ctx, o); err != nil {
				return err
			}
		}
	}
	l.progress(StageMenu, total, total)
	return nil
}

// allOffers lists every provider's offers and draws their popularity.
func (l *loader) allOffers() []*offer {
	var out []*offer
	for _, pr := range l.providers {
		for _, o := range pr.offers {
			o.weight = categoryAppeal[o.f.Category] * (0.3 + 1.4*l.rng.Float64())
			out = append(out, o)
		}
	}
	l.offers = out
	return out
}

// castRoles picks the offers the review leaves pending, returns or sees
// edited. The first provider (ProviderUser's) gets one returned item and
// one edit of its own, so that its console shows both.
func (l *loader) castRoles(offers []*offer) {
	first := l.providers[0].offers
	first[len(first)-1].role, first[0].role = roleReturned, roleEdited
	counts := map[string]int{roleReturned: 2, roleEdited: 2, rolePending: 6}
	for _, role := range []string{rolePending, roleReturned, roleEdited} {
		for counts[role] > 0 {
			if o := pick(l.rng, offers); o.role == rolePublished && o.prov != l.providers[0] {
				o.role = role
				counts[role]--
			}
		}
	}
}

// submitDay is the day an offer is submitted: in the provider's first
// weeks, or lately for what is still under review.
func (l *loader) submitDay(o *offer) time.Time {
	switch o.role {
	case rolePending:
		return l.day(-6 + l.rng.IntN(6))
	case roleReturned:
		return l.day(-20 + l.rng.IntN(8))
	}
	return l.day(-110 + l.rng.IntN(36))
}

// submit files the offer as a new item by the provider's staff.
func (l *loader) submit(ctx context.Context, o *offer) error {
	l.setClock(l.workTime(l.submitDay(o)))
	f := o.f
	if o.has("parents") {
		f.SeriesID = &l.series[seriesYike].ID
	} else if f.Format == culture.FormatFilm {
		f.SeriesID = &l.series[seriesJuchang].ID
	}
	o.f = f
	item, err := l.s.SubmitMenuItem(ctx, o.prov.p.ID, 0, f, o.prov.staff.ID)
	if err != nil {
		return fmt.Errorf("submit %q: %w", f.Title, err)
	}
	o.item = item
	return nil
}

// review decides each pending submission one to three days after it came
// in: the operator approves most, the hub admin some; the returned ones
// get a reason.
func (l *loader) review(ctx context.Context, offers []*offer) error {
	revs, err := l.s.FindPendingRevisions(ctx, l.hub.unit.ID)
	if err != nil {
		return fmt.Errorf("find pending revisions: %w", err)
	}
	byItem := map[int64]*culture.MenuRevision{}
	for _, r := range revs {
		byItem[r.ItemID] = r
	}
	reasons := 0
	for i, o := range offers {
		rev := byItem[o.item.ID]
		if rev == nil {
			return fmt.Errorf("no pending revision of %q", o.f.Title)
		}
		if o.role == rolePending {
			continue
		}
		by, reason := l.operator, ""
		if chance(l.rng, 0.3) {
			by = l.hub.admin
		}
		if o.role == roleReturned {
			reason, reasons = returnReasons[reasons%len(returnReasons)], reasons+1
		}
		l.setClock(l.workTime(rev.SubmittedAt.AddDate(0, 0, 1+l.rng.IntN(3))))
		if err := l.s.ReviewMenuItem(ctx, rev.ID, reason == "", reason, by.ID); err != nil {
			return fmt.Errorf("review %q: %w", o.f.Title, err)
		}
		if o.live() {
			l.sum.MenuItems++
		}
		l.report(StageMenu, len(offers)+i+1, 2*len(offers)+3)
	}
	return nil
}

// edit submits a change of a live item in the last days, which waits for
// review while the approved version stays on the menu.
func (l *loader) edit(ctx context.Context, o *offer) error {
	l.setClock(l.workTime(l.day(-5 + l.rng.IntN(5))))
	f := o.f
	f.Cost = (f.Cost*11/10 + 99) / 100 * 100
	f.Description += "\n" + editNote(f.Format)
	if _, err := l.s.SubmitMenuItem(ctx, o.prov.p.ID, o.item.ID, f, o.prov.staff.ID); err != nil {
		return fmt.Errorf("edit %q: %w", f.Title, err)
	}
	return nil
}
