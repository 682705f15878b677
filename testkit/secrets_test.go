package testkit_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/vendgate/vendgate/testkit"
)

// recorder is a testing.TB that keeps the failures instead of failing.
type recorder struct {
	testing.TB
	failures []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

// TestAssertNoSecretsCatches proves that the asserter fails for each form of each secret, and
// that its failure does not repeat the secret.
func TestAssertNoSecretsCatches(t *testing.T) {
	const (
		token  = "56640423149838017262"
		pan    = "4761739001010119"
		apiKey = "vg_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde"
		pass   = "s3cret-SMPP-pass"
	)
	key := []byte{0x0a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x56, 0x78}
	secrets := testkit.Secrets{Tokens: []string{token}, PANs: []string{pan}, Keys: [][]byte{key}, APIKeys: []string{apiKey}, Passwords: []string{pass}}
	for name, text := range map[string]string{
		"TokenPlain":      `{"msg":"vend","token":"56640423149838017262"}`,
		"TokenDashes":     `{"msg":"vend","token":"5664-0423-1498-3801-7262"}`,
		"TokenSpaces":     "Token: 5664 0423 1498 3801 7262",
		"TokenUnknown":    `{"receipt":"Token:     1111-2222-3333-4444-5555"}`,
		"TokenUnknownRaw": `field 63=11112222333344445555;`,
		"PANPlain":        `{"pan":"4761739001010119"}`,
		"PANGrouped":      "card 4761 7390 0101 0119",
		"KeyLowerHex":     `{"key":"0abcdef012345678"}`,
		"KeyUpperHex":     "decoder key 0ABCDEF012345678",
		"APIKey":          "Authorization: Bearer " + apiKey,
		"Password":        `{"password":"s3cret-SMPP-pass"}`,
	} {
		t.Run(name, func(t *testing.T) {
			r := &recorder{TB: t}
			testkit.AssertNoSecrets(r, "the logs", text, secrets)
			if len(r.failures) == 0 {
				t.Fatalf("no failure for %q", text)
			}
			for _, f := range r.failures {
				for _, s := range []string{token, pan, apiKey, pass, "0abcdef012345678", "5664-0423", "4761 7390"} {
					if strings.Contains(f, s) {
						t.Errorf("the failure %q repeats a secret", f)
					}
				}
			}
		})
	}
}

// TestAssertNoSecretsPasses: masked forms and ordinary log lines are not secrets.
func TestAssertNoSecretsPasses(t *testing.T) {
	r := &recorder{TB: t}
	text := `{"level":"info","time":"2026-03-01T09:30:00Z","pan":"476173******0119","token":"5664-****-****-****-****",` +
		`"api_key":"vg_AbC****","amount":5000,"stan":"000004","rrn":"000000000004","took_ns":1234567890123456789}` + "\n"
	testkit.AssertNoSecrets(r, "the logs", text, testkit.Secrets{
		Tokens: []string{"56640423149838017262"}, PANs: []string{"4761739001010119"}, APIKeys: []string{"vg_AbCdEfGhIjKlMnOp"},
		Keys: [][]byte{{1, 2, 3, 4, 5, 6, 7, 8}}, Passwords: []string{"s3cret"},
	})
	if len(r.failures) != 0 {
		t.Fatalf("failures for clean logs: %v", r.failures)
	}
}

// TestCaptureLogs: the captured logger takes lines from many goroutines at once (go test -race).
func TestCaptureLogs(t *testing.T) {
	log, logs := testkit.CaptureLogs(t)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() { log.Info().Int("i", i).Msg("line") })
	}
	wg.Wait()
	if n := strings.Count(logs.String(), `"message":"line"`); n != 20 {
		t.Fatalf("got %d lines, want 20:\n%s", n, logs)
	}
}
