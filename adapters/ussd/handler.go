package ussd

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/adapters/lang"
	"github.com/vendgate/vendgate/core"
)

// The interfaces this adapter needs, one per thing it asks for; cmd/vendgate wires them to core
// and the store (*store.DB implements all but Vendor and Replies), tests to fakes.
type (
	// Vendor runs the vend pipeline (core.Vendor.Vend).
	Vendor interface {
		Vend(ctx context.Context, req core.VendRequest) (*core.Vend, error)
		// CheckAmount refuses an amount no purchase may have (core.Vendor.CheckAmount).
		CheckAmount(amount core.Money) error
		// Sellable finds a meter the operator's agent may sell to now (core.Vendor.Sellable).
		Sellable(ctx context.Context, agentID int64, number string) (core.MeterView, core.Agent, error)
	}
	// Mobile is the rules SMS and USSD share (core.Mobile): the service code's operator, a
	// phone's preferences, LAST.
	Mobile interface {
		Operator(ctx context.Context, channel, code string) (core.Operator, error)
		Subscriber(ctx context.Context, phone string) (core.Subscriber, error)
		Bought(ctx context.Context, sub core.Subscriber, v *core.Vend) error
		SetLanguage(ctx context.Context, phone, lang string) error
		Last(ctx context.Context, phone, meter string) (*core.Vend, error)
	}
	// Sessions keeps the USSD sessions; USSDSession returns core.ErrNotFound for an unknown ID.
	Sessions interface {
		USSDSession(ctx context.Context, id string) (core.USSDSession, error)
		SaveUSSDSession(ctx context.Context, s core.USSDSession) error
		DeleteUSSDSession(ctx context.Context, id string) error
		DeleteExpiredUSSDSessions(ctx context.Context, before time.Time) (int64, error)
	}
	// Replies queues an SMS for delivery (the outbox): the LAST token sent again. vendID is the
	// vend the SMS is about. A purchase's own SMS is not sent through it: core writes it with
	// the vend (core.VendRequest.Reply).
	Replies interface {
		Reply(ctx context.Context, route, sender, recipient, body string, vendID int64) error
	}
)

// Config is what New needs. The dependencies are required; limits that are zero or negative
// take the defaults.
type Config struct {
	Vendor   Vendor
	Mobile   Mobile
	Sessions Sessions
	Replies  Replies
	Catalog  *lang.Catalog

	// Service is the name at the top of the main menu. Default "Vendgate".
	Service string
	// Logger receives one line per callback: the phone masked, never the text or a screen.
	Logger zerolog.Logger
	// Registry registers the metrics; nil means a registry of the handler's own. Collectors
	// another adapter registered already under the same names are shared.
	Registry prometheus.Registerer
	// Clock is the time sessions start and expire by. Default time.Now.
	Clock func() time.Time
	// Timeout is how long a session lives after its last callback. Default DefaultTimeout.
	Timeout time.Duration
	// SweepInterval is how often Run deletes expired sessions. Default DefaultSweepInterval.
	SweepInterval time.Duration
	// MaxBodyBytes bounds a callback's body: larger is 413. Default DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// SMS says replies go out by SMS (an SMSC is configured): a purchase's tokens are also sent
	// by SMS and LAST sends them again. Without it the screen is the only answer, and says so.
	SMS bool
	// Allowed are the networks aggregators call from (the connection's source address); a
	// callback from anywhere else is 403. Empty allows none.
	Allowed []netip.Prefix
}

// Defaults of Config.
const (
	DefaultService = "Vendgate"
	// DefaultTimeout is 180 s: aggregators and networks hold a USSD dialogue open for up to about
	// three minutes, so a session never expires under a customer who is still on the line, and a
	// repeated final callback (an aggregator retrying) finds the final screen for as long as the
	// aggregator could retry. Shorter would answer "expired" to slow typists; longer only keeps
	// rows (which hold tokens) for no one.
	DefaultTimeout       = 180 * time.Second
	DefaultSweepInterval = time.Minute
	DefaultMaxBodyBytes  = 8 << 10
)

// allowed reports whether a connection's source address is one aggregators call from.
func (h *Handler) allowed(remote string) bool {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return false
	}
	for _, p := range h.cfg.Allowed {
		if p.Contains(ap.Addr().Unmap()) {
			return true
		}
	}
	return false
}

// Path is where the handler expects callbacks.
const Path = "/v1/ussd"

// Handler answers an aggregator's USSD callbacks: an http.Handler for POST /v1/ussd.
type Handler struct {
	cfg       Config
	log       zerolog.Logger
	now       func() time.Time
	timeout   time.Duration
	sweep     time.Duration
	maxBody   int64
	service   string
	callbacks *prometheus.CounterVec
	vends     *prometheus.CounterVec
}

// New returns the handler for cfg. A missing dependency is a programming error: New panics.
func New(cfg Config) *Handler {
	for name, dep := range map[string]any{
		"Vendor": cfg.Vendor, "Mobile": cfg.Mobile, "Sessions": cfg.Sessions, "Replies": cfg.Replies, "Catalog": cfg.Catalog,
	} {
		if dep == nil || dep == (*lang.Catalog)(nil) {
			panic("ussd: Config." + name + " is nil")
		}
	}
	h := &Handler{
		cfg: cfg, log: cfg.Logger, now: cfg.Clock, timeout: httpkit.OrDefault(cfg.Timeout, DefaultTimeout),
		sweep: httpkit.OrDefault(cfg.SweepInterval, DefaultSweepInterval), maxBody: httpkit.OrDefault(cfg.MaxBodyBytes, DefaultMaxBodyBytes),
		service: cfg.Service,
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.service == "" {
		h.service = DefaultService
	}
	reg := cfg.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	h.callbacks = httpkit.Register("ussd", reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vendgate_ussd_callbacks_total",
		Help: "USSD callbacks by outcome: con, end, repeat, expired, unknown_service_code, bad_request, unavailable.",
	}, []string{"outcome"}))
	h.vends = httpkit.Register("ussd", reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vendgate_vends_total",
		Help: "Vend requests that reached core, by channel and outcome (the core error code, or ok; a replay is ok).",
	}, []string{"channel", "outcome"}))
	return h
}

// ServeHTTP answers one callback.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.plain(w, http.StatusMethodNotAllowed, "only POST is accepted")
		h.callbacks.WithLabelValues("bad_request").Inc()
		return
	}
	if !h.allowed(r.RemoteAddr) {
		h.plain(w, http.StatusForbidden, "this address may not call the USSD service")
		h.callbacks.WithLabelValues("forbidden").Inc()
		h.log.Warn().Str("outcome", "forbidden").Str("remote", r.RemoteAddr).Msg("ussd callback")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			h.plain(w, http.StatusRequestEntityTooLarge, "the body is larger than "+strconv.FormatInt(h.maxBody, 10)+" bytes")
		} else {
			h.plain(w, http.StatusBadRequest, "the body could not be read")
		}
		h.callbacks.WithLabelValues("bad_request").Inc()
		return
	}
	req, err := parseRequest(r.Header.Get("Content-Type"), body)
	if err != nil {
		h.plain(w, http.StatusBadRequest, err.Error())
		h.callbacks.WithLabelValues("bad_request").Inc()
		h.log.Info().Str("outcome", "bad_request").Str("reason", err.Error()).Msg("ussd callback")
		return
	}
	res := h.answer(r.Context(), req)
	h.plain(w, http.StatusOK, res.screen)
	h.callbacks.WithLabelValues(res.outcome).Inc()

	ev := h.log.Info()
	if res.err != nil {
		// Only failures carry their error text; a customer's refusal (a blocked meter, a float
		// that does not cover the purchase) is answered and logged by its code and reason.
		e := core.AsError(res.err)
		// An unavailable store is reported once per outage by the store, not per callback.
		if e.Code == core.CodeInternal {
			ev = h.log.Error().Str("error", res.err.Error())
		}
		ev = ev.Str("code", string(e.Code)).Str("reason", string(e.Reason))
	}
	ev = ev.Str("session_id", req.SessionID).Str("service_code", req.ServiceCode).Str("phone", core.MaskPhone(req.Phone)).
		Str("outcome", res.outcome).Str("step", string(res.step))
	if res.vendID != 0 {
		ev = ev.Int64("vend_id", res.vendID)
	}
	ev.Float64("latency_ms", float64(time.Since(start).Microseconds())/1000).Msg("ussd callback")
}

// plain writes a text/plain answer.
func (h *Handler) plain(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, text)
}

// Sweep deletes the sessions that have expired and returns how many.
func (h *Handler) Sweep(ctx context.Context) (int64, error) {
	return h.cfg.Sessions.DeleteExpiredUSSDSessions(ctx, h.now().Add(-ExpiredKept))
}

// ExpiredKept is how long an expired session is kept to answer its aggregator's late retries
// with "expired" (a retry of a whole dialogue's history must not start it over and buy).
const ExpiredKept = 10 * time.Minute

// Run sweeps expired sessions every SweepInterval until ctx ends; it returns nil then. A failed
// sweep is logged and tried again at the next interval.
func (h *Handler) Run(ctx context.Context) error {
	t := time.NewTicker(h.sweep)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if n, err := h.Sweep(ctx); err != nil && ctx.Err() == nil {
				h.log.Warn().Str("error", err.Error()).Msg("sweeping USSD sessions")
			} else if n > 0 {
				h.log.Debug().Int64("deleted", n).Msg("swept USSD sessions")
			}
		}
	}
}
