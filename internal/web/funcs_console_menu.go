package web

import (
	"fmt"
	"html/template"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/wenyun/wenyun/internal/culture"
)

// consoleModes lists the allocation modes in the order forms offer them.
var consoleModes = []culture.Label{
	{Value: culture.ModeFirstCome, Name: culture.ModeLabels[culture.ModeFirstCome]},
	{Value: culture.ModeApproval, Name: culture.ModeLabels[culture.ModeApproval]},
	{Value: culture.ModeLottery, Name: culture.ModeLabels[culture.ModeLottery]},
	{Value: culture.ModeOpen, Name: culture.ModeLabels[culture.ModeOpen]},
}

// withConsoleMenuFuncs adds the helpers of the console's culture menu
// pages to m and returns it.
func (s *Server) withConsoleMenuFuncs(m template.FuncMap) template.FuncMap {
	funcs := template.FuncMap{
		// consoleMenuOn is false when the server has no menu service: the
		// navigation then hides the menu pages (which answer 404).
		"consoleMenuOn":        func() bool { return s.Menu != nil && s.Images != nil },
		"consoleItemStatus":    func(v string) string { return culture.ItemStatusLabels[v] },
		"consoleRequestStatus": func(v string) string { return culture.RequestStatusLabels[v] },
		"consoleDeliveryState": func(v string) string { return culture.DeliveryStatusLabels[v] },
		"consoleProviderKind":  func(v string) string { return culture.LabelOf(culture.ProviderKinds, v) },
		"consoleProviderLevel": func(v string) string { return culture.ProviderLevels[v] },
		"consoleFormat":        func(v string) string { return culture.LabelOf(culture.Formats, v) },
		"consoleGroups":        consoleGroupNames,
		"consoleFormats":       func() []culture.Label { return culture.Formats },
		"consoleAudience":      func() []culture.Label { return culture.AudienceGroups },
		"consoleKinds":         func() []culture.Label { return culture.ProviderKinds },
		"consoleModes":         func() []culture.Label { return consoleModes },
		"consolePercent":       func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
		"consoleRating":        consoleRating,
		"consoleTime":          consoleTime,
		"consoleLevels":        func() []culture.Label { return consoleLevels },
		"consoleCategories":    consoleCategoryOptions,
		"consoleUnitOptions":   consoleUnitOptions,
		"consoleItemOptions":   consoleItemOptions,
		"consoleRoomOptions":   consoleRoomOptions,
		"consoleSeriesOptions": consoleSeriesOptions,
	}
	maps.Copy(m, funcs)
	return m
}

// consoleGroupNames joins audience groups' Chinese names.
func consoleGroupNames(groups []string) string {
	names := make([]string, len(groups))
	for i, g := range groups {
		names[i] = culture.LabelOf(culture.AudienceGroups, g)
	}
	return strings.Join(names, "、")
}

// consoleRating shows an average of count ratings, "4.5 分（12 人评价）".
func consoleRating(avg float64, count int) string {
	if count == 0 {
		return "暂无评价"
	}
	return fmt.Sprintf("%.1f 分（%d 人评价）", avg, count)
}

// consoleLevels lists provider levels in display order.
var consoleLevels = []culture.Label{
	{Value: culture.LevelDistrict, Name: culture.ProviderLevels[culture.LevelDistrict]},
	{Value: culture.LevelCity, Name: culture.ProviderLevels[culture.LevelCity]},
}

// consoleChoice is what the "console_select" and "console_checks"
// partials render: a select, or a group of checkboxes (Multiple).
type consoleChoice struct {
	ID, Name, Label, Error string
	// Blank is the text of a first option with no value ("" for none).
	Blank    string
	Options  []consoleOption
	Multiple bool
}

// consoleOption is one choice; Selected marks the form's value.
type consoleOption struct {
	Value, Name string
	Selected    bool
}

// Select describes a select of opts for the "console_select" partial.
func (f *consoleForm) Select(name, label, blank string, opts []culture.Label) consoleChoice {
	c := f.choice(name, label, opts, []string{f.Get(name)})
	c.Blank = blank
	return c
}

// Checks describes checkboxes of opts whose value is a comma-separated
// list, for the "console_checks" partial.
func (f *consoleForm) Checks(name, label string, opts []culture.Label) consoleChoice {
	c := f.choice(name, label, opts, strings.Split(f.Get(name), ","))
	c.Multiple = true
	return c
}

func (f *consoleForm) choice(name, label string, opts []culture.Label, values []string) consoleChoice {
	in := f.Input(name, label, "")
	c := consoleChoice{ID: in.ID, Name: name, Label: label, Error: in.Error}
	for _, o := range opts {
		c.Options = append(c.Options, consoleOption{Value: o.Value, Name: o.Name, Selected: slices.Contains(values, o.Value)})
	}
	return c
}

func consoleCategoryOptions() []culture.Label {
	out := make([]culture.Label, len(culture.Categories))
	for i, c := range culture.Categories {
		out[i] = culture.Label{Value: c, Name: c}
	}
	return out
}

// consoleUnitOptions indents units by their depth in the tree.
func consoleUnitOptions(rows []consoleUnitRow) []culture.Label {
	out := make([]culture.Label, len(rows))
	for i, u := range rows {
		out[i] = culture.Label{Value: strconv.FormatInt(u.ID, 10), Name: strings.Repeat("　", u.Depth) + u.Name}
	}
	return out
}

// consoleItemOptions names each item with its provider and rating, so
// that planners choose with the ratings in view.
func consoleItemOptions(items []*culture.MenuItem) []culture.Label {
	out := make([]culture.Label, len(items))
	for i, m := range items {
		out[i] = culture.Label{Value: strconv.FormatInt(m.ID, 10),
			Name: m.Title + " · " + m.ProviderName + " · " + consoleRating(m.RatingAvg, m.RatingCount)}
	}
	return out
}

func consoleRoomOptions(rooms []*culture.Room) []culture.Label {
	out := make([]culture.Label, len(rooms))
	for i, r := range rooms {
		out[i] = culture.Label{Value: strconv.FormatInt(r.ID, 10), Name: fmt.Sprintf("%s · %s（%d 座）", r.UnitName, r.Name, r.Capacity)}
	}
	return out
}

func consoleSeriesOptions(series []*culture.Series) []culture.Label {
	out := make([]culture.Label, len(series))
	for i, se := range series {
		out[i] = culture.Label{Value: strconv.FormatInt(se.ID, 10), Name: se.Name}
	}
	return out
}
