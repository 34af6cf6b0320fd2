package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed templates static
var embedded embed.FS

// assets serves static files with a content hash in their URL, so they can
// be cached for a year and still change with each release.
type assets struct {
	fsys   fs.FS
	hashes map[string]string // "css/app.css" → "3f2a9c1b"
}

func newAssets(root fs.FS) (*assets, error) {
	sub, err := fs.Sub(root, "static")
	if err != nil {
		return nil, err
	}
	a := &assets{fsys: sub, hashes: map[string]string{}}
	err = fs.WalkDir(sub, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a.hashes[path] = hex.EncodeToString(sum[:4])
		return nil
	})
	return a, err
}

// url returns the versioned URL of a static file.
func (a *assets) url(name string) string {
	return "/static/" + name + "?v=" + a.hashes[name]
}

// handler serves the files; versioned requests are cached for a year.
func (a *assets) handler() http.Handler {
	files := http.StripPrefix("/static/", http.FileServerFS(a.fsys))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/static/")
		if v := r.URL.Query().Get("v"); v != "" && v == a.hashes[name] {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=300")
		}
		files.ServeHTTP(w, r)
	})
}
