package obs_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wenyun/wenyun/internal/obs"
)

func TestMiddleware(t *testing.T) {
	m := obs.NewMetrics()
	inner := http.NewServeMux()
	inner.HandleFunc("GET /api/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	})
	top := http.NewServeMux()
	// The inner mux sits behind a middleware that copies the request, as
	// session middleware does.
	top.Handle("/api/", copyRequest(obs.RecordRoute(inner)))
	top.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	top.Handle("GET /metrics", m.Handler())
	h := m.Middleware(top)

	for _, path := range []string{"/healthz", "/api/items/1", "/api/items/2", "/api/nothing/3", "/nowhere"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`http_requests_total{code="200",method="GET",route="GET /healthz"} 1`,
		`http_requests_total{code="418",method="GET",route="GET /api/items/{id}"} 2`,
		`http_requests_total{code="404",method="GET",route="/api/"} 1`,
		`http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`http_request_duration_seconds_bucket{method="GET",route="GET /healthz",le="+Inf"} 1`,
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, `/api/items/1"`) {
		t.Error("a raw path became a label")
	}
}

func TestMiddlewareOddMethod(t *testing.T) {
	m := obs.NewMetrics()
	h := m.Middleware(http.NewServeMux())
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("BREW", "/", nil))
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(rec.Body.String(), `method="OTHER"`) {
		t.Errorf("unknown method not folded into OTHER:\n%s", rec.Body)
	}
}

func copyRequest(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(r.Context()))
	})
}
