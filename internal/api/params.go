package api

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// shanghai is China Standard Time. China keeps no daylight saving time, so
// a fixed zone needs no tzdata on the host.
var shanghai = time.FixedZone("CST", 8*3600)

// Paging bounds.
const (
	defaultPerPage = 20
	maxPerPage     = 100
	maxPage        = 10000
)

// page is a requested page of a list.
type page struct {
	Page, PerPage int
}

func (p page) limit() int  { return p.PerPage }
func (p page) offset() int { return (p.Page - 1) * p.PerPage }

// list is the shape of every paginated reply.
type list[T any] struct {
	Items   []T `json:"items"`
	Total   int `json:"total"`
	Page    int `json:"page"`
	PerPage int `json:"per_page"`
}

// items is the shape of unpaginated collections.
type items[T any] struct {
	Items []T `json:"items"`
}

// parsePage reads page (default 1) and per_page (default 20, at most 100).
func parsePage(q url.Values) (page, error) {
	p := page{Page: 1, PerPage: defaultPerPage}
	var err error
	if s := q.Get("page"); s != "" {
		if p.Page, err = strconv.Atoi(s); err != nil || p.Page < 1 || p.Page > maxPage {
			return p, culture.Invalid("page", "参数 page 应为 1 到 10000 之间的整数。")
		}
	}
	if s := q.Get("per_page"); s != "" {
		if p.PerPage, err = strconv.Atoi(s); err != nil || p.PerPage < 1 || p.PerPage > maxPerPage {
			return p, culture.Invalid("per_page", "参数 per_page 应为 1 到 100 之间的整数。")
		}
	}
	return p, nil
}

// pathID reads a positive id from the path; anything else names no
// resource, so it is a 404.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNoRoute
	}
	return id, nil
}

// queryID reads an optional positive id parameter.
func queryID(q url.Values, name string) (*int64, error) {
	s := q.Get(name)
	if s == "" {
		return nil, nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return nil, culture.Invalid(name, "参数 "+name+" 应为正整数。")
	}
	return &id, nil
}

// queryTime reads an optional time parameter: RFC 3339, or a date
// YYYY-MM-DD meaning midnight in Asia/Shanghai.
func queryTime(q url.Values, name string) (*time.Time, error) {
	s := q.Get(name)
	if s == "" {
		return nil, nil
	}
	t, err := parseTime(s)
	if err != nil {
		return nil, culture.Invalid(name, "参数 "+name+" 应为 RFC 3339 时间或 YYYY-MM-DD 日期。")
	}
	return &t, nil
}

// parseTime parses RFC 3339 or a Shanghai date, returning UTC.
func parseTime(s string) (time.Time, error) {
	if len(s) == len(time.DateOnly) {
		t, err := time.ParseInLocation(time.DateOnly, s, shanghai)
		return t.UTC(), err
	}
	t, err := time.Parse(time.RFC3339, s)
	return t.UTC(), err
}

// queryBool reads an optional boolean parameter (true/false/1/0).
func queryBool(q url.Values, name string) (bool, error) {
	s := q.Get(name)
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, culture.Invalid(name, "参数 "+name+" 应为 true 或 false。")
	}
	return b, nil
}

// startOfDay returns midnight in Shanghai of the day containing t, in UTC.
func startOfDay(t time.Time) time.Time {
	y, m, d := t.In(shanghai).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, shanghai).UTC()
}

// utc returns t in UTC, or nil for the zero time.
func utc(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}
