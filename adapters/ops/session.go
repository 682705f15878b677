package ops

import (
	"net/http"
	"time"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/backoffice"
)

// sessionJSON is the answer to a sign-in: the CSRF token the console sends back in X-CSRF-Token,
// who signed in and until when the session lasts unless it is used. The session token itself is
// only in the cookie.
type sessionJSON struct {
	CSRFToken string                  `json:"csrf_token"`
	Operator  backoffice.OperatorView `json:"operator"`
	ExpiresAt time.Time               `json:"expires_at"`
}

// openSession is POST /ops/v1/session: {username, password, code} signs an operator in; the
// answer sets the vg_session cookie. A wrong username, password or code is one 401.
func (s *Server) openSession(x *exchange) error {
	var in backoffice.SignInRequest
	if err := x.decode(s, "a sign-in",
		httpkit.Required("username", &in.Username, "a string"),
		httpkit.Required("password", &in.Password, "a string"),
		httpkit.Optional("code", &in.Code, "a string (the six digits of the authenticator app)"),
	); err != nil {
		return err
	}
	in.Via, in.From = "session", x.from()
	g, err := s.cfg.Sessions.OpenSession(x.r.Context(), in)
	if err != nil {
		return err
	}
	http.SetCookie(x.w, sessionCookie(x.r, g.Token, 0))
	return x.json(http.StatusCreated, sessionJSON{CSRFToken: g.CSRF, Operator: g.Operator, ExpiresAt: g.ExpiresAt.UTC()})
}

// closeSession is DELETE /ops/v1/session: the session ends on the server, and the cookie is
// deleted.
func (s *Server) closeSession(x *exchange) error {
	if err := s.cfg.Sessions.CloseSession(x.r.Context(), x.actor); err != nil {
		return err
	}
	http.SetCookie(x.w, sessionCookie(x.r, "", -1))
	return x.noContent()
}

// operatorSessions is GET /ops/v1/operators/{id}/sessions: the operator's open sessions, newest
// first (one's own, or anyone's in one's utility with operators.manage).
func (s *Server) operatorSessions(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	list, err := s.cfg.Sessions.Sessions(x.r.Context(), x.actor, id)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, page[backoffice.SessionView]{Items: nonNil(list)})
}

// revokedJSON says how many sessions a revocation ended.
type revokedJSON struct {
	Revoked int `json:"revoked"`
}

// revokeSessions is DELETE /ops/v1/operators/{id}/sessions: every open session of the operator
// ends.
func (s *Server) revokeSessions(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	n, err := s.cfg.Sessions.RevokeSessions(x.r.Context(), x.actor, id)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, revokedJSON{Revoked: n})
}
