// Package webhooktest is a webhook receiver for tests: an HTTP server on
// 127.0.0.1 that checks every request's signature with the secret it is
// given, answers 401 when it does not verify, fails as many requests as it
// is told to with 500, accepts the rest with 204, and records them all.
package webhooktest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/webhook"
)

// Request is one request the receiver got.
type Request struct {
	Event, Delivery, Signature, ContentType string
	Body                                    []byte
	// VerifyErr is webhook.Verify's verdict; Status what was answered.
	VerifyErr error
	Status    int
}

// Envelope decodes the body.
func (r Request) Envelope() (Envelope, error) {
	var e Envelope
	err := json.Unmarshal(r.Body, &e)
	return e, err
}

// Envelope is the JSON body of a webhook request.
type Envelope struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	CreatedAt string          `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

// Receiver is a running receiver.
type Receiver struct {
	// URL is the receiver's address, such as http://127.0.0.1:41234/hook.
	URL string

	mu      sync.Mutex
	secret  string
	failing int
	reqs    []Request
	changed chan struct{}
}

// NewReceiver starts a receiver, closed when the test ends.
func NewReceiver(tb testing.TB) *Receiver {
	tb.Helper()
	r := &Receiver{changed: make(chan struct{}, 1)}
	srv := httptest.NewServer(http.HandlerFunc(r.serve))
	tb.Cleanup(srv.Close)
	r.URL = srv.URL + "/hook"
	return r
}

// SetSecret sets the secret requests must be signed with.
func (r *Receiver) SetSecret(secret string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secret = secret
}

// FailNext makes the next n verified requests fail with 500.
func (r *Receiver) FailNext(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failing = n
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	got := Request{Event: req.Header.Get(webhook.HeaderEvent), Delivery: req.Header.Get(webhook.HeaderDelivery),
		Signature: req.Header.Get(webhook.HeaderSignature), ContentType: req.Header.Get("Content-Type"), Body: body}
	r.mu.Lock()
	got.VerifyErr = webhook.Verify(r.secret, got.Signature, body, 0)
	switch {
	case got.VerifyErr != nil || req.Method != http.MethodPost:
		got.Status = http.StatusUnauthorized
	case r.failing > 0:
		r.failing--
		got.Status = http.StatusInternalServerError
	default:
		got.Status = http.StatusNoContent
	}
	r.reqs = append(r.reqs, got)
	r.mu.Unlock()
	select {
	case r.changed <- struct{}{}:
	default:
	}
	w.WriteHeader(got.Status)
}

// Requests returns every request so far, in arrival order.
func (r *Receiver) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Request(nil), r.reqs...)
}

// Accepted returns the requests answered 2xx.
func (r *Receiver) Accepted() []Request {
	var out []Request
	for _, q := range r.Requests() {
		if q.Status < 300 {
			out = append(out, q)
		}
	}
	return out
}

// WaitAccepted waits until at least n requests were accepted, or fails the
// test after timeout; it returns the accepted requests.
func (r *Receiver) WaitAccepted(tb testing.TB, n int, timeout time.Duration) []Request {
	tb.Helper()
	deadline := time.After(timeout)
	for {
		if got := r.Accepted(); len(got) >= n {
			return got
		}
		select {
		case <-r.changed:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			tb.Fatalf("webhook receiver: %d requests accepted after %s, want %d; all: %s", len(r.Accepted()), timeout, n, r.summary())
			return nil
		}
	}
}

// summary lists the requests briefly, for failure messages.
func (r *Receiver) summary() string {
	out := ""
	for _, q := range r.Requests() {
		out += "\n  " + q.Event + " delivery " + q.Delivery + " → " + http.StatusText(q.Status)
		if q.VerifyErr != nil {
			out += " (" + q.VerifyErr.Error() + ")"
		}
	}
	return out
}
