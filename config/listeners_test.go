package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/vendgate/vendgate/config"
)

// TestListenerSettings loads the HTTP server's bounds, the connection bounds and the metrics
// settings from the environment, refuses bad ones naming each key, and masks the metrics token.
func TestListenerSettings(t *testing.T) {
	c, err := config.Load("", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := config.Defaults()
	if c.HTTPReadTimeout != d.HTTPReadTimeout || c.HTTPWriteTimeout != d.HTTPWriteTimeout || c.HTTPIdleTimeout != d.HTTPIdleTimeout ||
		c.HTTPHeaderTimeout != d.HTTPHeaderTimeout || c.HTTPMaxHeaderBytes != d.HTTPMaxHeaderBytes ||
		c.HTTPMaxConnections != 10_000 || c.ISO8583MaxConnections != 1000 || c.MetricsAddr != "" || c.MetricsToken != "" {
		t.Errorf("Load with nothing set: got %+v, want the defaults", c)
	}

	c, err = config.Load("", []string{"VENDGATE_HTTP_READ_TIMEOUT=5s", "VENDGATE_HTTP_WRITE_TIMEOUT=7s", "VENDGATE_HTTP_IDLE_TIMEOUT=9s",
		"VENDGATE_HTTP_HEADER_TIMEOUT=2s", "VENDGATE_HTTP_MAX_HEADER_BYTES=8192", "VENDGATE_HTTP_MAX_CONNECTIONS=50",
		"VENDGATE_ISO8583_MAX_CONNECTIONS=20", "VENDGATE_METRICS_ADDR=127.0.0.1:9464", "VENDGATE_METRICS_TOKEN=scrape-me-please-0123"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPReadTimeout != 5*time.Second || c.HTTPWriteTimeout != 7*time.Second || c.HTTPIdleTimeout != 9*time.Second ||
		c.HTTPHeaderTimeout != 2*time.Second || c.HTTPMaxHeaderBytes != 8192 || c.HTTPMaxConnections != 50 ||
		c.ISO8583MaxConnections != 20 || c.MetricsAddr != "127.0.0.1:9464" || c.MetricsToken != "scrape-me-please-0123" {
		t.Errorf("Load from the environment: got %+v", c)
	}
	if s := c.String(); strings.Contains(s, "scrape-me-please") || !strings.Contains(s, `metrics_addr="127.0.0.1:9464"`) ||
		!strings.Contains(s, "http_read_timeout=5s") || !strings.Contains(s, "iso8583_max_connections=20") {
		t.Errorf("String: %s; want the settings with the metrics token masked", s)
	}

	_, err = config.Load("", []string{"VENDGATE_HTTP_READ_TIMEOUT=1s", "VENDGATE_HTTP_HEADER_TIMEOUT=2s",
		"VENDGATE_HTTP_MAX_HEADER_BYTES=10", "VENDGATE_HTTP_MAX_CONNECTIONS=0", "VENDGATE_ISO8583_MAX_CONNECTIONS=-1",
		"VENDGATE_METRICS_ADDR=9464", "VENDGATE_METRICS_TOKEN=short"}, nil)
	for _, key := range []string{"http_header_timeout", "http_max_header_bytes", "http_max_connections", "iso8583_max_connections",
		"metrics_addr", "metrics_token"} {
		if err == nil || !strings.Contains(err.Error(), key+" (VENDGATE_") {
			t.Errorf("bad settings: got %v, want a problem naming %s", err, key)
		}
	}
	if _, err := config.Load("", []string{"VENDGATE_HTTP_IDLE_TIMEOUT=0s"}, nil); err == nil || !strings.Contains(err.Error(), "http_idle_timeout") {
		t.Errorf("a zero idle timeout: got %v, want refused", err)
	}
	if _, err := config.Load("", []string{"VENDGATE_METRICS_ADDR=127.0.0.1:8080"}, nil); err == nil || !strings.Contains(err.Error(), "metrics_addr") {
		t.Errorf("metrics_addr equal to http_addr: got %v, want refused", err)
	}
}
