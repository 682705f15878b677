package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vendgate/vendgate/internal/demo"
)

// TestAdminTariffKinds creates tariffs of two kinds from the command line, with the charges that
// are now the tariff's, and checks that a gas meter refuses the water tariff with a clear message.
func TestAdminTariffKinds(t *testing.T) {
	for name, env := range adminEnvs(t) {
		t.Run(name, func(t *testing.T) {
			keyFile := filepath.Join(t.TempDir(), "vk")
			if err := os.WriteFile(keyFile, []byte(adminVK+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			u := adminOK(t, env, "utility", "create", "--name", "Lakeside", "--currency", "KES", "--tax-rate", "0.16")
			g := adminOK(t, env, "supply-group", "create", "--utility", id(u), "--sgc", "600100", "--krn", "1", "--dkga", "04", "--name", "Lakeside", "--vending-key-file", keyFile)
			elec := adminOK(t, env, "tariff", "create", "--utility", id(u), "--name", "Lifeline", "--monthly-fixed-charge", "2000", "--free-basic", "50", "--block", "-:1500")
			water := adminOK(t, env, "tariff", "create", "--utility", id(u), "--name", "Water domestic", "--kind", "water", "--block", "10:1800", "--block", "-:2500")
			for _, c := range []struct {
				got  map[string]any
				want map[string]any
			}{
				{elec, map[string]any{"kind": "electricity", "unit": "kWh", "monthly_fixed_charge": 2000.0, "free_basic": "50.0 kWh"}},
				{water, map[string]any{"kind": "water", "unit": "kL", "monthly_fixed_charge": 0.0, "free_basic": "0.0 kL"}},
			} {
				for k, want := range c.want {
					if c.got[k] != want {
						t.Errorf("tariff %v: %s = %v, want %v", c.got["name"], k, c.got[k], want)
					}
				}
			}
			if blocks, _ := water["blocks"].([]any); len(blocks) != 2 || blocks[0].(map[string]any)["up_to"] != "10.0 kL" {
				t.Errorf("water tariff blocks %v, want the first up to 10.0 kL", water["blocks"])
			}
			c := adminOK(t, env, "customer", "create", "--name", "Wanjiru Kamau", "--address", "Plot 7")
			number := demo.DRN("0510000002")
			code, out, errOut := admin(t, env, "meter", "create", "--number", number, "--kind", "gas", "--supply-group", id(g), "--customer", id(c), "--tariff", id(water), "--ti", "07", "--ea", "11")
			if code != 1 || out != "" || !strings.Contains(errOut, `measures gas; tariff "Water domestic" is for water`) {
				t.Fatalf("a gas meter on a water tariff: exit %d, stdout %q, stderr %q; want exit 1 saying the kinds differ", code, out, errOut)
			}
			adminOK(t, env, "meter", "create", "--number", number, "--kind", "water", "--supply-group", id(g), "--customer", id(c), "--tariff", id(water), "--ti", "07", "--ea", "11")
		})
	}
}
