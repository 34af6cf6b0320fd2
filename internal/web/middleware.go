package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/wenyun/wenyun/internal/clientip"
	"github.com/wenyun/wenyun/internal/culture"
)

// middleware composes the chain: recover → log → security headers →
// session → cross-origin protection → account.
func (s *Server) middleware(h http.Handler) http.Handler {
	h = s.loadAccount(h)
	h = crossOrigin(h)
	h = s.sessions.LoadAndSave(h)
	h = securityHeaders(h)
	h = s.logRequests(h)
	return s.recoverPanics(h)
}

func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v == http.ErrAbortHandler {
				panic(v) // a handler cutting off a download it cannot finish
			} else if v != nil {
				w.Header().Set("Connection", "close")
				s.serverError(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		s.Logger.DebugContext(r.Context(), "request", "method", r.Method, "path", logPath(r),
			"status", sw.status, "duration", time.Since(start))
	})
}

// csp allows only our own scripts and styles. QR scanning runs a worker
// from a blob: URL and shows the camera in a <video>, hence blob: and media.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"media-src 'self' blob: mediastream:; worker-src 'self' blob:; connect-src 'self'; " +
	"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Permissions-Policy", "camera=(self), geolocation=(), microphone=()")
		next.ServeHTTP(w, r)
	})
}

// crossOrigin refuses cross-site form posts (CSRF) with Go's
// CrossOriginProtection, which reads Sec-Fetch-Site and Origin.
func crossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "跨站请求已被拒绝。", http.StatusForbidden)
	}))
	return cop.Handler(next)
}

// loadAccount puts the signed-in account into the request context.
func (s *Server) loadAccount(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := s.sessions.GetInt64(r.Context(), "account_id")
		if id == 0 {
			next.ServeHTTP(w, r)
			return
		}
		a, err := s.Accounts.FindAccountByID(r.Context(), id)
		if err != nil {
			// The account is gone or the database failed: treat as signed out.
			s.sessions.Remove(r.Context(), "account_id")
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(culture.NewContextWithAccount(r.Context(), a)))
	})
}

// clientIP is the address rate limits key on: Config.ClientIP's answer,
// by default the peer's address.
func (s *Server) clientIP(r *http.Request) string {
	if s.ClientIP == nil {
		return clientip.RemoteHost(r)
	}
	return s.ClientIP(r)
}

// signIn starts a fresh session for the account (a new token defeats
// session fixation) and returns where to go next.
func (s *Server) signIn(r *http.Request, a *culture.Account, fallback string) (string, error) {
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		return "", err
	}
	s.sessions.Put(r.Context(), "account_id", a.ID)
	next := s.sessions.PopString(r.Context(), "after_login")
	if !localPath(next) {
		next = fallback
	}
	return next, nil
}

// currentAccount returns the signed-in account or writes a redirect to
// sign in and returns nil.
func (s *Server) currentAccount(w http.ResponseWriter, r *http.Request) *culture.Account {
	a := culture.AccountFromContext(r.Context())
	if a == nil {
		s.requireLogin(w, r)
	}
	return a
}
