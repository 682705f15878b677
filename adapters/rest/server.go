package rest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/core"
)

// The interfaces this adapter needs, one per thing it asks for; cmd/vendgate wires them to core
// and the store, tests to fakes.
type (
	// Vendor runs the vend pipeline (core.Vendor.Vend).
	Vendor interface {
		Vend(ctx context.Context, req core.VendRequest) (*core.Vend, error)
	}
	// Reverser reverses a vend sold by the asking agent (core.Vendor.Reverse): core's not_found
	// for another agent's vend, conflict when it is reversed already, too old or its token has
	// reached the customer.
	Reverser interface {
		Reverse(ctx context.Context, r core.ReversalRequest) (*core.Vend, error)
	}
	// Meters finds a meter with its customer, tariff, utility and arrears (core.MeterReader).
	Meters interface {
		MeterByNumber(ctx context.Context, number string) (core.MeterView, error)
	}
	// Vends reads committed vends (core.VendReader): core.ErrNotFound for an unknown ID.
	Vends interface {
		Vend(ctx context.Context, id int64) (*core.Vend, error)
		FindVends(ctx context.Context, q core.VendQuery) ([]*core.Vend, error)
	}
	// Agents authenticates API keys and reads an agent and its statement. Statement returns the
	// agent's ledger lines with an ID below beforeID (0: from the newest), newest first, at most
	// limit.
	Agents interface {
		core.APIKeyReader
		Agent(ctx context.Context, id int64) (core.Agent, error)
		Statement(ctx context.Context, agentID, beforeID int64, limit int) ([]core.StatementLine, error)
	}
	// Health reports whether the database answers.
	Health interface {
		Ping(ctx context.Context) error
	}
)

// ReverserFunc lets a function be a Reverser, e.g. a closure over core.Vendor.Reverse.
type ReverserFunc func(ctx context.Context, r core.ReversalRequest) (*core.Vend, error)

// Reverse calls f.
func (f ReverserFunc) Reverse(ctx context.Context, r core.ReversalRequest) (*core.Vend, error) {
	return f(ctx, r)
}

// Config is what New needs. The six dependencies are required; limits that are zero or negative
// take the defaults.
type Config struct {
	Vendor   Vendor
	Reverser Reverser
	Meters   Meters
	Vends    Vends
	Agents   Agents
	Health   Health

	// Logger receives one line per request; never an API key, a token or a request body.
	Logger zerolog.Logger
	// Registry registers the metrics; nil means a registry of the server's own. Collectors
	// another adapter registered already under the same names are shared, not duplicated.
	Registry prometheus.Registerer
	// Gatherer is what GET /metrics serves: nil means Registry when it is a Gatherer (as
	// *prometheus.Registry is), else prometheus.DefaultGatherer.
	Gatherer prometheus.Gatherer

	// MetricsToken, when set, is the bearer token GET /metrics requires ("Authorization: Bearer
	// <token>"); MetricsApart leaves /metrics off the API, for Metrics to be served on an address
	// of its own.
	MetricsToken string
	MetricsApart bool

	// MaxBodyBytes bounds a request body: larger is 413. Default 16 KiB.
	MaxBodyBytes int64
	// ReadyTimeout bounds the database ping of GET /readyz. Default 2 s.
	ReadyTimeout time.Duration
	// RetryAfter is the Retry-After of 503 answers. Default 5 s.
	RetryAfter time.Duration
}

// Defaults of Config's limits.
const (
	DefaultMaxBodyBytes = 16 << 10
	DefaultReadyTimeout = 2 * time.Second
	DefaultRetryAfter   = 5 * time.Second
)

// Server is the REST API, an http.Handler; Serve runs it.
type Server struct {
	cfg        Config
	log        zerolog.Logger
	echo       *echo.Echo
	metrics    *echo.Echo // GET /metrics alone, for an address of its own
	maxBody    int64
	ready      time.Duration
	retryAfter time.Duration

	vendsTotal *prometheus.CounterVec
	duration   *prometheus.HistogramVec
}

// New returns the server for cfg. A missing dependency is a programming error: New panics.
func New(cfg Config) *Server {
	for name, dep := range map[string]any{
		"Vendor": cfg.Vendor, "Reverser": cfg.Reverser, "Meters": cfg.Meters,
		"Vends": cfg.Vends, "Agents": cfg.Agents, "Health": cfg.Health,
	} {
		if dep == nil {
			panic("rest: Config." + name + " is nil")
		}
	}
	s := &Server{
		cfg:        cfg,
		log:        cfg.Logger,
		maxBody:    httpkit.OrDefault(cfg.MaxBodyBytes, DefaultMaxBodyBytes),
		ready:      httpkit.OrDefault(cfg.ReadyTimeout, DefaultReadyTimeout),
		retryAfter: httpkit.OrDefault(cfg.RetryAfter, DefaultRetryAfter),
	}
	reg, gatherer := cfg.Registry, cfg.Gatherer
	if reg == nil {
		own := prometheus.NewRegistry()
		reg = own
		if gatherer == nil {
			gatherer = own
		}
	}
	if gatherer == nil {
		if g, ok := reg.(prometheus.Gatherer); ok {
			gatherer = g
		} else {
			gatherer = prometheus.DefaultGatherer
		}
	}
	s.vendsTotal = httpkit.Register("rest", reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vendgate_vends_total",
		Help: "Vend requests that reached core, by channel and outcome (the core error code, or ok; a replay is ok).",
	}, []string{"channel", "outcome"}))
	s.duration = httpkit.Register("rest", reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "vendgate_http_request_duration_seconds",
		Help:    "HTTP requests by route template, method and status.",
		Buckets: prometheus.DefBuckets,
	}, []string{"route", "method", "status"}))

	metrics := s.guardMetrics(promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{}))
	s.echo = s.newEcho()
	s.routes(metrics)
	s.metrics = s.newEcho()
	s.metrics.GET("/metrics", metrics)
	return s
}

// newEcho is an echo instance with the server's error handler and middleware.
func (s *Server) newEcho() *echo.Echo {
	e := echo.NewWithConfig(echo.Config{
		Logger:           slog.New(zerolog.NewSlogHandler(s.log.With().Str("component", "echo").Logger())),
		HTTPErrorHandler: s.handleError,
	})
	e.Use(s.observe, s.recover)
	return e
}

// routes registers every route. openapi.json describes exactly these (TestOpenAPIMatchesRoutes).
func (s *Server) routes(metrics echo.HandlerFunc) {
	e, auth := s.echo, s.authenticate
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	if !s.cfg.MetricsApart {
		e.GET("/metrics", metrics)
	}
	e.GET("/openapi.json", s.openAPI)

	e.GET("/v1/meters/:number", s.getMeter, auth)
	e.POST("/v1/vends", s.createVend, auth)
	e.GET("/v1/vends", s.listVends, auth)
	e.GET("/v1/vends/:id", s.getVend, auth)
	e.POST("/v1/vends/:id/reversal", s.reverseVend, auth)
	e.GET("/v1/agent", s.getAgent, auth)
	e.GET("/v1/agent/statement", s.getStatement, auth)
}

// Route is a registered route: its method and its path in OpenAPI's form ("/v1/vends/{id}").
type Route struct {
	Method, Path string
}

// Routes returns the registered routes.
func (s *Server) Routes() []Route {
	var out []Route
	for _, r := range s.echo.Router().Routes() {
		segs := strings.Split(r.Path, "/")
		for i, seg := range segs {
			if name, ok := strings.CutPrefix(seg, ":"); ok {
				segs[i] = "{" + name + "}"
			}
		}
		out = append(out, Route{Method: r.Method, Path: strings.Join(segs, "/")})
	}
	return out
}

// Handler returns the API as an http.Handler.
func (s *Server) Handler() http.Handler { return s.echo }

// Keys of the values middleware keeps on the echo context.
const (
	ctxAgent     = "rest.agent"
	ctxProblem   = "rest.problem"
	ctxRequestID = "rest.request_id"
)

const headerRequestID = "X-Request-Id"

// observe gives each request an ID (the caller's X-Request-Id when it is sane, else a new one,
// echoed either way), answers a returned error as a problem, then records the request's duration
// and writes its one log line: never headers, bodies, keys or tokens.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		start := time.Now()
		req := c.Request()
		id := req.Header.Get(headerRequestID)
		if !validRequestID(id) {
			id = rand.Text()
		}
		c.Set(ctxRequestID, id)
		c.Response().Header().Set(headerRequestID, id)

		if err := next(c); err != nil {
			s.handleError(c, err)
		}

		elapsed := time.Since(start)
		resp, status := echo.ResolveResponseStatus(c.Response(), nil)
		p, _ := c.Get(ctxProblem).(*problem)
		route := routeOf(c, p)
		s.duration.WithLabelValues(route, methodLabel(req.Method), strconv.Itoa(status)).Observe(elapsed.Seconds())

		var ev *zerolog.Event
		switch {
		case p != nil && p.Code == core.CodeInternal:
			ev = s.log.Error()
			if p.cause != nil {
				ev = ev.Str("error", p.cause.Error())
			}
			var pe *panicError
			if errors.As(p.cause, &pe) {
				ev = ev.Str("stack", string(pe.stack))
			}
		// An unavailable store is not warned about per request: the store reports each outage
		// once when it begins and once when it ends (store.WithAvailabilityReport).
		default:
			ev = s.log.Info()
		}
		ev = ev.Str("request_id", id).
			Str("method", methodLabel(req.Method)).
			Str("route", route).
			Int("status", status).
			Float64("latency_ms", float64(elapsed.Microseconds())/1000).
			Str("remote", c.RealIP())
		if resp != nil {
			ev = ev.Int64("bytes", resp.Size)
		}
		if a, ok := c.Get(ctxAgent).(core.Agent); ok {
			ev = ev.Int64("agent_id", a.ID)
		}
		if p != nil {
			ev = ev.Str("code", string(p.Code)).Str("reason", string(p.Reason))
		}
		ev.Msg("request")
		return nil
	}
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

func requestID(c *echo.Context) string {
	id, _ := c.Get(ctxRequestID).(string)
	return id
}

// routeOf is the route template, or "unmatched": raw paths would make a metric label without bound.
func routeOf(c *echo.Context, p *problem) string {
	ri := c.RouteInfo()
	if ri.Path == "" || ri.Name == echo.NotFoundRouteName || ri.Name == echo.MethodNotAllowedRouteName ||
		p != nil && p.Reason == reasonRouteNotFound {
		return "unmatched"
	}
	return ri.Path
}

// methodLabel bounds the method label to the methods HTTP defines.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

// panicError is a recovered panic: its value and the stack, for the log line only.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("panic: %v", e.value) }

// recover turns a panic in a handler into an internal error, answered 500 and logged with its stack.
func (s *Server) recover(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if e, ok := r.(error); ok && errors.Is(e, http.ErrAbortHandler) {
					panic(r) // net/http's way to abort a response; it handles it
				}
				err = core.Internal(&panicError{value: r, stack: debug.Stack()}, "internal error")
			}
		}()
		return next(c)
	}
}

// authenticate admits a request whose "Authorization: Bearer <API key>" core.Authenticate
// accepts, and keeps the agent for the handler. The key is never logged. Answers to
// authenticated requests carry tokens and balances: no cache may keep them.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		header := c.Request().Header.Get("Authorization")
		key, ok := bearer(header)
		if header != "" && !ok {
			return core.Errorf(core.CodeUnauthorized, reasonInvalidAuthorization, `the Authorization header must be "Bearer <API key>"`)
		}
		agent, err := core.Authenticate(c.Request().Context(), s.cfg.Agents, key)
		if err != nil {
			return err
		}
		c.Set(ctxAgent, agent)
		return next(c)
	}
}

// bearer returns the credentials of an "Authorization: Bearer <token>" header.
var bearer = httpkit.Bearer

func agentOf(c *echo.Context) core.Agent {
	a, _ := c.Get(ctxAgent).(core.Agent)
	return a
}
