package config_test

import (
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vendgate/vendgate/config"
)

func TestLoadPrecedence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vendgate.toml")
	if err := os.WriteFile(path, []byte("http_addr = \"127.0.0.1:9000\"\nlog_level = \"debug\"\nshutdown_timeout = \"2s\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(path, []string{"VENDGATE_HTTP_ADDR=127.0.0.1:9100", "VENDGATE_DATA_DIR=/tmp/vg", "OTHER=x"},
		map[string]any{"http_addr": "127.0.0.1:9200"})
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "127.0.0.1:9200" || c.DataDir != "/tmp/vg" || c.LogLevel != "debug" || c.ShutdownTimeout != 2*time.Second {
		t.Fatalf("got %+v, want flag > env > file > defaults", c)
	}
	if d := config.Defaults(); c.MaxBodyBytes != d.MaxBodyBytes {
		t.Fatalf("default max_body_bytes: got %d, want %d", c.MaxBodyBytes, d.MaxBodyBytes)
	}
}

func TestLoadListsEveryProblem(t *testing.T) {
	_, err := config.Load("", []string{
		"VENDGATE_HTTP_ADDR=nope", "VENDGATE_DATABASE_URL=mysql://x", "VENDGATE_LOG_LEVEL=loud",
		"VENDGATE_MASTER_KEY=abc", "VENDGATE_MAX_BODY_BYTES=5",
		"VENDGATE_ISO8583_ADDR=8583", "VENDGATE_ISO8583_HEADER=bcd", "VENDGATE_ISO8583_TLS_CERT=cert.pem",
	}, nil)
	if err == nil {
		t.Fatal("got nil error")
	}
	for _, want := range []string{"VENDGATE_HTTP_ADDR", "VENDGATE_DATABASE_URL", "VENDGATE_LOG_LEVEL", "VENDGATE_MASTER_KEY", "VENDGATE_MAX_BODY_BYTES",
		"VENDGATE_ISO8583_ADDR", "VENDGATE_ISO8583_HEADER", "iso8583_tls_key"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "abc") {
		t.Errorf("error repeats the master key value:\n%v", err)
	}
}

func TestStringMasksSecrets(t *testing.T) {
	c := config.Defaults()
	c.MasterKey = strings.Repeat("ab", 32)
	c.DatabaseURL = "postgres://vend:s3cret@db:5432/vendgate"
	s := c.String()
	if strings.Contains(s, "s3cret") || strings.Contains(s, c.MasterKey) {
		t.Fatalf("secrets in %q", s)
	}
}

func TestMasterKeyFileCreatedOnce(t *testing.T) {
	c := config.Defaults()
	c.DataDir = filepath.Join(t.TempDir(), "data")
	k1, created, err := c.MasterKeyBytes()
	if err != nil || !created || len(k1) != 32 {
		t.Fatalf("first call: got %d bytes, created %v, %v", len(k1), created, err)
	}
	fi, err := os.Stat(filepath.Join(c.DataDir, "master.key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("master.key: %v, mode %v, want 0600", err, fi.Mode())
	}
	k2, created, err := c.MasterKeyBytes()
	if err != nil || created || string(k1) != string(k2) {
		t.Fatalf("second call: created %v, same key %v, %v", created, string(k1) == string(k2), err)
	}
	c.DatabaseURL = "postgres://db/vendgate"
	if _, _, err := c.MasterKeyBytes(); err == nil {
		t.Fatal("PostgreSQL without a master key: got nil error")
	}
}

func TestSMPPBinds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vendgate.toml")
	file := "[[smpp_binds]]\nname = \"mtn\"\naddr = \"10.0.0.5:2775\"\nsystem_id = \"vg\"\npassword = \"fileSecret\"\nthroughput = 30\n"
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(path, []string{"VENDGATE_SMPP_ADDR=127.0.0.1:2775", "VENDGATE_SMPP_SYSTEM_ID=vendgate",
		"VENDGATE_SMPP_PASSWORD=envSecret", "VENDGATE_REDIS_ADDR=127.0.0.1:6379"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	binds := c.Binds()
	if len(binds) != 2 || binds[0].Name != "smsc" || binds[0].Addr != "127.0.0.1:2775" || binds[0].Password != "envSecret" ||
		binds[1].Name != "mtn" || binds[1].Throughput != 30 {
		t.Fatalf("binds %+v", binds)
	}
	if s := c.String(); strings.Contains(s, "envSecret") || strings.Contains(s, "fileSecret") || !strings.Contains(s, `name="mtn" addr="10.0.0.5:2775"`) {
		t.Errorf("String() shows a password or hides a bind: %s", s)
	}

	_, err = config.Load("", []string{"VENDGATE_SMPP_ADDR=2775", "VENDGATE_SMPP_ALPHABET=ebcdic", "VENDGATE_REDIS_ADDR=redis",
		"VENDGATE_REPLY_WORKERS=0"}, nil)
	for _, want := range []string{"VENDGATE_SMPP", "not host:port", "no system_id", "ebcdic", "VENDGATE_REDIS_ADDR", "VENDGATE_REPLY_WORKERS"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s:\n%v", want, err)
		}
	}
	if c, err := config.Load("", nil, nil); err != nil || len(c.Binds()) != 0 {
		t.Errorf("no SMSC configured: %v, %d binds; want the server to run without SMS", err, len(c.Binds()))
	}
}

// TestLoadDefaultsEqualDefaults: Load with no file, environment or flags gives Defaults(), field
// by field (every field, found by reflection, so that a new setting cannot be missed).
func TestLoadDefaultsEqualDefaults(t *testing.T) {
	got, err := config.Load("", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := config.Defaults()
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range gv.NumField() {
		f := gv.Type().Field(i)
		if !reflect.DeepEqual(gv.Field(i).Interface(), wv.Field(i).Interface()) {
			t.Errorf("%s (%s): Load gives %v, Defaults() %v", f.Name, f.Tag.Get("koanf"), gv.Field(i).Interface(), wv.Field(i).Interface())
		}
	}
}

// TestStringShowsEverySetting: the configuration printed at start names every key.
func TestStringShowsEverySetting(t *testing.T) {
	s := config.Defaults().String()
	typ := reflect.TypeFor[config.Config]()
	for i := range typ.NumField() {
		if key := typ.Field(i).Tag.Get("koanf"); !strings.Contains(s, " "+key+"=") && !strings.HasPrefix(s, key+"=") {
			t.Errorf("String() does not show %s:\n%s", key, s)
		}
	}
}

func TestUSSDAllowParsed(t *testing.T) {
	c, err := config.Load("", []string{"VENDGATE_USSD_ALLOW=10.1.2.3, 192.168.0.0/16 ::1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.1.2.3/32"), netip.MustParsePrefix("192.168.0.0/16"), netip.MustParsePrefix("::1/128")}
	if !reflect.DeepEqual(c.USSDAllow, want) {
		t.Fatalf("got %v, want %v", c.USSDAllow, want)
	}
	path := filepath.Join(t.TempDir(), "vendgate.toml")
	if err := os.WriteFile(path, []byte("ussd_allow = [\"10.0.0.0/8\", \"127.0.0.1\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if c, err = config.Load(path, nil, nil); err != nil {
		t.Fatal(err)
	}
	if want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32")}; !reflect.DeepEqual(c.USSDAllow, want) {
		t.Fatalf("from the file: got %v, want %v", c.USSDAllow, want)
	}
	_, err = config.Load("", []string{"VENDGATE_USSD_ALLOW=10.0.0.0/99"}, nil)
	if err == nil || !strings.Contains(err.Error(), "ussd_allow") {
		t.Fatalf("got %v, want an error naming ussd_allow", err)
	}
}

func TestParseNetworks(t *testing.T) {
	nets, err := config.ParseNetworks("10.0.0.0/8, 192.168.1.7 ::1 10.1.2.3/16")
	want := []string{"10.0.0.0/8", "192.168.1.7/32", "::1/128", "10.1.0.0/16"}
	if err != nil || len(nets) != len(want) {
		t.Fatalf("ParseNetworks: %v, %v", nets, err)
	}
	for i, n := range nets {
		if n.String() != want[i] {
			t.Errorf("network %d: %s, want %s", i, n, want[i])
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "example.com", "10.0.0"} {
		if _, err := config.ParseNetworks(bad); err == nil {
			t.Errorf("ParseNetworks accepted %q", bad)
		}
	}
}
