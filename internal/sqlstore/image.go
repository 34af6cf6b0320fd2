package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"

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

var errImageNotFound = culture.Errorf(culture.ENOTFOUND, "图片不存在。")

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
