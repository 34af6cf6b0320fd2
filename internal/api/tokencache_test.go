package api

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

func TestTokenCache(t *testing.T) {
	c := newTokenCache(30*time.Second, 2)
	t0 := time.Now()
	k1, k2, k3 := sha256.Sum256([]byte("a")), sha256.Sum256([]byte("b")), sha256.Sum256([]byte("c"))
	alice := &culture.Account{ID: 1}
	c.put(k1, alice, t0)
	if got, ok := c.get(k1, t0.Add(29*time.Second)); !ok || got != alice {
		t.Errorf("get within the TTL = %v, %v; want alice", got, ok)
	}
	if _, ok := c.get(k1, t0.Add(30*time.Second)); ok {
		t.Error("entry still served at its expiry")
	}
	if _, ok := c.get(k2, t0); ok {
		t.Error("unknown token found")
	}
	t.Run("Bounded", func(t *testing.T) {
		c.put(k2, &culture.Account{ID: 2}, t0.Add(20*time.Second))
		c.put(k3, &culture.Account{ID: 3}, t0.Add(31*time.Second)) // full: k1 expired, swept
		if len(c.entries) != 2 {
			t.Errorf("%d entries, want 2 (the expired one swept)", len(c.entries))
		}
		c.put(k1, alice, t0.Add(32*time.Second)) // full, none expired: start afresh
		if len(c.entries) != 1 {
			t.Errorf("%d entries, want 1", len(c.entries))
		}
	})
	t.Run("Nil", func(t *testing.T) {
		var off *tokenCache
		off.put(k1, alice, t0)
		if _, ok := off.get(k1, t0); ok {
			t.Error("a nil cache found a token")
		}
	})
}

// countingAccounts counts token lookups.
type countingAccounts struct {
	culture.AccountService
	calls int
}

func (c *countingAccounts) FindAccountByToken(_ context.Context, token string) (*culture.Account, error) {
	c.calls++
	if token != "wy_good" {
		return nil, culture.ErrUnauthorized
	}
	return &culture.Account{ID: 7}, nil
}

func TestAccountByTokenCached(t *testing.T) {
	for _, tt := range []struct {
		name      string
		ttl       time.Duration
		wantCalls int
	}{
		{"OK", 0, 1 + 2},   // one lookup for the good token, every bad one looked up
		{"Off", -1, 3 + 2}, // every lookup reaches the store
	} {
		t.Run(tt.name, func(t *testing.T) {
			acc := &countingAccounts{}
			a := &API{accounts: acc}
			if tt.ttl >= 0 {
				a.tokens = newTokenCache(tokenTTL, tokenMaxSize)
			}
			for range 3 {
				if got, err := a.accountByToken(context.Background(), "wy_good"); err != nil || got.ID != 7 {
					t.Fatalf("accountByToken = %v, %v", got, err)
				}
			}
			for range 2 {
				if _, err := a.accountByToken(context.Background(), "wy_bad"); err == nil {
					t.Fatal("bad token accepted")
				}
			}
			if acc.calls != tt.wantCalls {
				t.Errorf("%d store lookups, want %d", acc.calls, tt.wantCalls)
			}
		})
	}
}
