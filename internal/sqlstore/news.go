package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/wenyun/wenyun/internal/culture"
)

var errArticleNotFound = culture.Errorf(culture.ENOTFOUND, "资讯不存在。")

// articleColumns are an article's columns with its unit's and author's
// names, for scanArticle; the FROM part is articleJoins.
const articleColumns = `ar.id, ar.unit_id, ar.title, ar.summary, ar.body, ar.cover_id, ar.author_id,
	ar.published, ar.created_at, ar.updated_at, u.name, COALESCE(NULLIF(ac.name, ''), ac.username, '')`

const articleJoins = ` FROM articles ar JOIN units u ON u.id = ar.unit_id
	LEFT JOIN accounts ac ON ac.id = ar.author_id`

func scanArticle(row rowScanner) (*culture.Article, error) {
	var a culture.Article
	var cover sql.NullInt64
	var published, created, updated int64
	err := row.Scan(&a.ID, &a.UnitID, &a.Title, &a.Summary, &a.Body, &cover, &a.AuthorID,
		&published, &created, &updated, &a.UnitName, &a.AuthorName)
	a.CoverID, a.Published = scanOptID(cover), published != 0
	a.CreatedAt, a.UpdatedAt = fromUnix(created), fromUnix(updated)
	return &a, err
}

// CreateArticle validates and stores a, by a.AuthorID, and reads it back
// into a (ID, times, names). The unit and the cover image must exist.
func (s *Store) CreateArticle(ctx context.Context, a *culture.Article) (err error) {
	defer wrapStoreCall(&err, "CreateArticle(%q)", a.Title)
	if err := a.Validate(); err != nil {
		return err
	}
	return s.update(ctx, func(tx *Tx) error {
		if err := articleRefsExist(ctx, tx, a); err != nil {
			return err
		}
		var id int64
		err := tx.queryRow(ctx, `INSERT INTO articles (unit_id, title, summary, body, cover_id, author_id,
			published, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			a.UnitID, a.Title, a.Summary, a.Body, optIDArg(a.CoverID), a.AuthorID, boolInt(a.Published),
			tx.nowUnix(), tx.nowUnix()).Scan(&id)
		if err != nil {
			return err
		}
		return readArticleInto(ctx, tx, id, a)
	})
}

// UpdateArticle validates a and saves its unit, title, summary, body, cover
// and published flag; the author and creation time stay. ENOTFOUND when
// there is no article a.ID. a is read back.
func (s *Store) UpdateArticle(ctx context.Context, a *culture.Article) (err error) {
	defer wrapStoreCall(&err, "UpdateArticle(%d)", a.ID)
	if err := a.Validate(); err != nil {
		return err
	}
	return s.update(ctx, func(tx *Tx) error {
		if _, err := articleByID(ctx, tx, a.ID); err != nil {
			return err
		}
		if err := articleRefsExist(ctx, tx, a); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `UPDATE articles SET unit_id = ?, title = ?, summary = ?, body = ?,
			cover_id = ?, published = ?, updated_at = ? WHERE id = ?`,
			a.UnitID, a.Title, a.Summary, a.Body, optIDArg(a.CoverID), boolInt(a.Published), tx.nowUnix(), a.ID)
		if err != nil {
			return err
		}
		return readArticleInto(ctx, tx, a.ID, a)
	})
}

// DeleteArticle deletes an article; its cover image stays (it may be
// shown elsewhere).
func (s *Store) DeleteArticle(ctx context.Context, id int64) (err error) {
	defer wrapStoreCall(&err, "DeleteArticle(%d)", id)
	return s.update(ctx, func(tx *Tx) error {
		return articleTouched(tx.exec(ctx, `DELETE FROM articles WHERE id = ?`, id))
	})
}

// FindArticleByID returns an article, published or not, or ENOTFOUND.
func (s *Store) FindArticleByID(ctx context.Context, id int64) (a *culture.Article, err error) {
	defer wrapStoreCall(&err, "FindArticleByID(%d)", id)
	err = s.view(ctx, func(tx *Tx) error {
		a, err = articleByID(ctx, tx, id)
		return err
	})
	return a, err
}

// FindArticles lists the articles f selects, newest first, a page of
// f.Limit (default 20, at most 100), and the total.
func (s *Store) FindArticles(ctx context.Context, f culture.ArticleFilter) (out []*culture.Article, total int, err error) {
	defer wrapStoreCall(&err, "FindArticles")
	where, args := articleWhere(f)
	limit, offset := activityPage(f.Limit, f.Offset, 20, 100)
	err = s.view(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT COUNT(*) OVER(), `+articleColumns+articleJoins+where+
			` ORDER BY ar.created_at DESC, ar.id DESC LIMIT ? OFFSET ?`, append(args, limit, offset)...)
		if err != nil {
			return err
		}
		out, err = scanAll(rows, func(r rowScanner) (*culture.Article, error) {
			return scanArticle(scanInto{row: r, before: []any{&total}})
		})
		if err == nil && len(out) == 0 && offset > 0 { // past the end: no row carried the total
			err = tx.queryRow(ctx, `SELECT COUNT(*)`+articleJoins+where, args...).Scan(&total)
		}
		return err
	})
	return out, total, err
}

// articleWhere turns a filter into a WHERE clause (or "") and its args.
func articleWhere(f culture.ArticleFilter) (string, []any) {
	var conds []string
	var args []any
	if f.Within != nil {
		conds, args = append(conds, `ar.unit_id IN (SELECT c.id FROM units c JOIN units w
			ON c.path LIKE w.path || '%' WHERE w.id = ?)`), append(args, *f.Within)
	}
	if f.PublishedOnly {
		conds = append(conds, "ar.published = 1")
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

func articleByID(ctx context.Context, tx *Tx, id int64) (*culture.Article, error) {
	a, err := scanArticle(tx.queryRow(ctx, `SELECT `+articleColumns+articleJoins+` WHERE ar.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errArticleNotFound
	}
	return a, err
}

func readArticleInto(ctx context.Context, tx *Tx, id int64, a *culture.Article) error {
	got, err := articleByID(ctx, tx, id)
	if err == nil {
		*a = *got
	}
	return err
}

// articleRefsExist refuses, as bad input, an article whose unit or cover
// image does not exist.
func articleRefsExist(ctx context.Context, tx *Tx, a *culture.Article) error {
	if _, err := findUnit(ctx, tx, a.UnitID); culture.ErrorCode(err) == culture.ENOTFOUND {
		return culture.Invalid("unit_id", "所选单位不存在。")
	} else if err != nil {
		return err
	}
	if a.CoverID == nil {
		return nil
	}
	err := imagesExist(ctx, tx, "cover", []int64{*a.CoverID})
	if culture.ErrorCode(err) == culture.EINVALID {
		return culture.Invalid("cover", "封面图片不存在，请重新上传。")
	}
	return err
}

// articleTouched turns a DELETE that touched no row into
// errArticleNotFound.
func articleTouched(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err == nil && n == 0 {
		return errArticleNotFound
	}
	return err
}
