package webhook

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// answers is a resolver whose answer for every host the test changes.
type answers struct {
	mu    sync.Mutex
	ips   []netip.Addr
	err   error
	calls chan struct{}
}

func (a *answers) set(err error, ips ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ips, a.err = nil, err
	for _, ip := range ips {
		a.ips = append(a.ips, netip.MustParseAddr(ip))
	}
}

func (a *answers) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	select {
	case a.calls <- struct{}{}:
	default:
	}
	return a.ips, a.err
}

// TestGuardRefreshesSelf: the public URL's host is resolved at the first
// check; its addresses stay the server itself while a lookup fails, and
// once SelfRefreshEvery has passed (the clock is moved) a check has them
// resolved again in the background, the old answer standing meanwhile.
func TestGuardRefreshesSelf(t *testing.T) {
	res := &answers{calls: make(chan struct{}, 10)}
	res.set(nil, "47.92.1.2")
	clock := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	g := NewGuard(false)
	g.SetResolver(res)
	g.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); clock = clock.Add(d) }
	if err := g.AddSelfURL("https://wenyun.example.cn"); err != nil {
		t.Fatal(err)
	}
	self := func(addr string) bool {
		var de *DialError
		return errors.As(g.Control("tcp", addr, nil), &de) && de.Reason == "指向本系统自身"
	}
	if !self("47.92.1.2:443") || self("47.92.1.3:443") {
		t.Fatal("the first check did not resolve the public host")
	}

	res.set(errors.New("dns down"), "47.92.1.3")
	if err := g.RefreshSelf(t.Context()); err == nil || !self("47.92.1.2:443") {
		t.Errorf("a failed lookup: %v; the last answer must stand", err)
	}

	res.set(nil, "47.92.1.3")
	advance(SelfRefreshEvery)
	for range len(res.calls) {
		<-res.calls
	}
	self("8.8.8.8:443") // stale: starts a lookup in the background
	select {
	case <-res.calls:
	case <-time.After(10 * time.Second):
		t.Fatal("no lookup after SelfRefreshEvery")
	}
	deadline := time.Now().Add(10 * time.Second)
	for !self("47.92.1.3:443") {
		if time.Now().After(deadline) {
			t.Fatal("the new address never became the server itself")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if self("47.92.1.2:443") {
		t.Error("the old address is still the server itself after a good lookup")
	}
}
