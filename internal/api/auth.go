package api

import (
	"net/http"

	"github.com/wenyun/wenyun/internal/culture"
)

// codeTTL is how long a sign-in code stays valid, in seconds (the store's
// expiry).
const codeTTL = 300

// codeRequest asks for a sign-in code.
type codeRequest struct {
	Phone string `json:"phone"`
}

// codeReply says a code was sent.
type codeReply struct {
	Sent      bool `json:"sent"`
	ExpiresIn int  `json:"expires_in"`
}

// tokenRequest exchanges a sign-in code for a bearer token.
type tokenRequest struct {
	Phone string `json:"phone"`
	Code  string `json:"code"`
}

// tokenReply carries a new bearer token and its account.
type tokenReply struct {
	Token     string      `json:"token"`
	TokenType string      `json:"token_type"`
	Account   accountJSON `json:"account"`
}

// handleAuthCode sends a one-time sign-in code by SMS.
func (a *API) handleAuthCode(w http.ResponseWriter, r *http.Request) {
	if !a.codeLimit.Allow(a.clientIP(r)) {
		a.writeError(w, r, errTooMany)
		return
	}
	var req codeRequest
	if err := decodeJSON(w, r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := culture.CheckPhone(req.Phone); err != nil {
		a.writeError(w, r, err)
		return
	}
	code, err := a.accounts.CreateLoginCode(r.Context(), req.Phone)
	if err == nil {
		err = a.sms.SendCode(r.Context(), req.Phone, code)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, codeReply{Sent: true, ExpiresIn: codeTTL})
}

// handleAuthToken checks a sign-in code and issues a bearer token.
func (a *API) handleAuthToken(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if !a.tokenLimit.Allow(a.clientIP(r)) {
		a.writeError(w, r, errTooMany)
		return
	}
	var req tokenRequest
	if err := decodeJSON(w, r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	acct, err := a.accounts.ConsumeLoginCode(r.Context(), req.Phone, req.Code)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	token, err := a.accounts.CreateToken(r.Context(), acct.ID, "api")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, tokenReply{Token: token, TokenType: "Bearer", Account: newAccountJSON(acct)})
}
