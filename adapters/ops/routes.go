package ops

import (
	"net/http"

	"github.com/vendgate/vendgate/core"
)

// access says who may call a route.
type access int

const (
	public   access = iota // anyone: signing in, the contract
	signedIn               // an operator by session cookie (with the CSRF token when unsafe) or API token
)

// route is one line of the table: a method, a path pattern in http.ServeMux's form (its
// {name} parameters are OpenAPI's too), who may call it and its handler.
type route struct {
	method  string
	pattern string
	access  access
	handle  func(x *exchange) error
}

// routes is the table of the operator API. openapi.json describes exactly these
// (TestOpenAPIMatchesRoutes). A new use case is one line here and its handler.
func (s *Server) routes() []route {
	const get, post, patch, del = http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete
	return []route{
		{get, "/ops/v1/openapi.json", public, s.openAPI},

		{post, "/ops/v1/session", public, s.openSession},
		{del, "/ops/v1/session", signedIn, s.closeSession},

		{get, "/ops/v1/me", signedIn, s.me},
		{post, "/ops/v1/me/password", signedIn, s.changePassword},
		{post, "/ops/v1/me/totp", signedIn, s.enrolTOTP},
		{post, "/ops/v1/me/totp/confirm", signedIn, s.confirmTOTP},

		{get, "/ops/v1/operators", signedIn, s.listOperators},
		{post, "/ops/v1/operators", signedIn, s.createOperator},
		{get, "/ops/v1/operators/{id}", signedIn, s.showOperator},
		{patch, "/ops/v1/operators/{id}", signedIn, s.updateOperator},
		{post, "/ops/v1/operators/{id}/deactivate", signedIn, s.operatorAction(s.cfg.Operators.DeactivateOperator)},
		{post, "/ops/v1/operators/{id}/reactivate", signedIn, s.operatorAction(s.cfg.Operators.ReactivateOperator)},
		{post, "/ops/v1/operators/{id}/unlock", signedIn, s.operatorAction(s.cfg.Operators.Unlock)},
		{post, "/ops/v1/operators/{id}/reset-totp", signedIn, s.operatorAction(s.cfg.Operators.ResetSecondFactor)},
		{post, "/ops/v1/operators/{id}/reset-password", signedIn, s.resetPassword},
		{get, "/ops/v1/operators/{id}/sessions", signedIn, s.operatorSessions},
		{del, "/ops/v1/operators/{id}/sessions", signedIn, s.revokeSessions},
		{get, "/ops/v1/operators/{id}/tokens", signedIn, s.operatorTokens},

		{get, "/ops/v1/tokens", signedIn, s.myTokens},
		{post, "/ops/v1/tokens", signedIn, s.issueToken},
		{del, "/ops/v1/tokens/{id}", signedIn, s.revokeToken},

		{get, "/ops/v1/roles", signedIn, s.listRoles},
		{post, "/ops/v1/roles", signedIn, s.createRole},
		{patch, "/ops/v1/roles/{name}", signedIn, s.updateRole},
		{post, "/ops/v1/roles/{name}/deactivate", signedIn, s.deactivateRole},

		{get, "/ops/v1/audit", signedIn, s.listAudit},
		{get, "/ops/v1/audit/verify", signedIn, s.verifyAudit},
		{get, "/ops/v1/audit/export", signedIn, s.exportAudit},
	}
}

// handle runs a route: who is asking first (auth.go), then the handler; a panic in either is an
// internal error, and any error is answered as a problem.
func (s *Server) handle(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x, _ := r.Context().Value(exchangeKey{}).(*exchange)
		if x == nil { // the mux served alone, not through ServeHTTP
			s.ServeHTTP(w, r)
			return
		}
		x.r, x.route = r, rt.pattern // r carries the path's parameters
		if err := s.run(x, rt); err != nil {
			s.fail(x, err)
		}
	})
}

func (s *Server) run(x *exchange, rt route) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = core.Internal(recovered(v), "internal error")
		}
	}()
	if rt.access == signedIn {
		if err := s.authenticate(x); err != nil {
			return err
		}
	}
	return rt.handle(x)
}

// fail answers err as a problem, unless the answer has begun (then the log line tells), and
// keeps the problem for the log line.
func (s *Server) fail(x *exchange, err error) {
	p := toProblem(err)
	p.RequestID = x.id
	x.problem = &p
	if x.w.committed() {
		return
	}
	s.writeProblem(x.w, &p)
}

func errRouteNotFound() error {
	return core.Errorf(core.CodeNotFound, reasonRouteNotFound, "no route of the operator API matches the request")
}

func errMethodNotAllowed(allow string) *core.Error {
	return core.Errorf(core.CodeInvalid, reasonMethodNotAllowed, "the route takes %s", allow)
}
