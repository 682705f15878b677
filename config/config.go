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
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"

	"github.com/knadh/koanf/parsers/toml/v2"
	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"
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
	// USSDAllow are the networks USSD aggregators call from (addresses or CIDR, comma-separated in
	// the environment, a list or a string in the file); a callback from elsewhere is refused.
	USSDAllow []netip.Prefix `koanf:"ussd_allow"`
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

// DefaultRoute is the SMPP bind replies go out on when nothing names one: the first bind, or the
// name a bind from the environment gets.
func (c Config) DefaultRoute() string {
	if b := c.Binds(); len(b) > 0 {
		return b[0].Name
	}
	return c.SMPPName
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
		USSDAllow:          []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")},

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
	if err := k.Load(confmap.Provider(defaultsMap(), "."), nil); err != nil {
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
	if err := k.UnmarshalWithConf("", &c, koanf.UnmarshalConf{DecoderConfig: &mapstructure.DecoderConfig{
		DecodeHook: mapstructure.ComposeDecodeHookFunc(networksHook, mapstructure.StringToTimeDurationHookFunc()),
		// The file and the environment give numbers and booleans as text.
		WeaklyTypedInput: true,
	}}); err != nil {
		return Config{}, fmt.Errorf("configuration: %s", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return c, c.Validate()
}

// defaultsMap is Defaults() keyed by the koanf tags, every field of Config in it, so that a new
// setting has its default in Load without being listed twice.
func defaultsMap() map[string]any {
	d := reflect.ValueOf(Defaults())
	out := map[string]any{}
	for i := range d.NumField() {
		tag := d.Type().Field(i).Tag.Get("koanf")
		if tag == "" {
			continue
		}
		switch v := d.Field(i).Interface().(type) {
		case []netip.Prefix: // as text: koanf's copy of a map loses netip's unexported fields
			out[tag] = show(tag, v)
		default:
			out[tag] = v
		}
	}
	return out
}

var prefixesType = reflect.TypeFor[[]netip.Prefix]()

// networksHook decodes a list of networks: a comma- or space-separated string (the defaults and
// the environment) or a list of strings (a TOML array).
func networksHook(from, to reflect.Type, data any) (any, error) {
	if to != prefixesType {
		return data, nil
	}
	switch v := data.(type) {
	case string:
		return ParseNetworks(v)
	case []any:
		var out []netip.Prefix
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%v is not an address or a network", e)
			}
			ps, err := ParseNetworks(s)
			if err != nil {
				return nil, err
			}
			out = append(out, ps...)
		}
		return out, nil
	}
	return data, nil
}

// parseNetworks parses networks in CIDR form or single addresses (a network of one), separated
// by commas or spaces.
func ParseNetworks(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		if a, err := netip.ParseAddr(f); err == nil {
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a network in CIDR form", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
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
	for _, p := range c.USSDAllow {
		if !p.IsValid() {
			add("ussd_allow (VENDGATE_USSD_ALLOW): an invalid network")
		}
	}
	if c.USSDSessionTimeout < 10*time.Second {
		add("ussd_session_timeout (VENDGATE_USSD_SESSION_TIMEOUT): want at least 10s")
	}
	return errors.Join(errs...)
}

// String prints every setting, key=value in the order of Config, with secrets masked: the
// master key, SMPP passwords and any database password.
func (c Config) String() string {
	v := reflect.ValueOf(c)
	parts := make([]string, 0, v.NumField())
	for i := range v.NumField() {
		key := v.Type().Field(i).Tag.Get("koanf")
		if key == "" {
			continue
		}
		parts = append(parts, key+"="+show(key, v.Field(i).Interface()))
	}
	return strings.Join(parts, " ")
}

// show prints one setting's value, masking the secrets.
func show(key string, value any) string {
	switch v := value.(type) {
	case string:
		switch key {
		case "master_key", "smpp_password", "metrics_token":
			return masked(v)
		case "database_url":
			return maskURL(v)
		}
		return fmt.Sprintf("%q", v)
	case []netip.Prefix:
		s := make([]string, len(v))
		for i, p := range v {
			s[i] = p.String()
		}
		return strings.Join(s, ",")
	case []SMPPBind:
		s := make([]string, len(v))
		for i, b := range v {
			s[i] = fmt.Sprintf("{name=%q addr=%q system_id=%q password=%s system_type=%q window=%d throughput=%d tls=%t tls_ca=%q alphabet=%q}",
				b.Name, b.Addr, b.SystemID, masked(b.Password), b.SystemType, b.Window, b.Throughput, b.TLS, b.TLSCA, b.Alphabet)
		}
		return "[" + strings.Join(s, " ") + "]"
	}
	return fmt.Sprint(value)
}

// maskURL hides the password of a database URL.
func maskURL(db string) string {
	if u, err := url.Parse(db); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "********")
			return fmt.Sprintf("%q", u.String())
		}
	}
	return fmt.Sprintf("%q", db)
}

func masked(secret string) string {
	if secret == "" {
		return `""`
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

// MasterKeySource names where the master key comes from, for messages: the variable, or the file.
func (c Config) MasterKeySource() string {
	switch {
	case c.MasterKey != "":
		return "master_key (VENDGATE_MASTER_KEY)"
	case c.MasterKeyFile != "":
		return c.MasterKeyFile
	}
	return filepath.Join(c.DataDir, "master.key")
}

// MasterKeyFilePath is the file the master key is read from ("" when it is given as a value).
func (c Config) MasterKeyFilePath() string {
	if c.MasterKey != "" {
		return ""
	}
	return c.MasterKeySource()
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
