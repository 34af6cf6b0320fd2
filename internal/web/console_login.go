package web

import (
	"net/http"
	"strings"

	"github.com/wenyun/wenyun/internal/culture"
)

// errNoConsole refuses signed-in accounts without any grant.
var errNoConsole = culture.Errorf(culture.EFORBIDDEN, "您没有工作台权限。")

// errBadLogin is the one answer to a wrong username or password, so that
// it does not tell which of the two was wrong.
const errBadLogin = "用户名或密码错误"

// consoleUserBurst is how many sign-in attempts a username gets before
// it is limited to one a minute.
const consoleUserBurst = 5

// consoleLoginPage is the data of the staff sign-in page.
type consoleLoginPage struct {
	Page
	Username string
	Error    string
}

// staffOnly lets only signed-in staff through: visitors are sent to sign
// in, residents get 403.
func (s *Server) staffOnly(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		acc := culture.AccountFromContext(r.Context())
		switch {
		case acc == nil && r.Method == http.MethodGet:
			s.requireLogin(w, r)
		case acc == nil:
			redirect(w, r, "/console/login")
		case !acc.IsStaff():
			s.error(w, r, errNoConsole)
		default:
			next(w, r)
		}
	})
}

// consoleAccount returns the signed-in staff account; staffOnly has made
// sure there is one.
func consoleAccount(r *http.Request) *culture.Account {
	return culture.AccountFromContext(r.Context())
}

func (s *Server) handleConsoleLogin(w http.ResponseWriter, r *http.Request) {
	if culture.AccountFromContext(r.Context()).IsStaff() {
		http.Redirect(w, r, "/console", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "console_login", "", consoleLoginPage{Page: s.page(r, "工作台登录")})
}

func (s *Server) handleConsoleLoginPost(w http.ResponseWriter, r *http.Request) {
	if !s.consoleParseForm(w, r) {
		return
	}
	data := consoleLoginPage{Page: s.page(r, "工作台登录"), Username: strings.TrimSpace(r.PostForm.Get("username"))}
	if !s.loginLimit.Allow(s.clientIP(r)) {
		data.Error = "登录尝试过于频繁，请稍后再试。"
		s.render(w, r, http.StatusTooManyRequests, "console_login", "", data)
		return
	}
	// Every attempt on a username takes a token (whether the account
	// exists or not, so the refusal tells nothing); a success gives them
	// back. Guessing one staff password is thus slow from any number of
	// addresses.
	user := strings.ToLower(data.Username)
	if len(user) > 64 {
		user = user[:64] // no username is this long: keep the keys small
	}
	if !s.userLimit.Allow(user) {
		data.Error = "尝试次数过多，请稍后再试。"
		s.render(w, r, http.StatusTooManyRequests, "console_login", "", data)
		return
	}
	var acc *culture.Account
	var err error = culture.ErrUnauthorized // a username no account can have
	if consoleCleanText(data.Username) {
		acc, err = s.Accounts.Authenticate(r.Context(), data.Username, r.PostForm.Get("password"))
	}
	if err == nil {
		s.userLimit.Forget(user)
	}
	if code := culture.ErrorCode(err); code == culture.EINTERNAL {
		s.serverError(w, r, err)
		return
	} else if code == culture.ETOOMANY {
		data.Error = culture.ErrorMessage(err)
		s.render(w, r, http.StatusTooManyRequests, "console_login", "", data)
		return
	} else if err != nil {
		data.Error = errBadLogin
		s.render(w, r, http.StatusUnauthorized, "console_login", "", data)
		return
	}
	next, err := s.signIn(r, acc, "/console")
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	redirect(w, r, next)
}
