package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
	"github.com/wenyun/wenyun/internal/sqlstore/sqltest"
)

func TestServe(t *testing.T) {
	srv := startServe(t, tempDB(t))
	for _, tt := range []struct {
		path, wantType, wantBody string
	}{
		{"/healthz", "text/plain", "ok"},
		{"/readyz", "text/plain", "ok"},
		{"/", "text/html", `lang="zh-CN"`},
		{"/api/v1/openapi.json", "application/json", `"openapi"`},
		{"/metrics", "text/plain", `http_requests_total{code="200",method="GET",route="GET /healthz"} 1`},
	} {
		t.Run(strings.TrimPrefix(tt.path, "/"), func(t *testing.T) {
			resp, body := srv.get(t, tt.path, "")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200:\n%s", resp.StatusCode, body)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, tt.wantType) {
				t.Errorf("Content-Type %q, want %s", ct, tt.wantType)
			}
			if !strings.Contains(body, tt.wantBody) {
				t.Errorf("body lacks %s:\n%.2000s", tt.wantBody, body)
			}
		})
	}
	t.Run("MetricsRouteNotPath", func(t *testing.T) {
		srv.get(t, "/api/v1/activities/12345", "")
		srv.get(t, "/activities/12345", "")
		_, body := srv.get(t, "/metrics", "")
		if strings.Contains(body, "12345") {
			t.Errorf("a raw path became a metric label")
		}
		for _, route := range []string{`route="GET /api/v1/activities/{id}"`, `route="GET /activities/{id}"`} {
			if !strings.Contains(body, route) {
				t.Errorf("metrics lack the matched pattern %s", route)
			}
		}
	})
	t.Run("ListeningLogged", func(t *testing.T) {
		if !strings.Contains(srv.log.String(), `"msg":"listening","addr":"`+srv.addr+`"`) {
			t.Errorf("no listening line with addr %s in the log:\n%s", srv.addr, srv.log)
		}
	})
	t.Run("Shutdown", func(t *testing.T) {
		if err := srv.stop(); err != nil {
			t.Fatalf("serve returned %v, want nil", err)
		}
		if _, err := http.Get(srv.url + "/healthz"); err == nil {
			t.Error("still serving after shutdown")
		}
	})
}

func TestServeMetricsAddr(t *testing.T) {
	srv := startServe(t, tempDB(t), "--metrics-addr", "127.0.0.1:0")
	// serve logs the metrics address before it reports the main one ready.
	m := regexp.MustCompile(`"msg":"metrics listening","addr":"([^"]+)"`).FindStringSubmatch(srv.log.String())
	if m == nil {
		t.Fatalf("no metrics listening line in the log:\n%s", srv.log)
	}
	if resp, body := srv.get(t, "/metrics", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("main address /metrics: status %d, want 404:\n%.500s", resp.StatusCode, body)
	}
	srv.get(t, "/healthz", "")
	resp, err := http.Get("http://" + m[1] + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `route="GET /healthz"`) {
		t.Errorf("metrics address /metrics: status %d, want 200 counting the main address's requests:\n%.2000s", resp.StatusCode, body)
	}
	if resp, err := http.Get("http://" + m[1] + "/healthz"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("metrics address serves more than /metrics: %v %v", resp.StatusCode, err)
	}
	if err := srv.stop(); err != nil {
		t.Fatalf("serve returned %v, want nil", err)
	}
	if _, err := http.Get("http://" + m[1] + "/metrics"); err == nil {
		t.Error("metrics still served after shutdown")
	}
}

func TestServeTrustedProxies(t *testing.T) {
	// POST /api/v1/auth/code allows a burst of 5 per client IP; the limit
	// is checked before the body, so "{}" (an invalid phone: 422) is enough.
	codes := func(srv *testServer, xff ...string) (statuses []int) {
		for _, ip := range xff {
			req, _ := http.NewRequest("POST", srv.url+"/api/v1/auth/code", strings.NewReader("{}"))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", ip)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			statuses = append(statuses, resp.StatusCode)
		}
		return statuses
	}
	distinct := []string{"198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4", "198.51.100.5", "198.51.100.6"}
	same := []string{"203.0.113.1", "203.0.113.1", "203.0.113.1", "203.0.113.1", "203.0.113.1", "203.0.113.1"}

	t.Run("Trusted", func(t *testing.T) {
		srv := startServe(t, tempDB(t), "--trusted-proxies", "127.0.0.1")
		if got := codes(srv, distinct...); slices.Contains(got, http.StatusTooManyRequests) {
			t.Errorf("distinct forwarded clients share a limit: %v", got)
		}
		if got := codes(srv, same...); got[5] != http.StatusTooManyRequests {
			t.Errorf("one forwarded client: statuses %v, want the 6th limited", got)
		}
	})
	t.Run("UntrustedIgnoresXFF", func(t *testing.T) {
		srv := startServe(t, tempDB(t))
		if got := codes(srv, distinct...); got[5] != http.StatusTooManyRequests {
			t.Errorf("spoofed X-Forwarded-For escaped the limit: %v", got)
		}
	})
}

func TestServerShutdown(t *testing.T) {
	// A handler that holds its request until released.
	entered, release := make(chan struct{}), make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		io.WriteString(w, "done")
	})
	start := func(timeout time.Duration) (cancel func(), done chan error, reply chan string) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		s := &server{srv: newHTTPServer(slow, discardLog), ln: ln, timeout: timeout, log: discardLog}
		ctx, cancel := context.WithCancel(context.Background())
		done, reply = make(chan error, 1), make(chan string, 1)
		go func() { done <- s.run(ctx, nil) }()
		go func() {
			resp, err := http.Get("http://" + ln.Addr().String())
			if err != nil {
				reply <- err.Error()
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			reply <- string(b)
		}()
		<-entered
		return cancel, done, reply
	}

	t.Run("WaitsForInFlight", func(t *testing.T) {
		cancel, done, reply := start(10 * time.Second)
		cancel()
		select {
		case err := <-done:
			t.Fatalf("run returned %v with a request in flight", err)
		case <-time.After(200 * time.Millisecond):
		}
		close(release)
		if got := <-reply; got != "done" {
			t.Errorf("in-flight request got %q, want done", got)
		}
		if err := <-done; err != nil {
			t.Errorf("run = %v, want nil", err)
		}
	})
	t.Run("ErrTimeout", func(t *testing.T) {
		entered, release = make(chan struct{}), make(chan struct{})
		defer close(release)
		cancel, done, _ := start(100 * time.Millisecond)
		cancel()
		if err := <-done; err == nil || !strings.Contains(err.Error(), "cut off") {
			t.Errorf("run = %v, want a cut-off error", err)
		}
	})
}

func TestCleanSessions(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	c := &fakeCleaner{calls: make(chan struct{}, 1), cancel: cancel}
	done := make(chan struct{})
	go func() { cleanSessions(ctx, c, discardLog); close(done) }()
	select {
	case <-done: // cleaned once at start, then stopped with ctx
	case <-time.After(5 * time.Second):
		t.Fatal("cleanSessions did not stop")
	}
	if len(c.calls) != 1 {
		t.Error("Cleanup not called at start")
	}
}

type fakeCleaner struct {
	calls  chan struct{}
	cancel func()
}

func (c *fakeCleaner) Cleanup(context.Context) (int64, error) {
	c.calls <- struct{}{}
	c.cancel()
	return 3, nil
}

var discardLog = slog.New(slog.DiscardHandler)

func TestServeRestartKeepsBookings(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testRestartKeepsBookings(t, tempDB(t)) })
	t.Run("postgres", func(t *testing.T) { testRestartKeepsBookings(t, postgresDB(t)) })
}

func testRestartKeepsBookings(t *testing.T, db string) {
	act := seedActivity(t, db)
	token := runOK(t, nil, "token", "--db", db, "--phone", "13912345678")
	token = strings.TrimSpace(token)

	srv := startServe(t, db)
	resp, body := srv.post(t, "/api/v1/activities/"+itoa(act.ID)+"/bookings", token, `{}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("book: status %d:\n%s", resp.StatusCode, body)
	}
	var booked struct {
		ID   int64  `json:"id"`
		Code string `json:"code"`
	}
	if err := json.Unmarshal([]byte(body), &booked); err != nil || booked.Code == "" {
		t.Fatalf("book: %v in %s", err, body)
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}

	srv = startServe(t, db)
	resp, body = srv.get(t, "/api/v1/me/bookings", token)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("my bookings: status %d:\n%s", resp.StatusCode, body)
	}
	if !strings.Contains(body, booked.Code) {
		t.Errorf("booking %s gone after a restart:\n%s", booked.Code, body)
	}
}

// postgresDB returns the DSN of a fresh PostgreSQL schema (sqltest); it
// skips without WENYUN_TEST_POSTGRES.
func postgresDB(tb testing.TB) string { return sqltest.DSN(tb, "postgres") }

// testServer is serve running in-process on 127.0.0.1:0.
type testServer struct {
	addr, url string
	out, log  *syncBuffer
	stop      func() error // cancels serve and returns what run returned
}

// startServe runs serve on db until the test ends.
func startServe(tb testing.TB, db string, args ...string) *testServer {
	tb.Helper()
	return startServeWith(tb, Options{}, db, args...)
}

// startServeWith is startServe with o's unexported test hooks (its
// output and Ready are replaced).
func startServeWith(tb testing.TB, o Options, db string, args ...string) *testServer {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &testServer{out: &syncBuffer{}, log: &syncBuffer{}}
	ready, done := make(chan string, 1), make(chan error, 1)
	o.Stdout, o.Stderr, o.Ready = s.out, s.log, func(addr string) { ready <- addr }
	args = append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db}, args...)
	go func() { done <- o.Run(ctx, args) }()
	s.stop = sync.OnceValue(func() error { cancel(); return <-done })
	tb.Cleanup(func() { s.stop() })
	select {
	case s.addr = <-ready:
	case err := <-done:
		done <- err // for s.stop in Cleanup, which would wait forever
		tb.Fatalf("serve: %v\n%s", err, s.log)
	case <-time.After(60 * time.Second):
		tb.Fatalf("serve did not start:\n%s", s.log)
	}
	s.url = "http://" + s.addr
	return s
}

func (s *testServer) get(tb testing.TB, path, token string) (*http.Response, string) {
	return s.do(tb, "GET", path, token, "")
}

func (s *testServer) post(tb testing.TB, path, token, body string) (*http.Response, string) {
	return s.do(tb, "POST", path, token, body)
}

func (s *testServer) do(tb testing.TB, method, path, token, body string) (*http.Response, string) {
	tb.Helper()
	req, err := http.NewRequest(method, s.url+path, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp, string(b)
}

// tempDB returns the DSN of a fresh SQLite file.
func tempDB(tb testing.TB) string {
	tb.Helper()
	return "sqlite:" + filepath.Join(tb.TempDir(), "wenyun.db")
}

// openStore opens db for fixtures; it is closed when the test ends.
func openStore(tb testing.TB, db string) *sqlstore.Store {
	tb.Helper()
	s, err := sqlstore.Open(context.Background(), db, sqlstore.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// seedActivity stores a hub and an activity open for booking now.
func seedActivity(tb testing.TB, db string) *culture.Activity {
	tb.Helper()
	ctx := context.Background()
	s := openStore(tb, db)
	hub := &culture.Unit{Kind: culture.UnitHub, Name: "解放区文化馆"}
	if err := s.CreateUnit(ctx, hub); err != nil {
		tb.Fatal(err)
	}
	start := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
	act := &culture.Activity{
		UnitID: hub.ID, Title: "少儿书法体验课", Category: "书法美术",
		StartsAt: start, EndsAt: start.Add(90 * time.Minute), Capacity: 20,
		Mode: culture.ModeFirstCome, OpensAt: time.Now().Add(-time.Hour), ClosesAt: start,
		MaxPerBooking: 2,
	}
	if _, err := s.CreateActivity(ctx, act, 1); err != nil {
		tb.Fatal(err)
	}
	return act
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
