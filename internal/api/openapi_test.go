package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
)

// patterns records the patterns routes registers.
type patterns []string

func (p *patterns) Handle(pattern string, _ http.Handler) { *p = append(*p, pattern) }

// openAPI is the part of the document the tests read.
type openAPI struct {
	OpenAPI    string                                `json:"openapi"`
	Servers    []struct{ URL string }                `json:"servers"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		SecuritySchemes map[string]struct {
			Type, Scheme string
		} `json:"securitySchemes"`
	} `json:"components"`
}

type operation struct {
	Parameters []struct {
		Ref  string `json:"$ref"`
		Name string `json:"name"`
		In   string `json:"in"`
	} `json:"parameters"`
	Responses map[string]json.RawMessage `json:"responses"`
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func loadOpenAPI(t *testing.T) openAPI {
	t.Helper()
	var doc openAPI
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return doc
}

// TestOpenAPIMatchesRoutes checks that every route in routes.go is in the
// document's paths, and every operation there is a route.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	if doc.OpenAPI != "3.1.0" || len(doc.Servers) != 1 || doc.Servers[0].URL != Prefix {
		t.Fatalf("openapi %q, servers %+v; want 3.1.0 at %s", doc.OpenAPI, doc.Servers, Prefix)
	}
	if s := doc.Components.SecuritySchemes["bearerAuth"]; s.Type != "http" || s.Scheme != "bearer" {
		t.Errorf("bearerAuth scheme = %+v", s)
	}
	var routes patterns
	(&API{}).routes(&routes)
	var got []string
	for _, p := range routes {
		method, path, _ := strings.Cut(p, " ")
		got = append(got, strings.ToLower(method)+" "+strings.TrimPrefix(path, Prefix))
	}
	var documented []string
	for path, item := range doc.Paths {
		for key := range item {
			if slices.Contains(httpMethods, key) {
				documented = append(documented, key+" "+path)
			}
		}
	}
	slices.Sort(got)
	slices.Sort(documented)
	if diff := cmp.Diff(documented, got); diff != "" {
		t.Errorf("routes (-openapi.json +routes.go):\n%s", diff)
	}
}

// TestOpenAPIOperations checks each operation's path parameters and that
// it documents a success and the internal error.
func TestOpenAPIOperations(t *testing.T) {
	doc := loadOpenAPI(t)
	wildcard := regexp.MustCompile(`\{(\w+)\}`)
	for path, item := range doc.Paths {
		for method, raw := range item {
			if !slices.Contains(httpMethods, method) {
				continue
			}
			var op operation
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			var declared []string
			for _, p := range op.Parameters {
				if p.In == "path" || p.Ref == "#/components/parameters/id" {
					declared = append(declared, strings.TrimPrefix(p.Name+p.Ref, "#/components/parameters/"))
				}
			}
			var inPath []string
			for _, m := range wildcard.FindAllStringSubmatch(path, -1) {
				inPath = append(inPath, m[1])
			}
			if diff := cmp.Diff(inPath, declared); diff != "" {
				t.Errorf("%s %s path parameters (-path +declared):\n%s", method, path, diff)
			}
			if op.Responses["500"] == nil || !hasSuccess(op.Responses) {
				t.Errorf("%s %s: responses %v lack a 2xx or the 500", method, path, keys(op.Responses))
			}
		}
	}
}

// TestOpenAPIRefs checks that every $ref in the document resolves.
func TestOpenAPIRefs(t *testing.T) {
	var doc any
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok && resolve(doc, ref) == nil {
				t.Errorf("$ref %q does not resolve", ref)
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
}

// resolve follows a local JSON pointer ("#/components/schemas/Error").
func resolve(doc any, ref string) any {
	if !strings.HasPrefix(ref, "#/") {
		return nil
	}
	v := doc
	for _, part := range strings.Split(ref[2:], "/") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[part]
	}
	return v
}

func hasSuccess(responses map[string]json.RawMessage) bool {
	for code := range responses {
		if strings.HasPrefix(code, "2") {
			return true
		}
	}
	return false
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestStatusTable checks that every error code of the API has a status.
func TestStatusTable(t *testing.T) {
	for _, err := range []error{errBadJSON, errMediaType, errTooLarge, errMethodNotAllowed, errNoRoute, errTooMany, errPanic, errBadCode} {
		if _, ok := statusByCode[culture.ErrorCode(err)]; !ok {
			t.Errorf("%v: code without a status", err)
		}
	}
}

// TestRecoverPanic checks that a panic becomes a logged 500 JSON reply.
func TestRecoverPanic(t *testing.T) {
	var logged strings.Builder
	a := &API{log: slog.New(slog.NewTextHandler(&logged, nil))}
	h := a.recoverPanic(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/units", nil))
	want := `{"error":{"code":"internal","message":"系统内部错误，请稍后再试。"}}` + "\n"
	if rec.Code != http.StatusInternalServerError || rec.Body.String() != want {
		t.Errorf("panic answered %d %s, want 500 %s", rec.Code, rec.Body.String(), want)
	}
	if !strings.Contains(logged.String(), "boom") {
		t.Errorf("panic not logged: %q", logged.String())
	}
}

// TestInternalErrorMasked checks that a non-domain error, or a domain error
// with a code the table lacks, is logged and shown only as internal.
func TestInternalErrorMasked(t *testing.T) {
	for _, err := range []error{errors.New("disk on fire"), culture.Errorf("exotic", "disk on fire")} {
		var logged strings.Builder
		a := &API{log: slog.New(slog.NewTextHandler(&logged, nil))}
		rec := httptest.NewRecorder()
		a.writeError(rec, httptest.NewRequest("GET", "/api/v1/units", nil), err)
		if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "disk") {
			t.Errorf("%v answered %d %s", err, rec.Code, rec.Body.String())
		}
		if !strings.Contains(logged.String(), "disk on fire") {
			t.Errorf("%v not logged: %q", err, logged.String())
		}
	}
}
