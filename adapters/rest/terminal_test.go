package rest_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/vendgate/vendgate/core"
)

// TestVendNamesTheTerminal: a vend made with a terminal's API key (the agent as the key found
// it, with its TerminalID) is asked of the core with that terminal, so the vend records it; the
// agent's own key names none.
func TestVendNamesTheTerminal(t *testing.T) {
	e := newEnv(t)
	const terminalKey = "vg_terminal-0123456789abcdefghijklmnopqrstuvwxyzABC"
	till := e.agents.byID[7]
	till.TerminalID = 3
	e.agents.byID[70] = till
	e.agents.byHash[core.HashAPIKey(terminalKey)] = 70
	body := fmt.Sprintf(`{"meter_number":%q,"amount_minor":5000,"currency":"ZAR"}`, meterOK)
	for i, key := range []string{terminalKey, keySeven} {
		rec := e.do(t, request(http.MethodPost, "/v1/vends", body, "Authorization", "Bearer "+key, "Idempotency-Key", fmt.Sprintf("till-3-%d", i)))
		if rec.Code/100 != 2 {
			t.Fatalf("vend: status %d, body %s", rec.Code, rec.Body)
		}
	}
	reqs := e.vendor.requests()
	if len(reqs) != 2 || reqs[0].TerminalID != 3 || reqs[1].TerminalID != 0 {
		t.Fatalf("the core was asked %+v, want terminal 3 then none", reqs)
	}
}
