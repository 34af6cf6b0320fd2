// Package web serves the resident pages and the staff console: html/template
// rendered on the server, htmx for partial updates, sessions in the database.
package web

import (
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/limit"
	"github.com/wenyun/wenyun/internal/obs"
	"github.com/wenyun/wenyun/internal/sms"
)

// Config holds what the web server needs; cmd wires it.
type Config struct {
	Units      culture.UnitService
	Accounts   culture.AccountService
	Activities culture.ActivityService
	Bookings   culture.BookingService
	// Lotteries shows lottery results (GET /activities/{id}/lottery).
	Lotteries culture.LotteryService
	// Grab serves waiting-list offers, no-show records, waivers and counter
	// booking; optional (those pages answer 404 without it).
	Grab culture.GrabService
	// Menu serves the culture menu, orders, deliveries, ratings and series
	// follows; Images serves uploaded pictures (/media/{id}). Optional: the
	// menu pages answer 404 without them.
	Menu   culture.MenuService
	Images culture.ImageService
	// Issue 5: the inbox and preferences, communities and announcements,
	// news, rating moderation. Optional: their pages answer 404 without.
	Notifications culture.NotificationService
	Communities   culture.CommunityService
	News          culture.NewsService
	Moderation    culture.RatingModeration
	// Issue 6: dashboards and reports, iCalendar feeds, webhooks.
	// Optional: their pages answer 404 without.
	Stats    culture.StatsService
	Feeds    culture.FeedService
	Webhooks culture.WebhookService
	// Sessions stores session data (sqlstore's SessionStore).
	Sessions scs.Store
	SMS      sms.Sender
	Logger   *slog.Logger
	// Secure marks cookies Secure (behind TLS).
	Secure bool
	// PublicURL is the site's address as residents reach it
	// (--public-url, such as https://wenyun.example.cn): calendar feeds
	// build their links and UIDs from it. When empty they fall back to the
	// address each request reached (see feedSite).
	PublicURL string
	// TemplateDir, when set, makes templates load from disk on every
	// request (development hot reload); production uses the embedded files.
	TemplateDir string
	Now         func() time.Time
	// FairWindow is the booking engine's fair-start window: in it the
	// activity page says "正在排队" while a booking request waits.
	FairWindow time.Duration
	// ClientIP returns the address rate limits key on (sign-in codes and
	// sign-ins). The default is the peer's address; cmd sets a
	// clientip.Resolver's IP so that trusted proxies are seen through.
	ClientIP func(r *http.Request) string
}

// Server is the HTTP front end. Handlers are methods on it.
type Server struct {
	Config
	sessions *scs.SessionManager
	pages    *pageSet
	static   *assets
	// codeLimit and loginLimit blunt floods per client IP; the per-phone
	// throttle lives in the database so it holds across processes.
	codeLimit  *limit.Keyed
	loginLimit *limit.Keyed
	// userLimit counts console sign-in attempts per lower-cased username
	// (a success forgets them): 5, then one a minute, from any address.
	// Like the others it is held in memory, per process.
	userLimit *limit.Keyed
}

// New returns a server with every template parsed; a template error is
// returned, so a broken build never starts.
func New(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if _, _, err := publicSite(cfg.PublicURL); cfg.PublicURL != "" && err != nil {
		return nil, err
	}
	s := &Server{
		Config:     cfg,
		codeLimit:  limit.New(6*time.Minute, 10),
		loginLimit: limit.New(time.Minute, 20),
		userLimit:  limit.New(time.Minute, consoleUserBurst),
	}
	s.sessions = newSessionManager(cfg.Sessions, cfg.Secure)
	var tfs fs.FS = embedded
	if cfg.TemplateDir != "" {
		tfs = os.DirFS(cfg.TemplateDir)
	}
	var err error
	if s.pages, err = parsePages(tfs, cfg.TemplateDir != "", s.withConsoleMenuFuncs(s.funcs())); err != nil {
		return nil, err
	}
	if s.static, err = newAssets(embedded); err != nil {
		return nil, err
	}
	return s, nil
}

func newSessionManager(store scs.Store, secure bool) *scs.SessionManager {
	sm := scs.New()
	if store != nil {
		sm.Store = store
	}
	sm.Lifetime = 30 * 24 * time.Hour
	sm.IdleTimeout = 7 * 24 * time.Hour
	sm.Cookie.Name = "wenyun_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = secure
	return sm
}

// Handler returns the web application with its middleware.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.routes(mux)
	s.consoleRoutes(mux)
	// RecordRoute labels metrics with the page's own pattern rather than
	// the "/" under which cmd mounts the whole web handler.
	app := s.middleware(obs.RecordRoute(s.checkMethod(mux)))
	// Static files and images need no session or account: served in front of that
	// middleware, each saves a session read and an account query.
	files := http.NewServeMux()
	s.fileRoutes(files)
	static := obs.RecordRoute(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isFileRequest(r) {
			static.ServeHTTP(w, r)
			return
		}
		app.ServeHTTP(w, r)
	})
}
