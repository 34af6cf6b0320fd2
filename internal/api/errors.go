package api

import (
	"errors"
	"net/http"

	"github.com/wenyun/wenyun/internal/culture"
)

// Error codes of the API's own refusals, beside the domain codes.
const (
	codeMediaType        = "unsupported_media_type"
	codeTooLarge         = "request_too_large"
	codeMethodNotAllowed = "method_not_allowed"
)

// statusByCode maps every error code to its HTTP status: the one table.
// A code missing here is answered as an internal error.
var statusByCode = map[string]int{
	culture.EINVALID:      http.StatusBadRequest,
	culture.EUNAUTHORIZED: http.StatusUnauthorized,
	culture.EFORBIDDEN:    http.StatusForbidden,
	culture.ENOTFOUND:     http.StatusNotFound,
	codeMethodNotAllowed:  http.StatusMethodNotAllowed,
	culture.ECONFLICT:     http.StatusConflict,
	codeTooLarge:          http.StatusRequestEntityTooLarge,
	codeMediaType:         http.StatusUnsupportedMediaType,
	culture.ETOOMANY:      http.StatusTooManyRequests,
	culture.EINTERNAL:     http.StatusInternalServerError,
}

// internalMessage is all a client learns of an internal error.
const internalMessage = "系统内部错误，请稍后再试。"

// Refusals of the API layer itself.
var (
	errBadJSON          = culture.Errorf(culture.EINVALID, "请求体不是有效的 JSON。")
	errMediaType        = culture.Errorf(codeMediaType, "请求体须为 JSON（Content-Type: application/json）。")
	errTooLarge         = culture.Errorf(codeTooLarge, "请求体过大（最多 64 KiB）。")
	errMethodNotAllowed = culture.Errorf(codeMethodNotAllowed, "该地址不支持此请求方法。")
	errNoRoute          = culture.Errorf(culture.ENOTFOUND, "请求的地址不存在。")
	errTooMany          = culture.Errorf(culture.ETOOMANY, "请求过于频繁，请稍后再试。")
	errPanic            = culture.Errorf(culture.EINTERNAL, internalMessage)
)

// errorBody is the shape of every error reply.
type errorBody struct {
	Error errorJSON `json:"error"`
}

type errorJSON struct {
	// Code is the domain reason when set (sold_out), else the error code.
	Code    string `json:"code"`
	Message string `json:"message"`
	// Field names the request field at fault, for invalid input.
	Field string `json:"field,omitempty"`
}

// writeError writes err as an error reply. Errors that are not domain
// errors, or carry an unknown code, are logged and shown as internal.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := culture.ErrorCode(err)
	status, ok := statusByCode[code]
	if !ok || code == culture.EINTERNAL {
		if err != errPanic {
			a.log.ErrorContext(r.Context(), "api error", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		status, code = http.StatusInternalServerError, culture.EINTERNAL
		err = errPanic
	}
	body := errorJSON{Code: code, Message: culture.ErrorMessage(err), Field: fieldOf(err)}
	if reason := culture.ErrorReason(err); reason != "" {
		body.Code = reason
	}
	switch status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="wenyun"`)
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", "60")
	}
	a.writeJSON(w, r, status, errorBody{Error: body})
}

// fieldOf returns the field named by a domain error, or "".
func fieldOf(err error) string {
	var e *culture.Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// notFound returns an ENOTFOUND error with the message.
func notFound(message string) error { return culture.Errorf(culture.ENOTFOUND, "%s", message) }
