// Package webhook sends Wenyun's webhook requests and lets receivers
// check them. Every request is a POST of a JSON event signed with the
// webhook's secret:
//
//	X-Wenyun-Signature: t=1767225600,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd
//
// where v1 is the hex HMAC-SHA256, keyed by the secret, of the decimal
// Unix time t, a full stop and the raw body. A receiver recomputes it with
// Verify and refuses stale timestamps, so a captured request cannot be
// replayed later. See docs/webhooks.md.
//
// The package also guards where requests may go (Guard: never the server
// itself; no private, loopback or link-local addresses unless allowed),
// checked both on the URL and again on every connection's address.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Header names of a webhook request.
const (
	HeaderSignature = "X-Wenyun-Signature"
	HeaderEvent     = "X-Wenyun-Event"
	HeaderDelivery  = "X-Wenyun-Delivery"
)

// DefaultTolerance is how far a signature's timestamp may lie from the
// receiver's clock when Verify is given no tolerance.
const DefaultTolerance = 5 * time.Minute

// Errors of Verify.
var (
	ErrMalformedSignature = errors.New("webhook: 签名头格式不正确，应为 t=<Unix 秒>,v1=<十六进制签名>")
	ErrSignatureMismatch  = errors.New("webhook: 签名不匹配（密钥错误或内容被改动）")
	ErrSignatureExpired   = errors.New("webhook: 签名时间超出允许范围（可能是重放的旧请求）")
)

// Sign returns the X-Wenyun-Signature value of body signed with secret at
// time t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a request's X-Wenyun-Signature header against its raw
// body: a v1 signature must match secret, and its timestamp must lie
// within tolerance of now (DefaultTolerance when tolerance <= 0).
func Verify(secret, header string, body []byte, tolerance time.Duration) error {
	return VerifyAt(secret, header, body, tolerance, time.Now())
}

// VerifyAt is Verify with the receiver's clock reading now.
func VerifyAt(secret, header string, body []byte, tolerance time.Duration, now time.Time) error {
	ts, sigs, err := parseSignature(header)
	if err != nil {
		return err
	}
	want := mac(secret, ts, body)
	ok := false
	for _, s := range sigs {
		got, err := hex.DecodeString(s)
		if err == nil && hmac.Equal(got, want) {
			ok = true
		}
	}
	if !ok {
		return ErrSignatureMismatch
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	t, _ := strconv.ParseInt(ts, 10, 64) // parseSignature checked it
	if d := now.Sub(time.Unix(t, 0)); d > tolerance || d < -tolerance {
		return ErrSignatureExpired
	}
	return nil
}

// parseSignature splits "t=…,v1=…[,v1=…]" into the timestamp, as sent,
// and the v1 signatures; unknown keys are ignored (later schemes).
func parseSignature(header string) (string, []string, error) {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		switch {
		case !ok:
			return "", nil, ErrMalformedSignature
		case k == "t":
			if _, err := strconv.ParseInt(v, 10, 64); err != nil || ts != "" || v == "" || v[0] == '+' || v[0] == '-' {
				return "", nil, ErrMalformedSignature
			}
			ts = v
		case k == "v1":
			sigs = append(sigs, v)
		}
	}
	if ts == "" || len(sigs) == 0 {
		return "", nil, ErrMalformedSignature
	}
	return ts, sigs, nil
}
