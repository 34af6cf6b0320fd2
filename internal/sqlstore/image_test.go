package sqlstore_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

func TestCreateImage(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		clock := accountFakeClock(s)
		uploader := accountFixtureResident(t, s, "13600000001")
		t.Run("OK", func(t *testing.T) {
			data := mfxPNG(t, 7, 5)
			img, err := s.CreateImage(t.Context(), data, &uploader.ID)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(data)
			want := culture.Image{ID: img.ID, ContentType: "image/png", Width: 7, Height: 5, Size: len(data),
				SHA256: hex.EncodeToString(sum[:]), CreatedBy: &uploader.ID, CreatedAt: *clock}
			got, stored, err := s.FindImage(t.Context(), img.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !imageEqual(got, &want) {
				t.Errorf("FindImage = %+v, want %+v", got, want)
			}
			if !imageEqual(img, &want) {
				t.Errorf("CreateImage = %+v, want %+v", img, want)
			}
			if !bytes.Equal(stored, data) {
				t.Errorf("stored %d bytes, want the %d uploaded", len(stored), len(data))
			}
		})
		for _, tc := range []struct {
			name string
			data []byte
			msg  string
		}{
			{"ErrEmpty", nil, "请选择图片文件。"},
			{"ErrNotImage", []byte("这不是图片"), "只能上传 PNG、JPEG 或 GIF 图片。"},
			{"ErrTooLarge", make([]byte, culture.MaxImageBytes+1), "图片不能超过 2 MB。"},
			{"ErrTooWide", mfxPNG(t, culture.MaxImageSide+1, 1), "图片的宽和高应在 1 到 6000 像素之间。"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := mfxCount(t, s, "images")
				_, err := s.CreateImage(t.Context(), tc.data, nil)
				accountWantErr(t, err, culture.EINVALID, tc.msg)
				if after := mfxCount(t, s, "images"); after != before {
					t.Errorf("images: %d, want %d", after, before)
				}
			})
		}
		t.Run("ErrNotFound", func(t *testing.T) {
			_, _, err := s.FindImage(t.Context(), 9999)
			accountWantErr(t, err, culture.ENOTFOUND, "图片不存在。")
		})
	})
}

// imageEqual compares images, CreatedBy by value.
func imageEqual(a, b *culture.Image) bool {
	x, y := *a, *b
	if (x.CreatedBy == nil) != (y.CreatedBy == nil) || (x.CreatedBy != nil && *x.CreatedBy != *y.CreatedBy) {
		return false
	}
	x.CreatedBy, y.CreatedBy = nil, nil
	return x == y
}
