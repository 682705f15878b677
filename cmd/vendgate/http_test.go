package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vendgate/vendgate/config"
)

// closedByServer reads c until the server closes it and fails the test if that takes longer
// than within (the client's own deadline), returning how long it took.
func closedByServer(t *testing.T, c net.Conn, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	_ = c.SetReadDeadline(start.Add(within))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the connection was still open after %s", within)
	}
	return time.Since(start)
}

func dialHTTP(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// getHealthz sends GET /healthz on a kept-alive connection and reads the answer.
func getHealthz(t *testing.T, c net.Conn, r *bufio.Reader) {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: vendgate\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz: %d, want 200", res.StatusCode)
	}
	_ = c.SetDeadline(time.Time{})
}

// TestHTTPSlowBodyCutOff sends a request's headers, then its body a byte at a time: the server
// cuts the connection off after http_read_timeout instead of holding it.
func TestHTTPSlowBodyCutOff(t *testing.T) {
	const readTimeout = 500 * time.Millisecond
	m, _ := bootWith(t, func(c *config.Config) { c.HTTPHeaderTimeout, c.HTTPReadTimeout = readTimeout, readTimeout })
	c := dialHTTP(t, m.Addr())
	if _, err := io.WriteString(c, "POST /v1/ussd HTTP/1.1\r\nHost: vendgate\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go func() { // the body, slowly, until the server closes the connection
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if _, err := io.WriteString(c, "a"); err != nil {
					return
				}
			}
		}
	}()
	if took := closedByServer(t, c, 10*time.Second); took < readTimeout/2 {
		t.Errorf("the connection was closed after %s, before the read timeout of %s", took, readTimeout)
	}
}

// TestHTTPIdleClosed leaves a keep-alive connection idle after a request: the server closes it
// after http_idle_timeout.
func TestHTTPIdleClosed(t *testing.T) {
	m, _ := bootWith(t, func(c *config.Config) { c.HTTPIdleTimeout = 300 * time.Millisecond })
	c := dialHTTP(t, m.Addr())
	getHealthz(t, c, bufio.NewReader(c))
	closedByServer(t, c, 10*time.Second)
}

// TestHTTPMaxConnections bounds the HTTP listener to two connections: a third is closed at once
// while the two open ones are still served.
func TestHTTPMaxConnections(t *testing.T) {
	m, logs := bootWith(t, func(c *config.Config) { c.HTTPMaxConnections = 2 })
	var conns []net.Conn
	var readers []*bufio.Reader
	for range 2 {
		c := dialHTTP(t, m.Addr())
		r := bufio.NewReader(c)
		getHealthz(t, c, r)
		conns, readers = append(conns, c), append(readers, r)
	}
	closedByServer(t, dialHTTP(t, m.Addr()), 5*time.Second)
	for i, c := range conns {
		getHealthz(t, c, readers[i])
	}
	if !strings.Contains(logs.String(), "at its bound") {
		t.Errorf("the refusal is not logged:\n%s", logs)
	}
}

// TestUSSDWrongMethod asks GET /v1/ussd: 405 with Allow: POST, not the API's 404.
func TestUSSDWrongMethod(t *testing.T) {
	m, _ := bootEmbedded(t)
	res, err := http.Get("http://" + m.Addr() + "/v1/ussd")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != http.MethodPost {
		t.Errorf("GET /v1/ussd: %d with Allow %q, want 405 with Allow POST", res.StatusCode, res.Header.Get("Allow"))
	}
}

// TestMetricsOwnAddress serves /metrics on metrics_addr behind metrics_token: the token is
// required there, and the API's address no longer serves /metrics.
func TestMetricsOwnAddress(t *testing.T) {
	const token = "scrape-token-for-the-test"
	m, logs := bootWith(t, func(c *config.Config) { c.MetricsAddr, c.MetricsToken = "127.0.0.1:0", token })
	if m.MetricsAddr() == m.Addr() {
		t.Fatalf("metrics on %s, the API's address", m.MetricsAddr())
	}
	get := func(addr, auth string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if res, err := http.Get("http://" + m.Addr() + "/healthz"); err == nil { // a request to count
		res.Body.Close()
	}
	if code, body := get(m.MetricsAddr(), "Bearer "+token); code != http.StatusOK || !strings.Contains(body, "vendgate_http_request_duration_seconds") {
		t.Errorf("metrics with the token: %d %.200s, want 200 with metrics", code, body)
	}
	if code, _ := get(m.MetricsAddr(), ""); code != http.StatusUnauthorized {
		t.Errorf("metrics without the token: %d, want 401", code)
	}
	if code, _ := get(m.Addr(), "Bearer "+token); code != http.StatusNotFound {
		t.Errorf("metrics on the API's address: %d, want 404", code)
	}
	if strings.Contains(logs.String(), token) {
		t.Errorf("the logs carry the metrics token")
	}
}

// TestHTTPMaxHeaderBytes sends headers past http_max_header_bytes: 431, and a request within
// the bound is served.
func TestHTTPMaxHeaderBytes(t *testing.T) {
	m, _ := bootWith(t, func(c *config.Config) { c.HTTPMaxHeaderBytes = 1024 })
	get := func(header int) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, "http://"+m.Addr()+"/healthz", nil)
		req.Header.Set("X-Padding", strings.Repeat("a", header))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := get(100); code != http.StatusOK {
		t.Errorf("small headers: %d, want 200", code)
	}
	// net/http allows 4 KiB beyond the bound for the request line and its own reading.
	if code := get(16 << 10); code != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("16 KiB of headers: %d, want 431", code)
	}
}
