package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"unicode/utf8"

	"github.com/wenyun/wenyun/internal/culture"
)

var seriesSlugRE = regexp.MustCompile(`^[a-z0-9-]{1,40}$`)

// FindSeries returns every series, in the order they were created.
func (s *Store) FindSeries(ctx context.Context) (out []*culture.Series, err error) {
	defer wrapStoreCall(&err, "FindSeries")
	err = s.view(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT id, slug, name, description FROM series ORDER BY id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var se culture.Series
			if err := rows.Scan(&se.ID, &se.Slug, &se.Name, &se.Description); err != nil {
				return err
			}
			out = append(out, &se)
		}
		return rows.Err()
	})
	return out, err
}

// FindSeriesByID returns one series; ENOTFOUND when there is none.
func (s *Store) FindSeriesByID(ctx context.Context, id int64) (se *culture.Series, err error) {
	defer wrapStoreCall(&err, "FindSeriesByID(%d)", id)
	se = &culture.Series{}
	err = s.view(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT id, slug, name, description FROM series WHERE id = ?`, id).
			Scan(&se.ID, &se.Slug, &se.Name, &se.Description)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, culture.Errorf(culture.ENOTFOUND, "系列不存在。")
	} else if err != nil {
		return nil, err
	}
	return se, nil
}

// CreateSeries stores se and sets its ID. The slug names the series in
// URLs: 1 to 40 of a-z, 0-9 and "-", unique (ECONFLICT otherwise).
func (s *Store) CreateSeries(ctx context.Context, se *culture.Series) (err error) {
	defer wrapStoreCall(&err, "CreateSeries(%q)", se.Slug)
	if err := validateSeries(se); err != nil {
		return err
	}
	err = s.update(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `INSERT INTO series (slug, name, description) VALUES (?, ?, ?)
			RETURNING id`, se.Slug, se.Name, se.Description).Scan(&se.ID)
	})
	if s.dialect.isUnique(err) {
		return &culture.Error{Code: culture.ECONFLICT, Field: "slug", Message: "该标识已被其他系列使用。"}
	}
	return err
}

func validateSeries(se *culture.Series) error {
	switch n := utf8.RuneCountInString(se.Name); {
	case !seriesSlugRE.MatchString(se.Slug):
		return culture.Invalid("slug", "标识应为 1 到 40 个小写字母、数字或连字符。")
	case !utf8.ValidString(se.Name) || n < 1 || n > 40:
		return culture.Invalid("name", "系列名称应为 1 到 40 个字。")
	case !utf8.ValidString(se.Description) || utf8.RuneCountInString(se.Description) > 2000:
		return culture.Invalid("description", "系列简介最多 2000 个字。")
	}
	return nil
}
