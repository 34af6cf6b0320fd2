// Package obs holds the process's observability plumbing: Prometheus
// metrics for HTTP traffic on a private registry.
package obs

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics counts and times HTTP requests. Its registry is private, so tests
// can create as many as they like and nothing leaks into a global.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewMetrics returns metrics registered with the Go runtime and process
// collectors beside the HTTP request counter and latency histogram.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total",
			Help: "HTTP requests served, by method, route pattern and status code.",
		}, []string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "http_request_duration_seconds",
			Help:    "Time to serve HTTP requests, by method and route pattern.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route"}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.duration,
	)
	return m
}

// Handler serves the metrics in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Middleware records every request that next serves. next should be a
// ServeMux: the route label is the pattern the request matched (r.Pattern,
// or the finer one noted by RecordRoute), never the raw path, so the number
// of series stays bounded however many URLs clients try.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rt := &route{}
		r = r.WithContext(context.WithValue(r.Context(), routeKey{}, rt))
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			// A panic that escapes is re-raised after it is counted as a 500.
			if v := recover(); v != nil {
				sw.status = http.StatusInternalServerError
				m.observe(r, rt, sw.code(), start)
				panic(v)
			}
			m.observe(r, rt, sw.code(), start)
		}()
		next.ServeHTTP(sw, r)
	})
}

func (m *Metrics) observe(r *http.Request, rt *route, code int, start time.Time) {
	method, pattern := methodLabel(r.Method), rt.pattern
	if pattern == "" {
		pattern = r.Pattern // set by the mux that next is
	}
	if pattern == "" {
		pattern = "unmatched"
	}
	m.requests.WithLabelValues(method, pattern, strconv.Itoa(code)).Inc()
	m.duration.WithLabelValues(method, pattern).Observe(time.Since(start).Seconds())
}

// RecordRoute wraps an inner ServeMux (one mounted under the mux that
// Middleware wraps) so that the finer pattern it matched becomes the route
// label. Wrap the mux itself, inside any middleware that copies the request:
// the mux sets Pattern on the request it is handed.
func RecordRoute(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if rt, ok := r.Context().Value(routeKey{}).(*route); ok && r.Pattern != "" {
			rt.pattern = r.Pattern
		}
	})
}

type routeKey struct{}

// route carries the innermost matched pattern back out to Middleware.
type route struct{ pattern string }

// methodLabel bounds the method label to the standard methods.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 { // 1xx replies are not the final status
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush passes through, for handlers that assert http.Flusher.
func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	http.NewResponseController(w.ResponseWriter).Flush() //nolint:errcheck // best effort, as http.Flusher
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) code() int {
	if w.status == 0 {
		return http.StatusOK // nothing written: net/http replies 200
	}
	return w.status
}
