package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/wenyun/wenyun/internal/culture"
)

// loginPage is the data of the phone form and of the code form.
type loginPage struct {
	Page
	Phone string
	Error string
}

// MaskedPhone is the phone shown on the code form.
func (p *loginPage) MaskedPhone() string { return culture.MaskPhone(p.Phone) }

var (
	errSlowDown   = culture.Errorf(culture.ETOOMANY, "操作过于频繁，请稍后再试。")
	errBadCode    = culture.Invalid("code", "请输入短信中的 6 位数字验证码。")
	errSMSFailure = "短信发送失败，请稍后再试。"
	codeRE        = regexp.MustCompile(`^\d{6}$`)
)

// handleLoginForm asks for the mobile number. ?next= is where to go after.
func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	if next := r.URL.Query().Get("next"); localPath(next) {
		s.sessions.Put(r.Context(), "after_login", next)
	}
	s.render(w, r, http.StatusOK, "login", "", &loginPage{Page: s.page(r, "登录")})
}

// handleLoginCode sends a sign-in code by SMS, then asks for it.
func (s *Server) handleLoginCode(w http.ResponseWriter, r *http.Request) {
	if !s.readForm(w, r) {
		return
	}
	phone := normalizePhone(r.PostForm.Get("phone"))
	data := loginPage{Page: s.page(r, "登录"), Phone: phone}
	err := culture.CheckPhone(phone)
	if err == nil && !s.codeLimit.Allow(s.clientIP(r)) {
		err = errSlowDown
	}
	var code string
	if err == nil {
		code, err = s.Accounts.CreateLoginCode(r.Context(), phone)
	}
	if err != nil {
		s.renderLogin(w, r, "login", data, err)
		return
	}
	if err := s.SMS.SendCode(r.Context(), phone, code); err != nil {
		s.Logger.ErrorContext(r.Context(), "send sms code", "phone", culture.MaskPhone(phone), "err", err)
		data.Error = errSMSFailure
		s.render(w, r, http.StatusServiceUnavailable, "login", "", &data)
		return
	}
	s.flash(r, "验证码已发送至 "+culture.MaskPhone(phone)+"。")
	redirect(w, r, "/login/verify?phone="+url.QueryEscape(phone))
}

// handleLoginVerifyForm asks for the code sent to ?phone=.
func (s *Server) handleLoginVerifyForm(w http.ResponseWriter, r *http.Request) {
	phone := r.URL.Query().Get("phone")
	if !culture.ValidPhone(phone) {
		redirect(w, r, "/login")
		return
	}
	s.render(w, r, http.StatusOK, "login_verify", "", &loginPage{Page: s.page(r, "输入验证码"), Phone: phone})
}

// handleLogin checks the code and signs the resident in.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	if !s.readForm(w, r) {
		return
	}
	phone, code := normalizePhone(r.PostForm.Get("phone")), strings.TrimSpace(r.PostForm.Get("code"))
	data := loginPage{Page: s.page(r, "输入验证码"), Phone: phone}
	if err := culture.CheckPhone(phone); err != nil {
		data.Phone = ""
		s.renderLogin(w, r, "login", data, err)
		return
	}
	acct, err := s.consumeCode(r, phone, code)
	if err != nil {
		s.renderLogin(w, r, "login_verify", data, err)
		return
	}
	s.finishLogin(w, r, acct)
}

// consumeCode checks the per-IP attempt limit and the code's shape, then
// the code itself.
func (s *Server) consumeCode(r *http.Request, phone, code string) (*culture.Account, error) {
	if !s.loginLimit.Allow(s.clientIP(r)) {
		return nil, errSlowDown
	} else if !codeRE.MatchString(code) {
		return nil, errBadCode
	}
	return s.Accounts.ConsumeLoginCode(r.Context(), phone, code)
}

// finishLogin starts the session and goes where the resident was heading.
func (s *Server) finishLogin(w http.ResponseWriter, r *http.Request, acct *culture.Account) {
	next, err := s.signIn(r, acct, "/me/tickets")
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, "登录成功。")
	redirect(w, r, next)
}

// renderLogin shows a sign-in form again with err's message and status.
func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, page string, data loginPage, err error) {
	code := culture.ErrorCode(err)
	if code == culture.EINTERNAL {
		s.serverError(w, r, err)
		return
	}
	data.Error = culture.ErrorMessage(err)
	s.render(w, r, statusOf[code], page, "", &data)
}

// handleLogout ends the session.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if err := s.sessions.Destroy(r.Context()); err != nil {
		s.serverError(w, r, err)
		return
	}
	redirect(w, r, "/")
}

// normalizePhone drops spaces, dashes and a +86 prefix people often type.
func normalizePhone(s string) string {
	s = strings.NewReplacer(" ", "", "-", "", "\u00a0", "").Replace(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "+86")
	if len(s) == 13 && strings.HasPrefix(s, "86") {
		s = s[2:]
	}
	return s
}
