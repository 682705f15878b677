package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestOutageWarnsOnce: while the database fails, every request is answered 503 and the log has
// one warning for the outage, not one per request (59,741 lines in 35 s).
func TestOutageWarnsOnce(t *testing.T) {
	m, logs := bootEmbedded(t)
	before := len(logs.String())
	m.DB.Close() // every query now fails, as with the database down
	const n = 20
	for i := range n {
		body := fmt.Sprintf(`{"meter_number":%q,"amount_minor":5000,"currency":"ZAR"}`, m.Demo.Meters[0].Number)
		if status, raw := post(t, m, "/v1/vends", m.Demo.APIKey, fmt.Sprintf("outage-%d", i), body); status != http.StatusServiceUnavailable {
			t.Fatalf("a vend during the outage: %d %s, want 503", status, raw)
		}
	}
	warnings := 0
	during := logs.String()[before:]
	for line := range strings.Lines(during) {
		if strings.Contains(line, `"level":"warn"`) {
			warnings++
		}
	}
	if warnings != 1 || !strings.Contains(during, "the database fails") {
		t.Fatalf("%d warnings for an outage of %d failed requests, want 1:\n%s", warnings, n, during)
	}
}
