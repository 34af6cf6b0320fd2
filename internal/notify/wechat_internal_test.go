package notify

import (
	"testing"
	"time"
)

func TestTokenTTL(t *testing.T) {
	tests := map[int]time.Duration{
		7200: 7200*time.Second - tokenMargin,
		600:  5 * time.Minute, // exactly twice the margin: less the margin
		300:  150 * time.Second,
		0:    0,
	}
	for in, want := range tests {
		if got := tokenTTL(in); got != want {
			t.Errorf("tokenTTL(%d) = %v, want %v", in, got, want)
		}
	}
}
