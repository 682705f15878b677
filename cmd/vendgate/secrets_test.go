package main

import (
	"context"
	"encoding/hex"
	"testing"

	"github.com/vendgate/vendgate/testkit"
)

// serverSecrets is what the server's logs must never carry: the demo's API key, every token the
// database holds for the demo meters, the meters' PANs, vending and decoder keys, the master key
// and the SMPP password; extra adds what the test knows besides (tokens it read off a reply).
func serverSecrets(t *testing.T, m *Main, extra ...string) testkit.Secrets {
	t.Helper()
	s := testkit.Secrets{Tokens: extra, Passwords: []string{m.Config.SMPPPassword}}
	if master, _, err := m.Config.MasterKeyBytes(); err == nil {
		s.Keys = append(s.Keys, master)
	}
	if m.Demo == nil {
		return s
	}
	s.APIKeys = append(s.APIKeys, m.Demo.APIKey)
	for _, d := range m.Demo.Meters {
		s.PANs = append(s.PANs, d.PAN)
		if vk, err := hex.DecodeString(d.VendingKey); err == nil {
			s.Keys = append(s.Keys, vk)
		}
		s.Keys = append(s.Keys, demoMeterFor(t, d).Key().Key)
		vends, err := m.DB.VendsByMeter(context.Background(), d.Number, 0, 1000)
		if err != nil { // a test that closed the database: anything token-shaped is still caught
			t.Logf("reading the vends of meter %s for the secrets: %v", d.Number, err)
			continue
		}
		for _, v := range vends {
			for _, tk := range v.Tokens {
				s.Tokens = append(s.Tokens, tk.Token.String())
			}
		}
	}
	return s
}

// assertLogsClean fails if the server's logs so far carry a secret of serverSecrets.
func assertLogsClean(t *testing.T, m *Main, logs *testkit.Logs, extra ...string) {
	t.Helper()
	testkit.AssertNoSecrets(t, "the server's logs", logs.String(), serverSecrets(t, m, extra...))
}
