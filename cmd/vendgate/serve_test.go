package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vendgate/vendgate/testkit"
)

// startServe runs `vendgate serve` as the binary does (run with arguments and an environment)
// on a data folder with :0 addresses, and returns what it printed once it printed the demo's
// USSD command. The server stops when the test ends.
func startServe(t *testing.T, dataDir string) *testkit.Logs {
	t.Helper()
	out, stop := startServeStop(t, dataDir)
	t.Cleanup(stop)
	return out
}

// serveArgs are the arguments and environment of a test's `vendgate serve` on dataDir.
func serveArgs(dataDir string) ([]string, []string) {
	return []string{"serve", "--http-addr", "127.0.0.1:0", "--data-dir", dataDir},
		[]string{"VENDGATE_ISO8583_ADDR=127.0.0.1:0", "VENDGATE_LOG_LEVEL=warn"}
}

// startServeStop is startServe with the stop in the caller's hands.
func startServeStop(t *testing.T, dataDir string) (*testkit.Logs, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &testkit.Logs{}, &testkit.Logs{}
	args, environ := serveArgs(dataDir)
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, environ, stdout, stderr) }()
	stop := func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("vendgate serve exited %d: %s", code, stderr.String())
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(stdout.String(), "/v1/ussd") {
		select {
		case code := <-done:
			cancel()
			t.Fatalf("vendgate serve exited %d before printing the demo:\n%s\n%s", code, stdout.String(), stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("vendgate serve printed no USSD command:\n%s", stdout.String())
		}
	}
	return stdout, stop
}

// printedCommand returns the first printed line that runs curl against path.
func printedCommand(t *testing.T, out, path string) string {
	t.Helper()
	for line := range strings.Lines(out) {
		if line = strings.TrimSpace(line); strings.HasPrefix(line, "curl ") && strings.Contains(line, path) {
			return line
		}
	}
	t.Fatalf("no curl command for %s in:\n%s", path, out)
	return ""
}

// TestServeDemoUSSDCommand: a plain `vendgate serve` on the default configuration answers the
// USSD command it prints with the menu (it answered 403: the defaults Load built lacked
// ussd_allow).
func TestServeDemoUSSDCommand(t *testing.T) {
	out := startServe(t, t.TempDir())
	status, body := runCurl(t, printedCommand(t, out.String(), "/v1/ussd"))
	if status != http.StatusOK || !strings.HasPrefix(body, "CON ") || !strings.Contains(body, "1.") {
		t.Fatalf("the demo's USSD command: status %d, body %q; want 200 and the menu (CON ...)", status, body)
	}
}

// runCurl does what the printed curl command line does: the subset of curl the demo prints
// (-s, -X, -H, -d, --data-urlencode, a URL; shell single quotes).
func runCurl(t *testing.T, line string) (int, string) {
	t.Helper()
	args := shellWords(t, line)
	if len(args) == 0 || args[0] != "curl" {
		t.Fatalf("not a curl command: %s", line)
	}
	var (
		target, method string
		data           []string
		header         = http.Header{}
	)
	for i := 1; i < len(args); i++ {
		next := func() string {
			if i++; i >= len(args) {
				t.Fatalf("%s: %s wants a value", line, args[i-1])
			}
			return args[i]
		}
		switch a := args[i]; a {
		case "-s":
		case "-X":
			method = next()
		case "-H":
			k, v, _ := strings.Cut(next(), ":")
			header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
		case "-d":
			data = append(data, next())
		case "--data-urlencode":
			k, v, _ := strings.Cut(next(), "=")
			data = append(data, k+"="+url.QueryEscape(v))
		default:
			if strings.HasPrefix(a, "-") {
				t.Fatalf("%s: curl option %s is not understood by this test", line, a)
			}
			target = a
		}
	}
	if method == "" {
		method = http.MethodGet
		if data != nil {
			method = http.MethodPost
		}
	}
	req, err := http.NewRequest(method, target, strings.NewReader(strings.Join(data, "&")))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	if data != nil && header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// shellWords splits a command line as sh does for the demo's commands: spaces separate words,
// single quotes quote, a backslash before a newline continues the line.
func shellWords(t *testing.T, line string) []string {
	t.Helper()
	var (
		words  []string
		cur    strings.Builder
		inWord bool
		quoted bool
	)
	line = strings.ReplaceAll(line, "\\\n", " ")
	for _, r := range line {
		switch {
		case quoted && r == '\'':
			quoted = false
		case quoted:
			cur.WriteRune(r)
		case r == '\'':
			quoted, inWord = true, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quoted {
		t.Fatalf("unterminated quote in %s", line)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}
