// Package api serves Wenyun's JSON API under /api/v1 for the WeChat
// gateway, kiosks and integrations. It applies the same domain rules as the
// pages: handlers parse the request, call a culture service and write JSON.
// The OpenAPI document served at /api/v1/openapi.json describes every route.
package api

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/wenyun/wenyun/internal/clientip"
	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/limit"
	"github.com/wenyun/wenyun/internal/obs"
	"github.com/wenyun/wenyun/internal/sms"
)

// Prefix is the path under which the API is served.
const Prefix = "/api/v1"

// Config holds what the API needs. Every service and SMS are required.
type Config struct {
	Units      culture.UnitService
	Accounts   culture.AccountService
	Activities culture.ActivityService
	Bookings   culture.BookingService
	// Lotteries serves lottery results; optional (404 without it).
	Lotteries culture.LotteryService
	// Grab serves offers, no-show records and waivers; optional (404
	// without it).
	Grab culture.GrabService
	// Menu serves the culture menu, orders, deliveries, ratings and series
	// follows; optional (404 without it).
	Menu culture.MenuService
	// Issue 5 services; optional (their endpoints answer 404 without).
	Notifications culture.NotificationService
	Communities   culture.CommunityService
	News          culture.NewsService
	Moderation    culture.RatingModeration
	// Issue 6 services; optional (their endpoints answer 404 without).
	Stats    culture.StatsService
	Feeds    culture.FeedService
	Webhooks culture.WebhookService
	SMS      sms.Sender
	Logger   *slog.Logger
	// Now returns the current time (default time.Now); tests fix it.
	Now func() time.Time
	// ClientIP returns the address rate limits are keyed on. The default is
	// the host of r.RemoteAddr; cmd sets a clientip.Resolver's IP so that
	// trusted proxies (--trusted-proxies) are seen through.
	ClientIP func(r *http.Request) string
	// TokenCacheTTL is how long a bearer token's account is remembered
	// (default 30 s; negative turns the cache off). See tokenTTL.
	TokenCacheTTL time.Duration
	// PublicURL is the site's address as residents reach it
	// (--public-url, such as https://wenyun.example.cn): feed addresses and
	// open-data page URLs are built from it. When empty they fall back to
	// the address each request reached (see siteBase).
	PublicURL string
}

// API is the JSON API. Create it with New.
type API struct {
	units      culture.UnitService
	accounts   culture.AccountService
	activities culture.ActivityService
	bookings   culture.BookingService
	lotteries  culture.LotteryService
	grab       culture.GrabService
	menu       culture.MenuService
	inbox      culture.NotificationService
	community  culture.CommunityService
	news       culture.NewsService
	moderation culture.RatingModeration
	stats      culture.StatsService
	feeds      culture.FeedService
	webhooks   culture.WebhookService
	sms        sms.Sender
	log        *slog.Logger
	now        func() time.Time
	clientIP   func(r *http.Request) string
	publicURL  string // Config.PublicURL checked, without a trailing slash

	codeLimit    *limit.Keyed // sign-in code requests per client IP
	tokenLimit   *limit.Keyed // sign-in attempts per client IP
	bookingLimit *limit.Keyed // booking requests per account
	tokens       *tokenCache  // nil when off

	handler http.Handler
}

// New returns the API. It panics when a required service is missing, a
// wiring mistake that must stop the process at start.
func New(cfg Config) *API {
	if cfg.Units == nil || cfg.Accounts == nil || cfg.Activities == nil || cfg.Bookings == nil || cfg.SMS == nil {
		panic("api.New: Units, Accounts, Activities, Bookings and SMS are required")
	}
	a := &API{
		units: cfg.Units, accounts: cfg.Accounts, activities: cfg.Activities,
		bookings: cfg.Bookings, lotteries: cfg.Lotteries, grab: cfg.Grab, menu: cfg.Menu, sms: cfg.SMS, log: cfg.Logger, now: cfg.Now, clientIP: cfg.ClientIP,
		inbox: cfg.Notifications, community: cfg.Communities, news: cfg.News, moderation: cfg.Moderation,
		stats: cfg.Stats, feeds: cfg.Feeds, webhooks: cfg.Webhooks,
		codeLimit:    limit.New(6*time.Minute, 5), // 10 an hour, 5 at once
		tokenLimit:   limit.New(2*time.Minute, 10),
		bookingLimit: limit.New(2*time.Second, 20),
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.clientIP == nil {
		a.clientIP = clientip.RemoteHost
	}
	if cfg.TokenCacheTTL == 0 {
		cfg.TokenCacheTTL = tokenTTL
	}
	a.publicURL = mustPublicBase(cfg.PublicURL)
	if cfg.TokenCacheTTL > 0 {
		a.tokens = newTokenCache(cfg.TokenCacheTTL, tokenMaxSize)
	}
	mux := http.NewServeMux()
	a.routes(mux)
	a.handler = a.recoverPanic(a.dispatch(mux))
	return a
}

// Handler returns the API's handler. It serves full paths ("/api/v1/...").
func (a *API) Handler() http.Handler { return a.handler }

// dispatch answers unknown paths and wrong methods with JSON errors instead
// of the mux's plain-text replies.
func (a *API) dispatch(mux *http.ServeMux) http.Handler {
	// RecordRoute labels metrics with the endpoint's own pattern.
	served := obs.RecordRoute(mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			served.ServeHTTP(w, r)
			return
		}
		if allow := allowedMethods(mux, r); allow != "" {
			w.Header().Set("Allow", allow)
			a.writeError(w, r, errMethodNotAllowed)
			return
		}
		a.writeError(w, r, errNoRoute)
	})
}

// allowedMethods lists the methods that some route serves at r's path.
func allowedMethods(mux *http.ServeMux, r *http.Request) string {
	allow := ""
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "" {
			if allow != "" {
				allow += ", "
			}
			allow += m
		}
	}
	return allow
}

// recoverPanic turns a panic into a logged 500 JSON reply. No handler is
// meant to panic; this keeps one bug from dropping the connection.
func (a *API) recoverPanic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			} else if v == http.ErrAbortHandler {
				panic(v)
			}
			a.log.ErrorContext(r.Context(), "api panic", "method", r.Method, "path", r.URL.Path, "panic", v)
			w.Header().Set("Connection", "close")
			a.writeError(w, r, errPanic)
		}()
		next.ServeHTTP(w, r)
	})
}

// requireAccount resolves the bearer token and puts the account in the
// request context; without a valid token it answers 401.
func (a *API) requireAccount(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		token, ok := bearerToken(r)
		if !ok {
			a.writeError(w, r, culture.ErrUnauthorized)
			return
		}
		acct, err := a.accountByToken(r.Context(), token)
		if err != nil {
			if culture.ErrorCode(err) != culture.EINTERNAL {
				err = culture.ErrUnauthorized
			}
			a.writeError(w, r, err)
			return
		}
		next(w, r.WithContext(culture.NewContextWithAccount(r.Context(), acct)))
	})
}

// accountByToken returns the token's account from the cache, or from the
// store (remembering it).
func (a *API) accountByToken(ctx context.Context, token string) (*culture.Account, error) {
	key := sha256.Sum256([]byte(token))
	now := time.Now() // not a.now: tests that fix the clock still expire entries
	if acct, ok := a.tokens.get(key, now); ok {
		return acct, nil
	}
	acct, err := a.accounts.FindAccountByToken(ctx, token)
	if err == nil {
		a.tokens.put(key, acct, now)
	}
	return acct, err
}

// bearerToken returns the token of an "Authorization: Bearer" header.
func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	const scheme = "bearer "
	if len(h) <= len(scheme) || len(h) > len(scheme)+200 {
		return "", false
	}
	if !strings.EqualFold(h[:len(scheme)], scheme) {
		return "", false
	}
	token := strings.TrimSpace(h[len(scheme):])
	return token, token != ""
}

// account returns the signed-in account of a request that passed
// requireAccount.
func account(ctx context.Context) *culture.Account { return culture.AccountFromContext(ctx) }

// maxBody bounds request bodies.
const maxBody = 64 << 10

// writeJSON encodes v into a buffer, then writes the status and the body.
func (a *API) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		a.writeError(w, r, fmt.Errorf("encode %T: %w", v, err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

// decodeJSON reads a JSON body of at most maxBody bytes into dst: the
// content type must be application/json, unknown fields and trailing data
// are refused. Errors are domain errors ready for writeError.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	if err := checkContentType(r); err != nil {
		return err
	}
	if r.ContentLength > maxBody {
		return errTooLarge
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if err := dec.Decode(&struct{}{}); err != io.EOF {
		return trailingError(err)
	}
	return nil
}

// hasBody reports whether the request carries a body at all.
func hasBody(r *http.Request) bool {
	return r.ContentLength > 0 || (r.ContentLength < 0 && r.Body != nil && r.Body != http.NoBody)
}

// checkContentType requires application/json (in UTF-8, the only charset
// JSON allows).
func checkContentType(r *http.Request) error {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return errMediaType
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return errMediaType
	}
	return nil
}

// trailingError explains data after the JSON value: more JSON, or bytes
// that run past the size limit.
func trailingError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return errTooLarge
	}
	return errBadJSON
}

// decodeError turns a JSON decoding error into a domain error naming the
// field at fault where the decoder tells it.
func decodeError(err error) error {
	var tooLarge *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooLarge):
		return errTooLarge
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return culture.Invalid(typeErr.Field, "字段 "+typeErr.Field+" 的类型不正确。")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := clip(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), 40)
		return culture.Invalid(name, "不支持的字段 "+name+"。")
	}
	return errBadJSON
}

// clip shortens s to at most n runes, so that echoed input stays short.
func clip(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i] + "…"
		}
		n--
	}
	return s
}
