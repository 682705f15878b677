package ops

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/backoffice"
)

// The interfaces this adapter needs, each the few methods of *backoffice.Service its handlers
// call; cmd/vendgate wires the service to all of them, tests may wire fakes.
type (
	// Account is what an operator does to their own account (/ops/v1/me).
	Account interface {
		Me(ctx context.Context, a backoffice.Actor) (backoffice.OperatorView, error)
		ChangePassword(ctx context.Context, a backoffice.Actor, current, next string) error
		EnrolTOTP(ctx context.Context, a backoffice.Actor, issuer string) (backoffice.TOTPEnrolment, error)
		ConfirmTOTP(ctx context.Context, a backoffice.Actor, code string) error
	}
	// Sessions signs operators in and out, finds the actor of a session cookie, and lists and
	// revokes an operator's sessions.
	Sessions interface {
		OpenSession(ctx context.Context, req backoffice.SignInRequest) (backoffice.SessionGrant, error)
		SessionActor(ctx context.Context, token, from string) (backoffice.Actor, backoffice.Session, error)
		CloseSession(ctx context.Context, a backoffice.Actor) error
		Sessions(ctx context.Context, a backoffice.Actor, operatorID int64) ([]backoffice.SessionView, error)
		RevokeSessions(ctx context.Context, a backoffice.Actor, operatorID int64) (int, error)
	}
	// Tokens finds the actor of an API token, and issues, lists and revokes tokens.
	Tokens interface {
		TokenActor(ctx context.Context, bearer, from string) (backoffice.Actor, error)
		IssueToken(ctx context.Context, a backoffice.Actor, n backoffice.NewToken) (backoffice.TokenGrant, error)
		Tokens(ctx context.Context, a backoffice.Actor, operatorID int64) ([]backoffice.TokenView, error)
		RevokeToken(ctx context.Context, a backoffice.Actor, id int64) error
	}
	// Operators manages operator accounts.
	Operators interface {
		CreateOperator(ctx context.Context, a backoffice.Actor, n backoffice.NewOperator) (*backoffice.Credentials, error)
		ListOperators(ctx context.Context, a backoffice.Actor, q backoffice.OperatorQuery) ([]backoffice.OperatorView, error)
		ShowOperator(ctx context.Context, a backoffice.Actor, id int64) (backoffice.OperatorView, error)
		UpdateOperator(ctx context.Context, a backoffice.Actor, id int64, u backoffice.OperatorUpdate) (backoffice.OperatorView, error)
		DeactivateOperator(ctx context.Context, a backoffice.Actor, id int64) (backoffice.OperatorView, error)
		ReactivateOperator(ctx context.Context, a backoffice.Actor, id int64) (backoffice.OperatorView, error)
		ResetPassword(ctx context.Context, a backoffice.Actor, id int64) (*backoffice.Credentials, error)
		Unlock(ctx context.Context, a backoffice.Actor, id int64) (backoffice.OperatorView, error)
		ResetSecondFactor(ctx context.Context, a backoffice.Actor, id int64) (backoffice.OperatorView, error)
	}
	// Roles lists and manages roles.
	Roles interface {
		ListRoles(ctx context.Context, a backoffice.Actor) ([]backoffice.RoleView, error)
		CreateRole(ctx context.Context, a backoffice.Actor, n backoffice.NewRole) (backoffice.RoleView, error)
		UpdateRole(ctx context.Context, a backoffice.Actor, name string, u backoffice.RoleUpdate) (backoffice.RoleView, error)
		DeactivateRole(ctx context.Context, a backoffice.Actor, name string) (backoffice.RoleView, error)
	}
	// Audit reads, verifies and exports the audit trail.
	Audit interface {
		AuditTrail(ctx context.Context, a backoffice.Actor, q backoffice.AuditQuery) ([]backoffice.AuditEntry, error)
		VerifyAudit(ctx context.Context, a backoffice.Actor) (backoffice.AuditVerification, error)
		ExportAudit(ctx context.Context, a backoffice.Actor, q backoffice.AuditQuery, f backoffice.ExportFormat, w io.Writer) (int64, error)
	}
)

// Config is what New needs. Every interface is required; limits that are zero or negative take
// the defaults.
type Config struct {
	Account   Account
	Sessions  Sessions
	Tokens    Tokens
	Operators Operators
	Roles     Roles
	Audit     Audit

	// Logger receives one line per request: never a body, a cookie, a token or a password.
	Logger zerolog.Logger
	// Issuer names the installation in authenticator apps (a second factor's otpauth URI).
	// Default "Vendgate".
	Issuer string
	// MaxBodyBytes bounds a request body: larger is 413. Default 16 KiB.
	MaxBodyBytes int64
	// RetryAfter is the Retry-After of 503 answers. Default 5 s.
	RetryAfter time.Duration
}

// Defaults of Config.
const (
	DefaultIssuer       = "Vendgate"
	DefaultMaxBodyBytes = 16 << 10
	DefaultRetryAfter   = 5 * time.Second
)

// Prefix is the path every route of the operator API starts with.
const Prefix = "/ops/v1/"

// Server is the operator API, an http.Handler for the paths under Prefix.
type Server struct {
	cfg        Config
	log        zerolog.Logger
	maxBody    int64
	retryAfter time.Duration
	issuer     string
	table      []route
	mux        *http.ServeMux
}

// New returns the server for cfg. A missing dependency is a programming error: New panics.
func New(cfg Config) *Server {
	for name, dep := range map[string]any{
		"Account": cfg.Account, "Sessions": cfg.Sessions, "Tokens": cfg.Tokens,
		"Operators": cfg.Operators, "Roles": cfg.Roles, "Audit": cfg.Audit,
	} {
		if dep == nil {
			panic("ops: Config." + name + " is nil")
		}
	}
	s := &Server{
		cfg:        cfg,
		log:        cfg.Logger,
		maxBody:    httpkit.OrDefault(cfg.MaxBodyBytes, DefaultMaxBodyBytes),
		retryAfter: httpkit.OrDefault(cfg.RetryAfter, DefaultRetryAfter),
		issuer:     cfg.Issuer,
		mux:        http.NewServeMux(),
	}
	if s.issuer == "" {
		s.issuer = DefaultIssuer
	}
	s.table = s.routes()
	for _, r := range s.table {
		s.mux.Handle(r.method+" "+r.pattern, s.handle(r))
	}
	return s
}

// Route is a route of the table: its method and its path pattern ("/ops/v1/operators/{id}").
type Route struct {
	Method, Path string
}

// Routes returns the route table's methods and paths.
func (s *Server) Routes() []Route {
	out := make([]Route, len(s.table))
	for i, r := range s.table {
		out[i] = Route{Method: r.method, Path: r.pattern}
	}
	return out
}

const headerRequestID = "X-Request-Id"

// ServeHTTP gives each request an ID (the caller's X-Request-Id when it is sane, else a new one,
// echoed either way), routes it, answers any error as a problem, and writes the request's one
// log line: never headers, bodies, cookies, tokens or passwords.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := r.Header.Get(headerRequestID)
	if !validRequestID(id) {
		id = rand.Text()
	}
	rw := &response{ResponseWriter: w}
	rw.Header().Set(headerRequestID, id)
	rw.Header().Set("Cache-Control", "no-store")
	x := &exchange{w: rw, r: r, id: id, route: "unmatched"}

	if h, pattern := s.mux.Handler(r); pattern == "" {
		s.fail(x, s.unmatched(x, h))
	} else { // the mux again, as it sets the path's parameters only when it serves
		s.mux.ServeHTTP(rw, r.WithContext(context.WithValue(r.Context(), exchangeKey{}, x)))
	}
	s.logRequest(x, start)
}

// unmatched names what the mux found for a request no route takes: no such path (404) or not
// this method (405, with the Allow header the mux sets).
func (s *Server) unmatched(x *exchange, h http.Handler) error {
	probe := &statusProbe{header: http.Header{}}
	h.ServeHTTP(probe, x.r)
	if allow := probe.header.Get("Allow"); probe.status == http.StatusMethodNotAllowed {
		x.w.Header().Set("Allow", allow)
		return &errStatus{status: http.StatusMethodNotAllowed, err: errMethodNotAllowed(allow)}
	}
	return errRouteNotFound()
}

// logRequest writes the request's log line: internal errors at error level with their cause,
// everything else at info.
func (s *Server) logRequest(x *exchange, start time.Time) {
	ev := s.log.Info()
	if p := x.problem; p != nil && p.cause != nil {
		ev = s.log.Error().Str("error", safeCause(p.cause))
		var pe *panicError
		if errors.As(p.cause, &pe) {
			ev = ev.Str("stack", string(pe.stack))
		}
	}
	status := x.w.status
	if status == 0 {
		status = http.StatusOK
	}
	ev = ev.Str("request_id", x.id).
		Str("method", methodLabel(x.r.Method)).
		Str("route", x.route).
		Int("status", status).
		Float64("latency_ms", float64(time.Since(start).Microseconds())/1000).
		Str("remote", remoteAddr(x.r)).
		Int64("bytes", x.w.bytes)
	if x.actor.Name() != "" {
		ev = ev.Str("actor", x.actor.Name()).Str("via", x.actor.Via())
	}
	if p := x.problem; p != nil {
		ev = ev.Str("code", string(p.Code)).Str("reason", string(p.Reason))
	}
	ev.Msg("request")
}

// safeCause is an internal error's text for the log. A recovered panic is logged by its kind
// (a runtime error's own text names an index or a nil map, never data), as other panic values
// may hold what the handler was working on: a password, a token.
func safeCause(err error) string {
	var pe *panicError
	if errors.As(err, &pe) {
		return pe.Error()
	}
	return err.Error()
}

// panicError is a recovered panic: what may be logged of its value, and the stack.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string {
	if re, ok := e.value.(runtime.Error); ok {
		return "panic: " + re.Error()
	}
	return fmt.Sprintf("panic: a value of type %T", e.value)
}

// recovered turns a panic into an internal error. net/http's own abort is let through.
func recovered(v any) error {
	if e, ok := v.(error); ok && errors.Is(e, http.ErrAbortHandler) {
		panic(v)
	}
	return &panicError{value: v, stack: debug.Stack()}
}

// validRequestID accepts a caller's request ID of 1 to 64 characters that cannot forge log
// structure: letters, digits and . _ : -.
func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._:-", r)) {
			return false
		}
	}
	return true
}

// methodLabel bounds the logged method to the methods HTTP defines.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

// remoteAddr is the address the request came from, as the audit trail records it.
func remoteAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
