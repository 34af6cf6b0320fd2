package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/webhook"
)

const secret = "whsec_test-secret"

var (
	body  = []byte(`{"id":"booking:1:confirmed","type":"booking.confirmed","created_at":"2026-03-02T02:00:00Z","data":{}}`)
	clock = time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
)

// TestSignFormat checks the header against the documented recipe,
// computed here independently: t=<unix>,v1=hex(HMAC-SHA256(secret, t "." body)).
func TestSignFormat(t *testing.T) {
	got := webhook.Sign(secret, clock, body)
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "%d.%s", clock.Unix(), body)
	want := fmt.Sprintf("t=%d,v1=%s", clock.Unix(), hex.EncodeToString(m.Sum(nil)))
	if got != want {
		t.Errorf("Sign = %q, want %q", got, want)
	}
}

func TestVerify(t *testing.T) {
	good := webhook.Sign(secret, clock, body)
	v1 := good[strings.Index(good, "v1="):]
	tampered := append([]byte(nil), body...)
	tampered[len(tampered)-2] = ' '
	for _, tc := range []struct {
		name      string
		secret    string
		header    string
		body      []byte
		now       time.Time
		tolerance time.Duration
		want      error
	}{
		{"OK", secret, good, body, clock, 0, nil},
		{"OKWithinTolerance", secret, good, body, clock.Add(4 * time.Minute), 0, nil},
		{"OKSpaces", secret, strings.ReplaceAll(good, ",", ", "), body, clock, 0, nil},
		{"OKSecondSignature", secret, fmt.Sprintf("t=%d,v1=%s,%s", clock.Unix(), strings.Repeat("ab", 32), v1), body, clock, 0, nil},
		{"OKUnknownScheme", secret, good + ",v0=whatever", body, clock, 0, nil},
		{"ErrWrongSecret", "whsec_another", good, body, clock, 0, webhook.ErrSignatureMismatch},
		{"ErrTamperedBody", secret, good, tampered, clock, 0, webhook.ErrSignatureMismatch},
		{"ErrEmptyBody", secret, good, nil, clock, 0, webhook.ErrSignatureMismatch},
		{"ErrOtherTime", secret, fmt.Sprintf("t=%d,%s", clock.Unix()+1, v1), body, clock, 0, webhook.ErrSignatureMismatch},
		{"ErrNotHex", secret, fmt.Sprintf("t=%d,v1=zz", clock.Unix()), body, clock, 0, webhook.ErrSignatureMismatch},
		{"ErrOld", secret, good, body, clock.Add(6 * time.Minute), 0, webhook.ErrSignatureExpired},
		{"ErrOldTolerance", secret, good, body, clock.Add(2 * time.Minute), time.Minute, webhook.ErrSignatureExpired},
		{"ErrFuture", secret, good, body, clock.Add(-6 * time.Minute), 0, webhook.ErrSignatureExpired},
		{"ErrEmptyHeader", secret, "", body, clock, 0, webhook.ErrMalformedSignature},
		{"ErrNoTime", secret, v1, body, clock, 0, webhook.ErrMalformedSignature},
		{"ErrNoSignature", secret, fmt.Sprintf("t=%d", clock.Unix()), body, clock, 0, webhook.ErrMalformedSignature},
		{"ErrWordTime", secret, "t=abc," + v1, body, clock, 0, webhook.ErrMalformedSignature},
		{"ErrSignedTime", secret, fmt.Sprintf("t=+%d,%s", clock.Unix(), v1), body, clock, 0, webhook.ErrMalformedSignature},
		{"ErrTwoTimes", secret, fmt.Sprintf("t=%d,t=%d,%s", clock.Unix(), clock.Unix(), v1), body, clock, 0, webhook.ErrMalformedSignature},
		{"ErrGarbage", secret, "sha256=" + strings.TrimPrefix(v1, "v1="), body, clock, 0, webhook.ErrMalformedSignature},
		{"ErrNoEquals", secret, "t" + v1, body, clock, 0, webhook.ErrMalformedSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := webhook.VerifyAt(tc.secret, tc.header, tc.body, tc.tolerance, tc.now)
			if !errors.Is(err, tc.want) {
				t.Errorf("VerifyAt(%q) = %v, want %v", tc.header, err, tc.want)
			}
		})
	}
}

// TestVerifyNow checks Verify against the real clock: a fresh signature
// passes, one ten minutes old does not.
func TestVerifyNow(t *testing.T) {
	if err := webhook.Verify(secret, webhook.Sign(secret, time.Now(), body), body, 0); err != nil {
		t.Errorf("fresh signature: %v", err)
	}
	old := webhook.Sign(secret, time.Now().Add(-10*time.Minute), body)
	if err := webhook.Verify(secret, old, body, 0); !errors.Is(err, webhook.ErrSignatureExpired) {
		t.Errorf("old signature: %v, want ErrSignatureExpired", err)
	}
}
