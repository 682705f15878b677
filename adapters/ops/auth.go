package ops

import (
	"net/http"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/core"
)

// The session cookie and the header of its CSRF token.
const (
	cookieSession = "vg_session"
	cookiePath    = "/ops"
	headerCSRF    = "X-CSRF-Token"
)

// authenticate finds who is asking: "Authorization: Bearer <API token>" when the header is
// there (no CSRF token: a script's header is not sent by a browser on its own), else the session
// cookie, and then an unsafe method needs the session's CSRF token in X-CSRF-Token (compared in
// constant time by backoffice.Session.CheckCSRF). Neither is
// 401 with WWW-Authenticate. Credentials are never logged.
func (s *Server) authenticate(x *exchange) error {
	ctx := x.r.Context()
	if header := x.r.Header.Get("Authorization"); header != "" {
		token, ok := bearer(header)
		if !ok {
			return core.Errorf(core.CodeUnauthorized, reasonInvalidAuthorization, `the Authorization header must be "Bearer <API token>"`)
		}
		a, err := s.cfg.Tokens.TokenActor(ctx, token, x.from())
		if err != nil {
			return err
		}
		x.actor = a
		return nil
	}
	c, err := x.r.Cookie(cookieSession)
	if err != nil || c.Value == "" {
		return core.Errorf(core.CodeUnauthorized, reasonMissingCredentials,
			"sign in (POST /ops/v1/session) or send \"Authorization: Bearer <API token>\"")
	}
	a, sess, err := s.cfg.Sessions.SessionActor(ctx, c.Value, x.from())
	if err != nil {
		return err
	}
	x.actor, x.session = a, true
	if !unsafeMethod(x.r.Method) {
		return nil
	}
	got := x.r.Header.Get(headerCSRF)
	switch {
	case got == "":
		return core.Errorf(core.CodeForbidden, reasonCSRFMissing, "a change made by a session needs the session's CSRF token in %s", headerCSRF)
	case !sess.CheckCSRF(got):
		return core.Errorf(core.CodeForbidden, reasonCSRFMismatch, "%s is not this session's CSRF token", headerCSRF)
	}
	return nil
}

// unsafeMethod reports whether a method may change something (RFC 9110 §9.2.1): it needs the
// CSRF token when the caller came by cookie.
func unsafeMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return false
	}
	return true
}

// bearer returns the credentials of an "Authorization: Bearer <token>" header.
var bearer = httpkit.Bearer

// sessionCookie is the cookie of a session token: the browser sends it to /ops only, never to
// scripts (HttpOnly) nor from another site (SameSite=Strict), and over TLS only when the
// sign-in came over TLS. A zero maxAge lasts as long as the browser, the server deciding when
// the session ends; a negative one deletes the cookie.
func sessionCookie(r *http.Request, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: cookieSession, Value: value, Path: cookiePath, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil}
}
