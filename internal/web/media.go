package web

import (
	"net/http"
	"strconv"

	"github.com/wenyun/wenyun/internal/culture"
)

// imageTypes are the content types media is served as; CheckImage admits
// no others, and anything else in the table is not sent as an image.
var imageTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true}

// handleMedia serves an uploaded image. It runs in front of the session
// middleware, like static files (an image never changes, so it is cached
// for a year), and so answers errors in plain text: the error page needs
// the session.
func (s *Server) handleMedia(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok || s.Images == nil {
		http.Error(w, "图片不存在。", http.StatusNotFound)
		return
	}
	img, data, err := s.Images.FindImage(r.Context(), id)
	if culture.ErrorCode(err) == culture.ENOTFOUND {
		http.Error(w, "图片不存在。", http.StatusNotFound)
		return
	} else if err != nil {
		s.Logger.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		http.Error(w, "系统内部错误，请稍后再试。", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", img.ContentType)
	if !imageTypes[img.ContentType] {
		h.Set("Content-Type", "application/octet-stream")
	}
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(data)
}
