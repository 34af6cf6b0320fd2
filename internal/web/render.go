package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// Page is the data every page shares; each page's data struct embeds it.
type Page struct {
	Title   string
	Account *culture.Account
	Flash   string
	// Path is the request path, for marking the current navigation item.
	Path string
	// LargeText turns on the large-text mode older residents can choose.
	LargeText bool
	// Console is true on staff console pages (different navigation).
	Console bool
	Now     time.Time
	// Unread counts the signed-in account's unread notifications, for the
	// header.
	Unread int
}

// IsStaff reports whether the signed-in account holds a grant.
func (p Page) IsStaff() bool { return p.Account.IsStaff() }

// pageSet holds one template per page: the layout, every partial and the
// page itself, parsed together.
type pageSet struct {
	mu     sync.Mutex
	fsys   fs.FS
	reload bool
	funcs  template.FuncMap
	pages  map[string]*template.Template
}

func parsePages(fsys fs.FS, reload bool, funcs template.FuncMap) (*pageSet, error) {
	ps := &pageSet{fsys: fsys, reload: reload, funcs: funcs}
	return ps, ps.load()
}

func (ps *pageSet) load() error {
	names, err := fs.Glob(ps.fsys, "templates/pages/*.html")
	if err != nil {
		return err
	}
	pages := map[string]*template.Template{}
	for _, name := range names {
		t, err := template.New("layout.html").Funcs(ps.funcs).ParseFS(ps.fsys,
			"templates/layout.html", "templates/partials/*.html", name)
		if err != nil {
			return fmt.Errorf("template %s: %w", name, err)
		}
		pages[strings.TrimSuffix(path.Base(name), ".html")] = t
	}
	ps.mu.Lock()
	ps.pages = pages
	ps.mu.Unlock()
	return nil
}

func (ps *pageSet) get(name string) (*template.Template, error) {
	if ps.reload {
		if err := ps.load(); err != nil {
			return nil, err
		}
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	t, ok := ps.pages[name]
	if !ok {
		return nil, fmt.Errorf("no page template %q", name)
	}
	return t, nil
}

// render executes the page (or one of its blocks: for htmx partial
// responses) into a buffer, then writes status and body, so a template
// error never sends half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page, block string, data any) {
	t, err := s.pages.get(page)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if block == "" {
		block = "layout.html"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, data); err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

// page returns the shared page data for a request, taking the flash message.
func (s *Server) page(r *http.Request, title string) Page {
	return Page{
		Title:     title,
		Account:   culture.AccountFromContext(r.Context()),
		Flash:     s.sessions.PopString(r.Context(), "flash"),
		Path:      r.URL.Path,
		LargeText: s.sessions.GetBool(r.Context(), "large_text"),
		Console:   strings.HasPrefix(r.URL.Path, "/console"),
		Now:       s.Now(),
		Unread:    s.unread(r),
	}
}

// unread returns the signed-in account's unread notification count; 0
// when no one is signed in, without the notification service, or on error
// (the header must not fail a page).
func (s *Server) unread(r *http.Request) int {
	a := culture.AccountFromContext(r.Context())
	if a == nil || s.Notifications == nil {
		return 0
	}
	n, err := s.Notifications.UnreadCount(r.Context(), a.ID)
	if err != nil {
		return 0
	}
	return n
}

// flash stores a message shown on the next page.
func (s *Server) flash(r *http.Request, msg string) {
	s.sessions.Put(r.Context(), "flash", msg)
}

// redirect answers a form post with 303 See Other (or HX-Redirect for htmx).
func redirect(w http.ResponseWriter, r *http.Request, url string) {
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", url)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, url, http.StatusSeeOther)
}
