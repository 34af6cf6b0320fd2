package limit

import (
	"testing"
	"time"
)

func TestKeyedAllow(t *testing.T) {
	k := New(time.Hour, 2)
	if !k.Allow("a") || !k.Allow("a") {
		t.Fatal("burst of 2 refused")
	}
	if k.Allow("a") {
		t.Fatal("third event in burst allowed")
	}
	if !k.Allow("b") {
		t.Fatal("other key refused")
	}
}

func TestKeyedForget(t *testing.T) {
	k := New(time.Hour, 1)
	if !k.Allow("a") || k.Allow("a") {
		t.Fatal("burst of 1 not kept")
	}
	k.Forget("a")
	if !k.Allow("a") {
		t.Fatal("forgotten key still limited")
	}
}
