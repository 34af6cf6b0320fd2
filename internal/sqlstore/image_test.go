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

func TestDeleteImage(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := mfxFixtures(t, s)
		t.Run("OK", func(t *testing.T) {
			img := mfxImage(t, s, 2, 2)
			before := mfxCount(t, s, "images")
			if err := s.DeleteImage(t.Context(), img.ID); err != nil {
				t.Fatal(err)
			}
			if after := mfxCount(t, s, "images"); after != before-1 {
				t.Errorf("images: %d, want %d", after, before-1)
			}
			_, _, err := s.FindImage(t.Context(), img.ID)
			accountWantErr(t, err, culture.ENOTFOUND, "图片不存在。")
		})
		for _, tc := range []struct {
			name string
			use  func(t *testing.T, id int64)
		}{
			{"ErrLogo", func(t *testing.T, id int64) {
				p := &culture.Provider{HubID: fx.hub.ID, Name: "有标志的剧团", Level: culture.LevelDistrict,
					Kind: "troupe", LogoID: &id}
				if err := s.CreateProvider(t.Context(), p); err != nil {
					t.Fatal(err)
				}
			}},
			{"ErrCover", func(t *testing.T, id int64) {
				a := newsArticle(fx.hub, fx.reviewer, "有封面的资讯", true)
				a.CoverID = &id
				newsCreate(t, s, a)
			}},
			{"ErrItemPhoto", func(t *testing.T, id int64) {
				fx.submit(t, func(f *culture.MenuItemFields) { f.PhotoIDs = []int64{fx.photo.ID, id} })
			}},
			{"ErrPendingPhoto", func(t *testing.T, id int64) {
				item := fx.publish(t)
				_, err := s.SubmitMenuItem(t.Context(), fx.provider.ID, item.ID,
					mfxFields(func(f *culture.MenuItemFields) { f.PhotoIDs = []int64{id} }), fx.staff.ID)
				if err != nil {
					t.Fatal(err)
				}
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				img := mfxImage(t, s, 3, 3)
				tc.use(t, img.ID)
				before := mfxCount(t, s, "images")
				err := s.DeleteImage(t.Context(), img.ID)
				accountWantErr(t, err, culture.ECONFLICT, "图片正在使用，不能删除。")
				if after := mfxCount(t, s, "images"); after != before {
					t.Errorf("images: %d, want %d", after, before)
				}
			})
		}
		t.Run("ErrNotFound", func(t *testing.T) {
			accountWantErr(t, s.DeleteImage(t.Context(), 9999), culture.ENOTFOUND, "图片不存在。")
		})
	})
}
