package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strconv"

	"github.com/wenyun/wenyun/internal/culture"
)

// CreateImage checks data with culture.CheckImage and stores it with its
// SHA-256 in hex. by is the uploader, if known.
func (s *Store) CreateImage(ctx context.Context, data []byte, by *int64) (img *culture.Image, err error) {
	defer wrapStoreCall(&err, "CreateImage(%d bytes)", len(data))
	ct, w, h, err := culture.CheckImage(data)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	img = &culture.Image{ContentType: ct, Width: w, Height: h, Size: len(data),
		SHA256: hex.EncodeToString(sum[:]), CreatedBy: by}
	err = s.update(ctx, func(tx *Tx) error {
		img.CreatedAt = tx.now
		return tx.queryRow(ctx, `INSERT INTO images (content_type, width, height, size, sha256, data, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			img.ContentType, img.Width, img.Height, img.Size, img.SHA256, data, by, tx.nowUnix()).Scan(&img.ID)
	})
	if err != nil {
		return nil, err
	}
	return img, nil
}

// FindImage returns an image and its bytes, or ENOTFOUND.
func (s *Store) FindImage(ctx context.Context, id int64) (img *culture.Image, data []byte, err error) {
	defer wrapStoreCall(&err, "FindImage(%d)", id)
	img = &culture.Image{}
	var by sql.NullInt64
	var created int64
	err = s.view(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT id, content_type, width, height, size, sha256, data, created_by, created_at
			FROM images WHERE id = ?`, id).
			Scan(&img.ID, &img.ContentType, &img.Width, &img.Height, &img.Size, &img.SHA256, &data, &by, &created)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, errImageNotFound
	} else if err != nil {
		return nil, nil, err
	}
	img.CreatedBy, img.CreatedAt = scanOptID(by), fromUnix(created)
	return img, data, nil
}

// DeleteImage removes an image nothing uses: the console calls it for
// pictures it stored just before a save that then failed. An image named
// by a menu item's photos (live or in a submission), a provider's logo or
// an article's cover is ECONFLICT; a missing one ENOTFOUND.
func (s *Store) DeleteImage(ctx context.Context, id int64) (err error) {
	defer wrapStoreCall(&err, "DeleteImage(%d)", id)
	return s.update(ctx, func(tx *Tx) error {
		var one int
		// The row lock makes a concurrent logo or cover insert (whose
		// foreign key check locks the image) wait or fail.
		err := tx.queryRow(ctx, `SELECT 1 FROM images WHERE id = ?`+tx.d.forUpdate(), id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return errImageNotFound
		} else if err != nil {
			return err
		}
		if err := imageUnused(ctx, tx, id); err != nil {
			return err
		}
		_, err = tx.exec(ctx, `DELETE FROM images WHERE id = ?`, id)
		return err
	})
}

var (
	errImageNotFound = culture.Errorf(culture.ENOTFOUND, "图片不存在。")
	errImageInUse    = culture.Errorf(culture.ECONFLICT, "图片正在使用，不能删除。")
)

// imageUnused returns errImageInUse if a provider's logo, an article's
// cover, a menu item's photo_ids (comma-separated) or a submitted
// revision's fields name the image.
func imageUnused(ctx context.Context, tx *Tx, id int64) error {
	var n int
	err := tx.queryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM providers WHERE logo_id = ?) +
		(SELECT COUNT(*) FROM articles WHERE cover_id = ?) +
		(SELECT COUNT(*) FROM menu_items WHERE ',' || photo_ids || ',' LIKE ?)`,
		id, id, "%,"+strconv.FormatInt(id, 10)+",%").Scan(&n)
	if err != nil {
		return err
	} else if n > 0 {
		return errImageInUse
	}
	return imageInRevisions(ctx, tx, id)
}

// imageInRevisions looks for the image in the stored fields (JSON) of
// menu revisions: LIKE narrows the rows, decoding decides.
func imageInRevisions(ctx context.Context, tx *Tx, id int64) error {
	rows, err := tx.query(ctx, `SELECT fields FROM menu_revisions WHERE fields LIKE ?`,
		"%"+strconv.FormatInt(id, 10)+"%")
	if err != nil {
		return err
	}
	all, err := scanAll(rows, func(r rowScanner) (string, error) {
		var s string
		return s, r.Scan(&s)
	})
	if err != nil {
		return err
	}
	for _, fields := range all {
		var f culture.MenuItemFields
		if err := json.Unmarshal([]byte(fields), &f); err != nil {
			return err
		}
		if slices.Contains(f.PhotoIDs, id) {
			return errImageInUse
		}
	}
	return nil
}

// imagesExist returns EINVALID on field unless every id names a stored
// image, each at most once.
func imagesExist(ctx context.Context, tx *Tx, field string, ids []int64) error {
	seen := map[int64]bool{}
	for _, id := range ids {
		var one int
		err := tx.queryRow(ctx, `SELECT 1 FROM images WHERE id = ?`, id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) || seen[id] {
			return culture.Invalid(field, "图片不存在或重复，请重新上传。")
		} else if err != nil {
			return err
		}
		seen[id] = true
	}
	return nil
}
