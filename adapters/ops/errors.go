package ops

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

// problem is an RFC 9457 problem details object with core's code and reason, the field at fault
// and, for 403, the permission needed, as extension members.
type problem struct {
	Type       string                `json:"type"`
	Title      string                `json:"title"`
	Status     int                   `json:"status"`
	Detail     string                `json:"detail,omitempty"`
	Code       core.Code             `json:"code"`
	Reason     core.Reason           `json:"reason"`
	Field      string                `json:"field,omitempty"`
	Permission backoffice.Permission `json:"permission,omitempty"`
	RequestID  string                `json:"request_id,omitempty"`

	cause error // for the log line of internal errors; never sent
}

// errStatus is an error this adapter answers with a status core has no code for (405).
type errStatus struct {
	status int
	err    *core.Error
}

func (e *errStatus) Error() string { return e.err.Error() }
func (e *errStatus) Unwrap() error { return e.err }

// badParam is the invalid error of a query or path parameter.
func badParam(name, format string, args ...any) error {
	return core.Errorf(core.CodeInvalid, reasonInvalidParameter, format, args...).OnField(name)
}

// badField is the invalid error of a body field whose value has the wrong form.
func badField(name, format string, args ...any) error {
	return core.Errorf(core.CodeInvalid, httpkit.ReasonWrongType, format, args...).OnField(name)
}

// toProblem turns any error a handler returns into the problem to answer. Only a core error's
// message reaches the answer; anything else is internal, and its text stays in the log.
func toProblem(err error) problem {
	var (
		se     *httpkit.StatusError
		es     *errStatus
		e      *core.Error
		status int
	)
	switch {
	case errors.As(err, &se):
		e, status = se.Err, se.Status
	case errors.As(err, &es):
		e, status = es.err, es.status
	case errors.As(err, &e):
	default:
		e = core.Internal(err, "internal error")
	}
	if status == 0 {
		if status = httpkit.StatusOf[e.Code]; status == 0 {
			// A code outside core's closed set is a bug: answer as internal.
			e, status = core.Internal(err, "internal error"), http.StatusInternalServerError
		}
	}
	reason := e.Reason
	if reason == "" {
		reason = core.Reason(e.Code)
	}
	p := problem{
		Type:   httpkit.ProblemTypeBase + string(reason),
		Title:  httpkit.Title(reason),
		Status: status,
		Detail: e.Message,
		Code:   e.Code,
		Reason: reason,
		Field:  e.Field,
	}
	if e.Code == core.CodeForbidden {
		p.Permission, _ = backoffice.DeniedPermission(err)
	}
	if e.Code == core.CodeInternal {
		p.cause = err
		p.Detail = "internal error"
	}
	return p
}

// writeProblem answers p, with the headers its status asks for.
func (s *Server) writeProblem(w http.ResponseWriter, p *problem) {
	h := w.Header()
	switch p.Status {
	case http.StatusUnauthorized:
		challenge := `Bearer realm="vendgate-ops"`
		switch p.Reason { // credentials sent and refused (RFC 6750 §3.1); not a failed sign-in
		case reasonInvalidAuthorization, backoffice.ReasonSessionInvalid, backoffice.ReasonSessionExpired,
			backoffice.ReasonTokenInvalid, backoffice.ReasonTokenExpired:
			challenge += `, error="invalid_token"`
		}
		h.Set("WWW-Authenticate", challenge)
	case http.StatusServiceUnavailable:
		h.Set("Retry-After", strconv.Itoa(int(s.retryAfter.Seconds())))
	}
	h.Set("Content-Type", httpkit.MimeProblem)
	h.Del("Content-Disposition")
	w.WriteHeader(p.Status)
	b, _ := json.Marshal(p) // strings and integers: it cannot fail
	_, _ = w.Write(b)
}
