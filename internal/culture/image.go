package culture

import (
	"bytes"
	"context"
	"image"
	_ "image/gif" // registers GIF for DecodeConfig
	_ "image/jpeg"
	_ "image/png"
	"time"
)

// Image limits: logos, item photos and news covers.
const (
	MaxImageBytes = 2 << 20
	MaxImageSide  = 6000
)

// Image is an uploaded picture, stored in the database and served at
// /media/{id}.
type Image struct {
	ID          int64     `json:"id"`
	ContentType string    `json:"content_type"`
	Width       int       `json:"width"`
	Height      int       `json:"height"`
	Size        int       `json:"size"`
	SHA256      string    `json:"sha256"`
	CreatedBy   *int64    `json:"created_by,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// CheckImage decodes the header of data and returns its content type and
// size; anything but a PNG, JPEG or GIF of sane size is EINVALID.
func CheckImage(data []byte) (contentType string, width, height int, err error) {
	if len(data) == 0 {
		return "", 0, 0, Invalid("image", "请选择图片文件。")
	}
	if len(data) > MaxImageBytes {
		return "", 0, 0, Invalid("image", "图片不能超过 2 MB。")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return "", 0, 0, Invalid("image", "只能上传 PNG、JPEG 或 GIF 图片。")
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxImageSide || cfg.Height > MaxImageSide {
		return "", 0, 0, Invalid("image", "图片的宽和高应在 1 到 6000 像素之间。")
	}
	return "image/" + format, cfg.Width, cfg.Height, nil
}

// ImageService stores images.
type ImageService interface {
	// CreateImage checks data with CheckImage and stores it.
	CreateImage(ctx context.Context, data []byte, by *int64) (*Image, error)
	// FindImage returns an image and its bytes.
	FindImage(ctx context.Context, id int64) (*Image, []byte, error)
}
