package rest

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/core"
)

// statusOf is the one table from core's error codes to HTTP status, shared with the operator API
// (httpkit.StatusOf says why invalid is 400 and insufficient funds 402).
var statusOf = httpkit.StatusOf

// problemTypeBase prefixes a problem's reason to make its type URI.
const problemTypeBase = httpkit.ProblemTypeBase

// requestError is a problem this adapter finds before core sees the request. It carries a core
// error, so code and reason stay in core's vocabulary, the field or parameter at fault, and a
// status only for the transport problems core has no code for (405; 413 and 415 are httpkit.StatusError).
type requestError struct {
	err    *core.Error
	field  string
	status int // 0: statusOf the code
}

func (e *requestError) Error() string { return e.err.Error() }
func (e *requestError) Unwrap() error { return e.err }

// badRequest returns an invalid-request error naming the field or parameter at fault.
func badRequest(field string, reason core.Reason, format string, args ...any) error {
	return &requestError{err: core.Errorf(core.CodeInvalid, reason, format, args...), field: field}
}

// problem is an RFC 9457 problem details object with core's code and reason as extension members.
type problem struct {
	Type      string      `json:"type"`
	Title     string      `json:"title"`
	Status    int         `json:"status"`
	Detail    string      `json:"detail,omitempty"`
	Code      core.Code   `json:"code"`
	Reason    core.Reason `json:"reason"`
	Field     string      `json:"field,omitempty"`
	RequestID string      `json:"request_id,omitempty"`

	cause error // for the log line of internal and unavailable errors; never sent
}

// toProblem turns any error a handler returns into the problem to answer.
func toProblem(err error) problem {
	var (
		se     *httpkit.StatusError
		re     *requestError
		ce     *core.Error
		coder  echo.HTTPStatusCoder
		e      *core.Error
		status int
		field  string
	)
	switch {
	case errors.As(err, &se):
		e, status = se.Err, se.Status
	case errors.As(err, &re):
		e, field, status = re.err, re.field, re.status
	case errors.As(err, &ce):
		e, field = ce, ce.Field
	case errors.As(err, &coder):
		e, status = echoError(coder.StatusCode(), err)
	default:
		e = core.Internal(err, "internal error")
	}
	if status == 0 {
		if status = statusOf[e.Code]; status == 0 {
			// A code outside core's closed set is a bug: answer as internal.
			e, status = core.Internal(err, "internal error"), http.StatusInternalServerError
		}
	}
	reason := e.Reason
	if reason == "" {
		reason = core.Reason(e.Code)
	}
	p := problem{
		Type:   problemTypeBase + string(reason),
		Title:  title(reason),
		Status: status,
		Detail: e.Message,
		Code:   e.Code,
		Reason: reason,
		Field:  field,
	}
	if e.Code == core.CodeInternal || e.Code == core.CodeUnavailable {
		p.cause = err
	}
	return p
}

// echoError names the errors echo itself returns: no route, no such method on a route, and any
// other status it may produce.
func echoError(status int, err error) (*core.Error, int) {
	switch {
	case status == http.StatusNotFound:
		return core.Errorf(core.CodeNotFound, reasonRouteNotFound, "no route matches the request"), status
	case status == http.StatusMethodNotAllowed:
		return core.Errorf(core.CodeInvalid, reasonMethodNotAllowed, "the route does not take this method"), status
	case status == http.StatusRequestEntityTooLarge:
		return core.Errorf(core.CodeInvalid, reasonBodyTooLarge, "the request body is too large"), status
	case status >= 400 && status < 500:
		reason := core.Reason(strings.ReplaceAll(strings.ToLower(http.StatusText(status)), " ", "_"))
		if reason == "" {
			reason = core.Reason("http_" + strconv.Itoa(status))
		}
		return core.Errorf(core.CodeInvalid, reason, "%s", http.StatusText(status)), status
	}
	return core.Internal(err, "internal error"), http.StatusInternalServerError
}

// title makes a problem type's title from its reason: "meter_blocked" is "Meter blocked".
var title = httpkit.Title

// handleError is echo's HTTPErrorHandler: it answers err as a problem, unless a response has
// been sent already, and keeps the problem for the request's log line.
func (s *Server) handleError(c *echo.Context, err error) {
	p := toProblem(err)
	p.RequestID = requestID(c)
	c.Set(ctxProblem, &p)
	if resp, _ := echo.UnwrapResponse(c.Response()); resp != nil && resp.Committed {
		return
	}
	h := c.Response().Header()
	switch p.Status {
	case http.StatusUnauthorized:
		challenge := `Bearer realm="vendgate"`
		if p.Reason != core.ReasonMissingAPIKey {
			challenge += `, error="invalid_token"`
		}
		h.Set("WWW-Authenticate", challenge)
	case http.StatusServiceUnavailable:
		h.Set("Retry-After", strconv.Itoa(int(s.retryAfter.Seconds())))
	}
	b, _ := json.Marshal(p) // strings and integers: it cannot fail
	_ = c.Blob(p.Status, mimeProblem, b)
}

const mimeProblem = httpkit.MimeProblem
