package api

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"slices"
)

// openAPIDoc is the OpenAPI 3.1 document of the API: openapi.json with
// the paths, tags and components of each openapi_*.json fragment merged
// in (one fragment per area, so areas are documented beside their code).
// A test checks that its paths match routes.go exactly.
var openAPIDoc = mustMergeOpenAPI(openAPIFiles)

//go:embed openapi.json openapi_*.json
var openAPIFiles embed.FS

// mustMergeOpenAPI merges the fragments into openapi.json; a duplicate
// path, tag or component panics at start (a test runs it too).
func mustMergeOpenAPI(files fs.FS) []byte {
	doc, err := mergeOpenAPI(files)
	if err != nil {
		panic(err)
	}
	return doc
}

func mergeOpenAPI(files fs.FS) ([]byte, error) {
	var base map[string]any
	if err := readJSON(files, "openapi.json", &base); err != nil {
		return nil, err
	}
	names, err := fs.Glob(files, "openapi_*.json")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		var frag map[string]any
		if err := readJSON(files, name, &frag); err != nil {
			return nil, err
		}
		if err := mergeFragment(base, frag, name); err != nil {
			return nil, err
		}
	}
	return json.MarshalIndent(base, "", "  ")
}

func readJSON(files fs.FS, name string, v any) error {
	b, err := fs.ReadFile(files, name)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// mergeFragment adds frag's paths, tags and components to base.
func mergeFragment(base, frag map[string]any, name string) error {
	for key := range frag {
		if !slices.Contains([]string{"paths", "tags", "components"}, key) {
			return fmt.Errorf("%s: unexpected top-level key %q", name, key)
		}
	}
	if err := mergeMap(base, "paths", frag, name); err != nil {
		return err
	}
	comps, _ := frag["components"].(map[string]any)
	baseComps, _ := base["components"].(map[string]any)
	for kind := range comps {
		if err := mergeMap(baseComps, kind, comps, name+" components"); err != nil {
			return err
		}
	}
	if tags, ok := frag["tags"].([]any); ok {
		base["tags"] = append(base["tags"].([]any), tags...)
	}
	return nil
}

// mergeMap copies src[key]'s entries into dst[key], refusing duplicates.
func mergeMap(dst map[string]any, key string, src map[string]any, name string) error {
	from, _ := src[key].(map[string]any)
	to, _ := dst[key].(map[string]any)
	if to == nil {
		to = map[string]any{}
		dst[key] = to
	}
	for _, k := range slices.Sorted(maps.Keys(from)) {
		if _, dup := to[k]; dup {
			return fmt.Errorf("%s: %s %q is already in the document", name, key, k)
		}
		to[k] = from[k]
	}
	return nil
}

// handleOpenAPI serves the OpenAPI document.
func (a *API) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "public, max-age=300")
	w.Write(openAPIDoc)
}
