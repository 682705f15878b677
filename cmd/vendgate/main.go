// Command vendgate is the Vendgate server and its administration commands: the composition root
// where configuration, storage, the vending core and the channel adapters meet.
//
//	vendgate serve    run the server (the embedded default needs nothing installed)
//	vendgate migrate  apply database migrations and exit
package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
	_ "time/tzdata" // utilities' time zones on machines without a zoneinfo database

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/vendgate/vendgate/adapters/iso8583"
	"github.com/vendgate/vendgate/adapters/lang"
	"github.com/vendgate/vendgate/adapters/ops"
	"github.com/vendgate/vendgate/adapters/rest"
	"github.com/vendgate/vendgate/adapters/smpp"
	"github.com/vendgate/vendgate/adapters/ussd"
	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/config"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Environ(), os.Stdout, os.Stderr))
}

const usage = `usage: vendgate serve [flags]    run the server
       vendgate migrate [flags]  create the database or bring it up to date
       vendgate admin ...        the back office as an operator: utilities, keys, tariffs, meters, agents, audit (JSON output)
       vendgate help             this text; vendgate COMMAND --help lists a command's flags
every setting is also a VENDGATE_* environment variable (VENDGATE_HTTP_ADDR ...) or a key of --config`

func run(ctx context.Context, args, environ []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	cmd, args := args[0], args[1:]
	switch {
	case isHelp(cmd):
		fmt.Fprintln(stdout, usage)
		return 0
	case cmd == "admin":
		return runAdmin(ctx, args, environ, stdout, stderr)
	case cmd != "serve" && cmd != "migrate":
		fmt.Fprintf(stderr, "vendgate: unknown command %q\n%s\n", cmd, usage)
		return 2
	}
	cfg, err := loadConfig(args, environ)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(stdout, "usage: vendgate %s [flags]\n%s", cmd, flagHelp(configFlags(new(string), map[string]*string{})))
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "vendgate: configuration:\n%v\n", err)
		return 2
	}
	switch cmd {
	case "serve":
		m := &Main{Config: cfg, Stdout: stdout, Terminal: isTerminal(stdout), Logger: newLogger(stdout, cfg.LogLevel)}
		if err := m.Open(ctx); err != nil {
			fmt.Fprintf(stderr, "vendgate: %v\n", err)
			return 1
		}
		err := m.Run(ctx)
		if cerr := m.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			fmt.Fprintf(stderr, "vendgate: %v\n", err)
			return 1
		}
		return 0
	case "migrate":
		err := migrate(ctx, cfg, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "vendgate: migrate: %v\n", err)
			return 1
		}
		fmt.Fprintln(stdout, "migrations applied")
		return 0
	}
	return 2
}

// serveFlags are the flags of serve and migrate that override configuration keys.
var serveFlags = [][2]string{
	{"http-addr", "`host:port` the REST API and USSD listen on"},
	{"data-dir", "`directory` of the embedded database, its master key and demo.json"},
	{"database-url", "PostgreSQL `url` (postgres://...) instead of the embedded database"},
	{"master-key-file", "`file` holding the master key (64 hex digits)"},
	{"log-level", "debug, info, warn or error"},
}

// configFlags registers --config (into file) and serveFlags (into keys).
func configFlags(file *string, keys map[string]*string) *flag.FlagSet {
	fs := flag.NewFlagSet("vendgate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(file, "config", "", "TOML configuration `file`")
	for _, f := range serveFlags {
		keys[f[0]] = fs.String(f[0], "", f[1])
	}
	return fs
}

// loadConfig reads --config and the flags that override configuration keys.
func loadConfig(args, environ []string) (config.Config, error) {
	file := new(string)
	keys := map[string]*string{}
	fs := configFlags(file, keys)
	if err := fs.Parse(args); err != nil {
		return config.Config{}, err
	}
	flags := map[string]any{}
	fs.Visit(func(f *flag.Flag) {
		if p, ok := keys[f.Name]; ok {
			flags[underscore(f.Name)] = *p
		}
	})
	return config.Load(*file, environ, flags)
}

func underscore(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '-' {
			b[i] = '_'
		}
	}
	return string(b)
}

func newLogger(w io.Writer, level string) zerolog.Logger {
	lvl, err := zerolog.ParseLevel(level)
	if err != nil {
		lvl = zerolog.InfoLevel
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger()
}

// Main is the running program. A test boots it on 127.0.0.1:0 and drives it over HTTP.
type Main struct {
	Config config.Config
	Stdout io.Writer
	Logger zerolog.Logger
	// Clock defaults to time.Now.
	Clock func() time.Time

	DB       *store.DB
	Vendor   *core.Vendor
	Office   *backoffice.Service // the back office, which the operator API (/ops/v1) calls
	Demo     *demoFile           // set when this start seeded the demo
	listener net.Listener
	handler  http.Handler // the REST API with the USSD callback and the operator API beside it
	// The metrics' own listener and handler, when metrics_addr is configured.
	metricsListener net.Listener
	metrics         http.Handler
	// The ISO 8583 listener for banks, when configured.
	isoListener net.Listener
	iso         *iso8583.Server
	// The SMS channel and the relay delivering replies, when an SMSC is configured.
	sms     *smpp.Adapter
	replies relay
	started bool // Run started the relay, and shuts it down
	ussd    *ussd.Handler

	// approvalSweep is how often requests waiting for a second operator past their expiry are
	// marked expired; 0 is every minute.
	approvalSweep time.Duration

	// Terminal says that Stdout is a terminal: only then is the demo's API key printed.
	Terminal bool
	// seedFault, when set, fails the demo seed at its last step (a test's full disk).
	seedFault error
}

// Addr is the address the HTTP server listens on, once open.
func (m *Main) Addr() string { return m.listener.Addr().String() }

// MetricsAddr is the address GET /metrics is served on, once open: its own, or the API's.
func (m *Main) MetricsAddr() string {
	if m.metricsListener == nil {
		return m.Addr()
	}
	return m.metricsListener.Addr().String()
}

// ISO8583Addr is the address the ISO 8583 listener listens on, once open ("" when disabled).
func (m *Main) ISO8583Addr() string {
	if m.isoListener == nil {
		return ""
	}
	return m.isoListener.Addr().String()
}

// Open connects the database, applies migrations, seeds the demo on a new embedded database,
// bootstraps the back office, wires the core, the REST adapter and the operator API, and starts
// listening.
func (m *Main) Open(ctx context.Context) error {
	if m.Clock == nil {
		m.Clock = time.Now
	}
	cfg := m.Config
	m.Logger.Info().Str("config", cfg.String()).Msg("starting")
	db, sealer, notes, err := openStore(ctx, cfg, true, m.storeOptions()...)
	if err != nil {
		return err
	}
	m.DB = db
	for _, n := range notes {
		m.Logger.Warn().Str("path", n.path).Msg(n.msg)
	}
	if m.listener, err = net.Listen("tcp", cfg.HTTPAddr); err != nil {
		return err
	}
	baseURL := "http://" + m.listener.Addr().String()
	if cfg.MetricsAddr != "" {
		if m.metricsListener, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			return fmt.Errorf("the metrics listener: %w", err)
		}
	}
	if cfg.ISO8583Enabled() {
		if m.isoListener, err = net.Listen("tcp", cfg.ISO8583Addr); err != nil {
			return fmt.Errorf("the ISO 8583 listener: %w", err)
		}
	}
	seeded := false
	if cfg.DatabaseURL == "" {
		empty, err := m.DB.Empty(ctx)
		if err != nil {
			return err
		}
		if empty {
			if err := m.seedStaged(ctx, baseURL); err != nil {
				return fmt.Errorf("seeding the demo (nothing of it was kept; the next start tries again): %w", err)
			}
			seeded = true
		}
	}
	agents := m.DB.NewAgentCache(agentCacheTTL)
	m.Vendor = newVendor(m.DB, sealer, m.Clock, core.Money(cfg.MaxVendAmount))
	m.Vendor.Agents = agents
	// The back office over the store as seeded (seedStaged swaps the database in), issuing and
	// reversing with the vendor's issuer and rules.
	opsAPI, err := m.openBackOffice(ctx, baseURL, sealer)
	if err != nil {
		return err
	}
	if seeded {
		m.printDemo(baseURL) // after the administrator's password, so that the demo's commands come last
	}
	catalog, err := lang.Load()
	if err != nil {
		return err
	}
	notifier := &lateNotifier{}
	m.Vendor.Replies = notifier
	mobile := &core.Mobile{Store: mobileStore{DB: m.DB, agents: agents}, Clock: m.Clock}
	if m.sms, m.replies, err = openSMS(cfg, m.DB, m.Vendor, mobile, catalog, notifier, m.Logger); err != nil {
		return fmt.Errorf("the SMS channel: %w", err)
	}
	registry := prometheus.NewRegistry()
	api := rest.New(rest.Config{
		Vendor: m.Vendor, Reverser: m.Vendor, Meters: m.DB, Vends: m.DB, Health: writeProbe{m.DB},
		Agents: restAgents{DB: m.DB, auth: agents},
		Logger: m.Logger, Registry: registry, MaxBodyBytes: cfg.MaxBodyBytes,
		MetricsToken: cfg.MetricsToken, MetricsApart: cfg.MetricsAddr != "",
	})
	if m.metricsListener != nil {
		m.metrics = api.Metrics()
	}
	m.ussd = ussd.New(ussd.Config{Allowed: cfg.USSDAllow, Vendor: m.Vendor, Mobile: mobile,
		Sessions: m.DB, Replies: core.Outbox{Store: m.DB, Notifier: notifier}, SMS: m.sms != nil, Catalog: catalog, Logger: m.Logger,
		Registry: registry, Clock: m.Clock, Timeout: cfg.USSDSessionTimeout})
	mux := http.NewServeMux()
	mux.Handle(ussd.Path, m.ussd) // every method: the handler answers 405 (Allow: POST) to all but POST
	mux.Handle(ops.Prefix, opsAPI)
	mux.Handle("/", api.Handler())
	m.handler = mux
	m.Logger.Info().Str("addr", m.listener.Addr().String()).Msg("listening")
	if m.metricsListener != nil {
		m.Logger.Info().Str("metrics_addr", m.MetricsAddr()).Msg("serving metrics")
	}
	if m.isoListener != nil {
		if m.iso, err = newISO8583(cfg, m.Vendor, m.DB, m.Logger); err != nil {
			return err
		}
		m.Logger.Info().Str("iso8583_addr", m.ISO8583Addr()).Str("framing", cfg.ISO8583Header).
			Bool("tls", cfg.ISO8583TLSCert != "").Msg("listening for ISO 8583")
	}
	return nil
}

// newISO8583 builds the ISO 8583 server for banks on the vendor and the store.
func newISO8583(cfg config.Config, vendor *core.Vendor, db *store.DB, log zerolog.Logger) (*iso8583.Server, error) {
	framing, err := iso8583.ParseFraming(cfg.ISO8583Header)
	if err != nil {
		return nil, err
	}
	c := iso8583.Config{Vendor: vendor, Institutions: db, Logger: log,
		Framing: framing, Deadline: cfg.ISO8583Timeout, MaxConnections: cfg.ISO8583MaxConnections}
	if cfg.ISO8583TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.ISO8583TLSCert, cfg.ISO8583TLSKey)
		if err != nil {
			return nil, fmt.Errorf("the ISO 8583 TLS certificate: %w", err)
		}
		c.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	return iso8583.New(c)
}

// agentCacheTTL is how long an agent's API keys and status are kept in memory (store.AgentCache):
// a revoked key or a deactivated agent is refused within this time on every node.
const agentCacheTTL = 2 * time.Second

// newVendor wires the vending core to a store and the software token issuer.
func newVendor(db *store.DB, sealer *core.Sealer, clock func() time.Time, maxAmount core.Money) *core.Vendor {
	return &core.Vendor{Meters: db, Agents: db, Utilities: db, Vends: db, Clock: clock, Random: rand.Reader,
		Issuer: &core.SoftIssuer{Keys: db, Sealer: sealer}, MaxAmount: maxAmount}
}

// storeOptions are the server's options of the store: its database outages logged once when they
// begin and once, with the count of failed queries, when they end (the requests that fail in
// between are answered 503 and logged as requests, at info).
func (m *Main) storeOptions() []store.Option {
	log := m.Logger
	return []store.Option{store.WithAvailabilityReport(func(a store.Availability) {
		if a.Up {
			log.Warn().Int("failed_queries", a.Failures).Msg("the database answers again")
			return
		}
		log.Warn().Str("error", a.Err.Error()).Msg("the database fails: requests are answered 503 until it answers again")
	})}
}

// writeProbe is the readiness check of GET /readyz: the database must take a write (a full disk
// or a read-only database answers reads and fails every sale).
type writeProbe struct{ db *store.DB }

// probeNode names this machine's row of the health table (one row per node, however often it
// restarts).
var probeNode = func() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%.64s", host)
}()

func (p writeProbe) Ping(ctx context.Context) error { return p.db.ProbeWrite(ctx, probeNode) }

// restAgents is the REST API's view of agents: API keys checked through the vendor's agent cache,
// balances and statements always read from the database.
type restAgents struct {
	*store.DB
	auth *store.AgentCache
}

func (a restAgents) AgentByAPIKeyHash(ctx context.Context, hash string) (core.Agent, error) {
	return a.auth.AgentByAPIKeyHash(ctx, hash)
}

// Run serves until ctx ends (or a server fails), then shuts down within the configured timeout:
// the ISO 8583 and HTTP servers stop accepting and answer what is in flight, together.
func (m *Main) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	failed := make(chan error, 3)
	serve := func(name string, run func() error, closed error) {
		wg.Go(func() {
			if err := run(); !errors.Is(err, closed) {
				failed <- fmt.Errorf("%s: %w", name, err)
			}
		})
	}
	if m.replies != nil {
		if err := m.replies.Start(); err != nil {
			return fmt.Errorf("the reply relay: %w", err)
		}
		m.started = true
	}
	if m.sms != nil {
		m.sms.Start()
	}
	sweepCtx, stopSweeping := context.WithCancel(context.Background())
	wg.Go(func() { _ = m.ussd.Run(sweepCtx) })
	wg.Go(func() { m.expireApprovals(sweepCtx) })
	// The HTTP servers stop when httpCtx ends, each waiting up to shutdown_timeout for the
	// requests in flight.
	httpCtx, stopHTTP := context.WithCancel(context.Background())
	defer stopHTTP()
	limits := m.httpLimits()
	serve("HTTP server", func() error { return rest.Serve(httpCtx, m.listener, m.handler, limits, m.Logger) }, nil)
	if m.metricsListener != nil {
		serve("metrics server", func() error { return rest.Serve(httpCtx, m.metricsListener, m.metrics, limits, m.Logger) }, nil)
	}
	if m.iso != nil {
		serve("ISO 8583 server", func() error { return m.iso.Serve(m.isoListener) }, iso8583.ErrServerClosed)
	}
	var errs []error
	select {
	case err := <-failed:
		errs = append(errs, err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
	defer cancel()
	var isoErr error
	if m.iso != nil {
		wg.Go(func() { isoErr = m.iso.Shutdown(sctx) })
	}
	stopHTTP()
	stopSweeping()
	wg.Wait()
	if m.replies != nil { // deliveries in flight end before their links close
		errs = append(errs, m.replies.Shutdown(sctx))
	}
	if m.sms != nil {
		m.sms.Shutdown()
	}
	close(failed)
	for err := range failed {
		errs = append(errs, err)
	}
	return errors.Join(append(errs, isoErr)...)
}

// httpLimits are the HTTP servers' bounds from the configuration.
func (m *Main) httpLimits() rest.Limits {
	c := m.Config
	return rest.Limits{HeaderTimeout: c.HTTPHeaderTimeout, ReadTimeout: c.HTTPReadTimeout, WriteTimeout: c.HTTPWriteTimeout,
		IdleTimeout: c.HTTPIdleTimeout, MaxHeaderBytes: c.HTTPMaxHeaderBytes, MaxConnections: c.HTTPMaxConnections,
		ShutdownTimeout: c.ShutdownTimeout}
}

// Close releases the database. Shutdown order: the servers (Run), then the database.
func (m *Main) Close() error {
	if m.replies != nil && !m.started { // opened, never run: its Redis client still needs closing
		_ = m.replies.Shutdown(context.Background())
	}
	if m.DB != nil {
		return m.DB.Close()
	}
	return nil
}

// printDemo tells a newcomer what was seeded and how to buy a token. The agent's API key is
// printed only to a terminal: stdout also carries the log, which is collected and kept, so
// elsewhere the key stays in demo.json (mode 0600) and the commands read it from there.
func (m *Main) printDemo(baseURL string) {
	d := m.Demo
	w := m.Stdout
	demoJSON := filepath.Join(m.Config.DataDir, "demo.json")
	fmt.Fprintf(w, "\nVendgate demo: a utility, 3 meters and an agent were created; details in %s\n", demoJSON)
	fmt.Fprintf(w, "The demo vending keys are the published STS test keys: never use them for real meters.\n\n")
	key := d.APIKey
	if m.Terminal {
		fmt.Fprintf(w, "Agent API key (shown once): %s\n\n", key)
	} else {
		fmt.Fprintf(w, "The agent's API key is in %s (mode 0600), not printed: this output is not a terminal. Read it with\n  KEY=$(sed -n 's/.*\"api_key\": \"\\(.*\\)\".*/\\1/p' %s)\n\n", demoJSON, demoJSON)
		key = "$KEY"
	}
	if m.Terminal {
		fmt.Fprintf(w, "Back office operators (one-time passwords, shown once; each sets its own at the first sign-in):\n")
		for _, c := range d.Operators {
			fmt.Fprintf(w, "  %-12s %-22s %s\n", c.Operator.Username, strings.Join(c.Operator.Roles, ","), c.Password)
		}
	} else {
		fmt.Fprintf(w, "The back office operators' one-time passwords are in %s, not printed: this output is not a terminal.\n", demoJSON)
	}
	fmt.Fprintf(w, "Sign in and set your own password:\n  VENDGATE_OPERATOR=admin VENDGATE_PASSWORD=... VENDGATE_NEW_PASSWORD=... bin/vendgate admin operator password\n\n")
	fmt.Fprintf(w, "Buy a token for R50.00:\n  curl -s -X POST %s/v1/vends -H \"Authorization: Bearer %s\" -H 'Idempotency-Key: demo-1' \\\n    -H 'Content-Type: application/json' -d '{\"meter_number\":\"%s\",\"amount_minor\":5000,\"currency\":\"ZAR\"}'\n\n",
		baseURL, key, d.Meters[0].Number)
	fmt.Fprintf(w, "Type the token into the virtual meter:\n  %s\n\n", d.Meters[0].StsctlMeter)
	fmt.Fprintf(w, "Or buy through the USSD menu of Demo Mobile (%s), one callback per step (text is the inputs joined by *):\n  curl -s %s/v1/ussd -d sessionId=demo-1 --data-urlencode 'serviceCode=%s' -d phoneNumber=27820000001 -d text=\n\n",
		d.Telco.ServiceCode, baseURL, d.Telco.ServiceCode)
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
