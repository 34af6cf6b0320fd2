package web

import (
	"net/http"

	"github.com/wenyun/wenyun/internal/culture"
)

// statusOf maps domain error codes to HTTP statuses, in one place.
var statusOf = map[string]int{
	culture.EINVALID:      http.StatusUnprocessableEntity,
	culture.EUNAUTHORIZED: http.StatusUnauthorized,
	culture.EFORBIDDEN:    http.StatusForbidden,
	culture.ENOTFOUND:     http.StatusNotFound,
	culture.ECONFLICT:     http.StatusConflict,
	culture.ETOOMANY:      http.StatusTooManyRequests,
	culture.EINTERNAL:     http.StatusInternalServerError,
}

// errorPage is the data of the error page.
type errorPage struct {
	Page
	Status  int
	Message string
}

// error renders err as a page: its user-safe message and mapped status.
// Internal errors are logged here, once, and shown as a generic message.
func (s *Server) error(w http.ResponseWriter, r *http.Request, err error) {
	code := culture.ErrorCode(err)
	if code == culture.EINTERNAL {
		s.serverError(w, r, err)
		return
	}
	if code == culture.EUNAUTHORIZED && r.Method == http.MethodGet {
		s.requireLogin(w, r)
		return
	}
	status := statusOf[code]
	s.render(w, r, status, "error", "", errorPage{
		Page: s.page(r, "出错了"), Status: status, Message: culture.ErrorMessage(err),
	})
}

// serverError logs err and answers 500 without using templates, which may
// be what failed.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	s.Logger.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", logPath(r), "err", err)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	w.Write([]byte(`<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>系统错误</title>` +
		`<p>系统内部错误，请稍后再试。</p><p><a href="/">返回首页</a></p></html>`))
}

// notFound renders the 404 page.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.error(w, r, culture.Errorf(culture.ENOTFOUND, "页面不存在。"))
}

// methodNotAllowed renders the 405 page; the caller sets Allow.
func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusMethodNotAllowed, "error", "", errorPage{
		Page: s.page(r, "出错了"), Status: http.StatusMethodNotAllowed, Message: "不支持该请求方式。",
	})
}

// requireLogin sends the visitor to sign in, then back to where they were.
func (s *Server) requireLogin(w http.ResponseWriter, r *http.Request) {
	to := "/login"
	if len(r.URL.Path) >= 8 && r.URL.Path[:8] == "/console" {
		to = "/console/login"
	}
	s.sessions.Put(r.Context(), "after_login", r.URL.RequestURI())
	redirect(w, r, to)
}
