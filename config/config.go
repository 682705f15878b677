// Package config loads and validates Vendgate's configuration for cmd/vendgate, the only package
// that imports it. Values come, each overriding the one before, from the defaults, a TOML file,
// VENDGATE_* environment variables and command-line flags. koanf does the merging: a well-kept
// library for exactly this, so the project keeps no parser of its own.
package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/knadh/koanf/parsers/toml/v2"
	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"

	"github.com/vendgate/vendgate/core"
)

// Config is the server's configuration. Keys are the koanf tags; the environment variable of a
// key is VENDGATE_ and the key in upper case (http_addr: VENDGATE_HTTP_ADDR).
type Config struct {
	HTTPAddr    string `koanf:"http_addr"`
	DataDir     string `koanf:"data_dir"`
	DatabaseURL string `koanf:"database_url"` // empty: the embedded SQLite in DataDir
	// MasterKey (64 hex digits) or MasterKeyFile seals vending keys at rest. With neither, the
	// embedded default creates DataDir/master.key (mode 0600).
	MasterKey       string        `koanf:"master_key"`
	MasterKeyFile   string        `koanf:"master_key_file"`
	LogLevel        string        `koanf:"log_level"`
	MaxVendAmount   int64         `koanf:"max_vend_amount"` // minor units; 0 means no bound
	ShutdownTimeout time.Duration `koanf:"shutdown_timeout"`
	MaxBodyBytes    int64         `koanf:"max_body_bytes"`
	// The HTTP server's bounds: HTTPHeaderTimeout for a request's headers, HTTPReadTimeout for
	// its headers and body (a slow body is cut off), HTTPWriteTimeout from its headers to the end
	// of its answer, HTTPIdleTimeout for a keep-alive connection between requests; the size of a
	// request's headers, and the connections open at once (more are closed as they arrive).
	HTTPHeaderTimeout  time.Duration `koanf:"http_header_timeout"`
	HTTPReadTimeout    time.Duration `koanf:"http_read_timeout"`
	HTTPWriteTimeout   time.Duration `koanf:"http_write_timeout"`
	HTTPIdleTimeout    time.Duration `koanf:"http_idle_timeout"`
	HTTPMaxHeaderBytes int           `koanf:"http_max_header_bytes"`
	HTTPMaxConnections int           `koanf:"http_max_connections"`
	// MetricsAddr (host:port), when set, serves GET /metrics there instead of on http_addr;
	// MetricsToken, when set, is the bearer token /metrics requires (at least 16 characters).
	MetricsAddr  string `koanf:"metrics_addr"`
	MetricsToken string `koanf:"metrics_token"`
	// The ISO 8583 listener for banks: "" or "off" disables it.
	ISO8583Addr string `koanf:"iso8583_addr"`
	// ISO8583Header is the length header of each message: "binary2" (2 bytes, binary) or "ascii4"
	// (4 ASCII digits).
	ISO8583Header string `koanf:"iso8583_header"`
	// ISO8583Timeout is the per-message deadline, below the banks' own timeout: past it, 91.
	ISO8583Timeout time.Duration `koanf:"iso8583_timeout"`
	// ISO8583MaxConnections bounds the banks' connections open at once.
	ISO8583MaxConnections int `koanf:"iso8583_max_connections"`
	// ISO8583TLSCert and ISO8583TLSKey (PEM files) turn on TLS for the listener.
	ISO8583TLSCert string `koanf:"iso8583_tls_cert"`
	ISO8583TLSKey  string `koanf:"iso8583_tls_key"`

	// One SMPP bind from the environment (VENDGATE_SMPP_ADDR, _SYSTEM_ID, _PASSWORD ...); a
	// config file lists more as [[smpp_binds]]. With none, the server runs without SMS.
	SMPPName       string `koanf:"smpp_name"`
	SMPPAddr       string `koanf:"smpp_addr"`
	SMPPSystemID   string `koanf:"smpp_system_id"`
	SMPPPassword   string `koanf:"smpp_password"`
	SMPPSystemType string `koanf:"smpp_system_type"`
	SMPPWindow     int    `koanf:"smpp_window"`
	SMPPThroughput int    `koanf:"smpp_throughput"`
	SMPPTLS        bool   `koanf:"smpp_tls"`
	// SMPPTLSCA is a PEM file of the certificates that sign the SMSC's (the system's roots when
	// empty).
	SMPPTLSCA string `koanf:"smpp_tls_ca"`
	// SMPPEnquireLink is the keep-alive interval of every bind; a bind silent for three is dropped.
	SMPPEnquireLink time.Duration `koanf:"smpp_enquire_link"`
	// SMPPAlphabet is what data_coding 0 means on the SMSC: gsm7 (default), gsm7-packed or latin1.
	SMPPAlphabet string     `koanf:"smpp_alphabet"`
	SMPPBinds    []SMPPBind `koanf:"smpp_binds"`

	// RedisAddr (host:port), when set, moves reply delivery to asynq on Redis, shared by every
	// node, and paces each SMSC bind through Redis so that its throughput holds across nodes;
	// empty delivers replies from the database (the embedded default).
	RedisAddr string `koanf:"redis_addr"`
	// ReplyWorkers deliver replies concurrently on this node.
	ReplyWorkers int `koanf:"reply_workers"`
	// A failed delivery is tried again after ReplyRetry, doubling up to ReplyRetryMax, for
	// ReplyAttempts attempts in all; then the reply is failed, for an operator to resend.
	ReplyRetry    time.Duration `koanf:"reply_retry"`
	ReplyRetryMax time.Duration `koanf:"reply_retry_max"`
	ReplyAttempts int           `koanf:"reply_attempts"`
	// ReplyLease is how long a node's claim on a reply keeps it from the others: a node that dies
	// mid-delivery has its replies sent by another (or by itself, restarted) after it.
	ReplyLease time.Duration `koanf:"reply_lease"`
	// ReplyBreakerOpen is how long an SMSC whose deliveries keep failing is left alone (its replies
	// wait, burning no attempts) before one is tried again.
	ReplyBreakerOpen time.Duration `koanf:"reply_breaker_open"`
	// ReplySweep is how often, with Redis, the outbox is searched for replies that missed their
	// queue (Redis down at the commit, a task lost): those pending for twice as long are queued again.
	ReplySweep time.Duration `koanf:"reply_sweep"`
	// USSDSessionTimeout is how long a USSD session lasts without a callback.
	USSDSessionTimeout time.Duration `koanf:"ussd_session_timeout"`
	// USSDAllow are the networks USSD aggregators call from (addresses or CIDR, comma-separated);
	// a callback from elsewhere is refused.
	USSDAllow string `koanf:"ussd_allow"`
}

// SMPPBind is one bind to an SMSC as a transceiver.
type SMPPBind struct {
	Name       string `koanf:"name"`
	Addr       string `koanf:"addr"`
	SystemID   string `koanf:"system_id"`
	Password   string `koanf:"password"`
	SystemType string `koanf:"system_type"`
	Window     int    `koanf:"window"`
	Throughput int    `koanf:"throughput"`
	TLS        bool   `koanf:"tls"`
	TLSCA      string `koanf:"tls_ca"`
	Alphabet   string `koanf:"alphabet"`
}

// Binds are the SMPP binds: the environment's, then the file's.
func (c Config) Binds() []SMPPBind {
	var out []SMPPBind
	if c.SMPPAddr != "" && c.SMPPAddr != "off" {
		out = append(out, SMPPBind{Name: c.SMPPName, Addr: c.SMPPAddr, SystemID: c.SMPPSystemID, Password: c.SMPPPassword,
			SystemType: c.SMPPSystemType, Window: c.SMPPWindow, Throughput: c.SMPPThroughput, TLS: c.SMPPTLS, TLSCA: c.SMPPTLSCA,
			Alphabet: c.SMPPAlphabet})
	}
	return append(out, c.SMPPBinds...)
}

// ISO8583Enabled reports whether the ISO 8583 listener is configured.
func (c Config) ISO8583Enabled() bool { return c.ISO8583Addr != "" && c.ISO8583Addr != "off" }

// Defaults are the values nothing else overrides.
func Defaults() Config {
	return Config{
		HTTPAddr:           "127.0.0.1:8080",
		DataDir:            "./data",
		LogLevel:           "info",
		MaxVendAmount:      10_000_000,
		ShutdownTimeout:    10 * time.Second,
		MaxBodyBytes:       16 << 10,
		ISO8583Addr:        "127.0.0.1:8583",
		ISO8583Header:      "binary2",
		ISO8583Timeout:     20 * time.Second,
		SMPPName:           "smsc",
		SMPPWindow:         10,
		SMPPThroughput:     100,
		SMPPEnquireLink:    15 * time.Second,
		ReplyWorkers:       32,
		ReplyRetry:         10 * time.Second,
		ReplyRetryMax:      30 * time.Minute,
		ReplyAttempts:      12,
		ReplyLease:         2 * time.Minute,
		ReplyBreakerOpen:   30 * time.Second,
		ReplySweep:         30 * time.Second,
		USSDSessionTimeout: 3 * time.Minute,
		USSDAllow:          "127.0.0.0/8, ::1",

		// The listeners' bounds.
		HTTPHeaderTimeout:     10 * time.Second,
		HTTPReadTimeout:       30 * time.Second,
		HTTPWriteTimeout:      60 * time.Second,
		HTTPIdleTimeout:       120 * time.Second,
		HTTPMaxHeaderBytes:    64 << 10,
		HTTPMaxConnections:    10_000,
		ISO8583MaxConnections: 1000,
	}
}

// Load merges the defaults, the TOML file (if path is not empty), the environment and the flags
// that were set, then validates the result and reports every problem at once.
func Load(path string, environ []string, flags map[string]any) (Config, error) {
	k := koanf.New(".")
	d := Defaults()
	if err := k.Load(confmap.Provider(map[string]any{
		"http_addr": d.HTTPAddr, "data_dir": d.DataDir, "log_level": d.LogLevel,
		"max_vend_amount":  d.MaxVendAmount,
		"shutdown_timeout": d.ShutdownTimeout.String(), "max_body_bytes": d.MaxBodyBytes,
		"iso8583_addr": d.ISO8583Addr, "iso8583_header": d.ISO8583Header, "iso8583_timeout": d.ISO8583Timeout.String(),
		"smpp_name": d.SMPPName, "smpp_window": d.SMPPWindow, "smpp_throughput": d.SMPPThroughput,
		"smpp_enquire_link": d.SMPPEnquireLink.String(),
		"reply_workers":     d.ReplyWorkers, "ussd_session_timeout": d.USSDSessionTimeout.String(),
		"reply_retry": d.ReplyRetry.String(), "reply_retry_max": d.ReplyRetryMax.String(), "reply_attempts": d.ReplyAttempts,
		"reply_lease": d.ReplyLease.String(), "reply_breaker_open": d.ReplyBreakerOpen.String(), "reply_sweep": d.ReplySweep.String(),

		"http_header_timeout": d.HTTPHeaderTimeout.String(), "http_read_timeout": d.HTTPReadTimeout.String(),
		"http_write_timeout": d.HTTPWriteTimeout.String(), "http_idle_timeout": d.HTTPIdleTimeout.String(),
		"http_max_header_bytes": d.HTTPMaxHeaderBytes, "http_max_connections": d.HTTPMaxConnections,
		"iso8583_max_connections": d.ISO8583MaxConnections,
	}, "."), nil); err != nil {
		return Config{}, err
	}
	if path != "" {
		if err := k.Load(file.Provider(path), toml.Parser()); err != nil {
			return Config{}, fmt.Errorf("config file %s: %w", path, err)
		}
	}
	if err := k.Load(env.Provider(".", env.Opt{
		Prefix:        "VENDGATE_",
		EnvironFunc:   func() []string { return environ },
		TransformFunc: func(key, v string) (string, any) { return strings.ToLower(strings.TrimPrefix(key, "VENDGATE_")), v },
	}), nil); err != nil {
		return Config{}, err
	}
	if len(flags) > 0 {
		if err := k.Load(confmap.Provider(flags, "."), nil); err != nil {
			return Config{}, err
		}
	}
	var c Config
	if err := k.UnmarshalWithConf("", &c, koanf.UnmarshalConf{}); err != nil {
		return Config{}, fmt.Errorf("configuration: %w", err)
	}
	return c, c.Validate()
}

// Validate reports every problem of a configuration, one per line.
func (c Config) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		add("http_addr (VENDGATE_HTTP_ADDR): %q is not host:port", c.HTTPAddr)
	}
	if c.DataDir == "" {
		add("data_dir (VENDGATE_DATA_DIR): empty")
	}
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			add("database_url (VENDGATE_DATABASE_URL): want empty (embedded SQLite) or a postgres:// URL")
		}
	}
	if c.MasterKey != "" {
		if b, err := hex.DecodeString(c.MasterKey); err != nil || len(b) != 32 {
			add("master_key (VENDGATE_MASTER_KEY): want 64 hex digits (32 bytes)")
		}
		if c.MasterKeyFile != "" {
			add("master_key and master_key_file: give one, not both")
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		add("log_level (VENDGATE_LOG_LEVEL): %q is not debug, info, warn or error", c.LogLevel)
	}
	if c.MaxVendAmount < 0 {
		add("max_vend_amount (VENDGATE_MAX_VEND_AMOUNT): negative")
	}
	if c.ShutdownTimeout <= 0 {
		add("shutdown_timeout (VENDGATE_SHUTDOWN_TIMEOUT): must be positive")
	}
	if c.MaxBodyBytes < 1024 || c.MaxBodyBytes > 1<<20 {
		add("max_body_bytes (VENDGATE_MAX_BODY_BYTES): want 1024 to 1048576")
	}
	if c.HTTPHeaderTimeout <= 0 || c.HTTPReadTimeout <= 0 || c.HTTPWriteTimeout <= 0 || c.HTTPIdleTimeout <= 0 {
		add("http_header_timeout, http_read_timeout, http_write_timeout and http_idle_timeout (VENDGATE_HTTP_*_TIMEOUT): must be positive")
	} else if c.HTTPHeaderTimeout > c.HTTPReadTimeout {
		add("http_header_timeout (VENDGATE_HTTP_HEADER_TIMEOUT): must not pass http_read_timeout, which bounds the headers too")
	}
	if c.HTTPMaxHeaderBytes < 1024 || c.HTTPMaxHeaderBytes > 1<<20 {
		add("http_max_header_bytes (VENDGATE_HTTP_MAX_HEADER_BYTES): want 1024 to 1048576")
	}
	if c.HTTPMaxConnections < 1 || c.HTTPMaxConnections > 1_000_000 {
		add("http_max_connections (VENDGATE_HTTP_MAX_CONNECTIONS): want 1 to 1000000")
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			add("metrics_addr (VENDGATE_METRICS_ADDR): %q is not host:port (or empty: /metrics on http_addr)", c.MetricsAddr)
		} else if c.MetricsAddr == c.HTTPAddr {
			add("metrics_addr (VENDGATE_METRICS_ADDR): the same as http_addr; leave it empty to serve /metrics there")
		}
	}
	if c.MetricsToken != "" && (len(c.MetricsToken) < 16 || strings.ContainsAny(c.MetricsToken, " \t\r\n")) {
		add("metrics_token (VENDGATE_METRICS_TOKEN): want at least 16 characters without spaces")
	}
	if c.ISO8583MaxConnections < 1 || c.ISO8583MaxConnections > 1_000_000 {
		add("iso8583_max_connections (VENDGATE_ISO8583_MAX_CONNECTIONS): want 1 to 1000000")
	}
	if c.ISO8583Enabled() {
		if _, _, err := net.SplitHostPort(c.ISO8583Addr); err != nil {
			add("iso8583_addr (VENDGATE_ISO8583_ADDR): %q is not host:port (or off)", c.ISO8583Addr)
		}
	}
	switch c.ISO8583Header {
	case "binary2", "ascii4":
	default:
		add("iso8583_header (VENDGATE_ISO8583_HEADER): %q is not binary2 or ascii4", c.ISO8583Header)
	}
	if c.ISO8583Timeout <= 0 {
		add("iso8583_timeout (VENDGATE_ISO8583_TIMEOUT): must be positive")
	}
	if (c.ISO8583TLSCert == "") != (c.ISO8583TLSKey == "") {
		add("iso8583_tls_cert and iso8583_tls_key: give both or neither")
	}
	names := map[string]bool{}
	for i, b := range c.Binds() {
		what := fmt.Sprintf("smpp_binds[%d]", i)
		if i == 0 && c.SMPPAddr != "" {
			what = "smpp (VENDGATE_SMPP_*)"
		}
		if _, _, err := net.SplitHostPort(b.Addr); err != nil {
			add("%s: address %q is not host:port", what, b.Addr)
		}
		switch {
		case b.Name == "":
			add("%s: no name", what)
		case names[b.Name]:
			add("%s: the name %s is taken by another bind", what, b.Name)
		}
		names[b.Name] = true
		if b.SystemID == "" {
			add("%s: no system_id", what)
		}
		if b.Window < 0 || b.Throughput < 0 {
			add("%s: window and throughput must not be negative", what)
		}
		switch b.Alphabet {
		case "", "gsm7", "gsm7-packed", "latin1":
		default:
			add("%s: alphabet %q is not gsm7, gsm7-packed or latin1", what, b.Alphabet)
		}
	}
	if c.SMPPEnquireLink < time.Second {
		add("smpp_enquire_link (VENDGATE_SMPP_ENQUIRE_LINK): want at least 1s")
	}
	if c.RedisAddr != "" {
		if _, _, err := net.SplitHostPort(c.RedisAddr); err != nil {
			add("redis_addr (VENDGATE_REDIS_ADDR): %q is not host:port", c.RedisAddr)
		}
	}
	if c.ReplyWorkers < 1 || c.ReplyWorkers > 256 {
		add("reply_workers (VENDGATE_REPLY_WORKERS): want 1 to 256")
	}
	switch {
	case c.ReplyRetry <= 0 || c.ReplyRetryMax < c.ReplyRetry:
		add("reply_retry and reply_retry_max (VENDGATE_REPLY_RETRY, _MAX): want 0 < reply_retry <= reply_retry_max")
	case c.ReplyAttempts < 1:
		add("reply_attempts (VENDGATE_REPLY_ATTEMPTS): want at least 1")
	case c.ReplyLease < 15*time.Second || c.ReplyBreakerOpen <= 0 || c.ReplySweep <= 0:
		add("reply_lease (at least 15s: a delivery and the recording of its outcome), reply_breaker_open and reply_sweep (VENDGATE_REPLY_*): must be positive")
	}
	if _, err := core.ParseNetworks(c.USSDAllow); err != nil {
		add("ussd_allow (VENDGATE_USSD_ALLOW): %v", err)
	}
	if c.USSDSessionTimeout < 10*time.Second {
		add("ussd_session_timeout (VENDGATE_USSD_SESSION_TIMEOUT): want at least 10s")
	}
	return errors.Join(errs...)
}

// String prints the configuration with secrets masked: the master key and any database password.
func (c Config) String() string {
	mk := ""
	if c.MasterKey != "" {
		mk = "********"
	}
	db := c.DatabaseURL
	if u, err := url.Parse(db); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "********")
			db = u.String()
		}
	}
	if db == "" {
		db = "(embedded SQLite)"
	}
	var binds []string
	for _, b := range c.Binds() {
		binds = append(binds, fmt.Sprintf("%s@%s(system_id=%s password=%s tls=%t)", b.Name, b.Addr, b.SystemID, masked(b.Password), b.TLS))
	}
	redis := c.RedisAddr
	if redis == "" {
		redis = "(none: replies from the database)"
	}
	return fmt.Sprintf("http_addr=%s data_dir=%s database_url=%s master_key=%s master_key_file=%s log_level=%s max_vend_amount=%d shutdown_timeout=%s max_body_bytes=%d "+
		"http_header_timeout=%s http_read_timeout=%s http_write_timeout=%s http_idle_timeout=%s http_max_header_bytes=%d http_max_connections=%d metrics_addr=%s metrics_token=%s "+
		"iso8583_addr=%s iso8583_header=%s iso8583_timeout=%s iso8583_max_connections=%d iso8583_tls_cert=%s smpp=[%s] redis_addr=%s reply_workers=%d",
		c.HTTPAddr, c.DataDir, db, mk, c.MasterKeyFile, c.LogLevel, c.MaxVendAmount, c.ShutdownTimeout, c.MaxBodyBytes,
		c.HTTPHeaderTimeout, c.HTTPReadTimeout, c.HTTPWriteTimeout, c.HTTPIdleTimeout, c.HTTPMaxHeaderBytes, c.HTTPMaxConnections, c.MetricsAddr, masked(c.MetricsToken),
		c.ISO8583Addr, c.ISO8583Header, c.ISO8583Timeout, c.ISO8583MaxConnections, c.ISO8583TLSCert, strings.Join(binds, " "), redis, c.ReplyWorkers)
}

func masked(secret string) string {
	if secret == "" {
		return ""
	}
	return "********"
}

// MasterKeyBytes returns the 32-byte master key: from the configuration, from the key file, or
// for the embedded default from DataDir/master.key, created (mode 0600) when missing. created
// says whether it was just made.
func (c Config) MasterKeyBytes() (key []byte, created bool, err error) {
	if c.MasterKey != "" {
		key, err = hex.DecodeString(c.MasterKey)
		return key, false, err
	}
	path := c.MasterKeyFile
	if path == "" {
		if c.DatabaseURL != "" {
			return nil, false, errors.New("a PostgreSQL deployment needs master_key or master_key_file (VENDGATE_MASTER_KEY_FILE); " +
				"only the embedded default creates its own")
		}
		path = filepath.Join(c.DataDir, "master.key")
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return createKeyFile(path)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, false, fmt.Errorf("master key file: %w", err)
	}
	key, err = hex.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil || len(key) != 32 {
		return nil, false, fmt.Errorf("master key file %s: want 64 hex digits", path)
	}
	return key, false, nil
}

func createKeyFile(path string) ([]byte, bool, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("creating the master key file: %w", err)
	}
	if _, err := fmt.Fprintln(f, hex.EncodeToString(key)); err != nil {
		f.Close()
		return nil, false, err
	}
	return key, true, f.Close()
}
