package webhook

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestSenderDialGuard: the check at dial time holds on its own. post
// skips CheckURL, as a name that resolves to a loopback address would
// pass it; the connection to 127.0.0.1 is still refused and the server
// gets nothing.
func TestSenderDialGuard(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	res := NewSender(NewGuard(false), 0).post(t.Context(), Message{URL: srv.URL, Secret: "s", Event: "e", DeliveryID: 1, Body: []byte("{}")})
	if res.Err == nil || !strings.Contains(res.Err.Error(), "不允许连接") || res.StatusCode != 0 {
		t.Errorf("post = %+v, want the dial refused", res)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the loopback server got %d requests", n)
	}
	// Allowed, the same post goes through: the refusal came from the guard.
	if res := NewSender(NewGuard(true), 0).post(t.Context(), Message{URL: srv.URL, Body: []byte("{}")}); res.Err != nil || hits.Load() != 1 {
		t.Errorf("with private addresses allowed: %+v, %d hits", res, hits.Load())
	}
}
