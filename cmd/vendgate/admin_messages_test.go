package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/vendgate/vendgate/internal/demo"
)

// TestAdminMessages: admin's refusals say what is wrong in the operator's terms: the record and
// the flag it came from, never "internal error" nor an internal id.
func TestAdminMessages(t *testing.T) {
	env := adminEnvs(t)["SQLite"]
	keyFile := filepath.Join(t.TempDir(), "vk")
	if err := os.WriteFile(keyFile, []byte(adminVK+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	u := adminOK(t, env, "utility", "create", "--name", "Lakeside Power", "--currency", "KES", "--tax-rate", "0.16")
	g := adminOK(t, env, "supply-group", "create", "--utility", id(u), "--sgc", "600100", "--dkga", "04", "--vending-key-file", keyFile)
	tr := adminOK(t, env, "tariff", "create", "--utility", id(u), "--name", "Domestic", "--block", "-:2500")
	c := adminOK(t, env, "customer", "create", "--name", "Wanjiru Kamau")
	number := demo.DRN("0510000001")
	adminOK(t, env, "meter", "create", "--number", number, "--supply-group", id(g), "--customer", id(c), "--tariff", id(tr), "--ti", "07", "--ea", "11")
	ag := adminOK(t, env, "agent", "create", "--utility", id(u), "--name", "Kiosk")
	k := adminOK(t, env, "agent", "api-key", "issue", "--agent", id(ag))
	adminOK(t, env, "agent", "api-key", "revoke", "--id", id(k))
	unreachable := []string{"VENDGATE_DATABASE_URL=postgres://vendgate@127.0.0.1:1/vendgate?sslmode=disable", "VENDGATE_MASTER_KEY=" + strings.Repeat("ab", 32)}

	for _, tc := range []struct {
		name string
		env  []string
		args []string
		code int
		want string
	}{
		{"missing agent", env, []string{"agent", "top-up", "--agent", "99", "--amount", "100"}, 1, "agent 99 does not exist"},
		{"missing customer", env, []string{"meter", "create", "--number", demo.DRN("0510000002"), "--supply-group", id(g), "--customer", "999", "--tariff", id(tr), "--ti", "07", "--ea", "11"}, 1, "--customer 999: customer 999 does not exist"},
		{"missing tariff", env, []string{"meter", "create", "--number", demo.DRN("0510000002"), "--supply-group", id(g), "--customer", id(c), "--tariff", "999", "--ti", "07", "--ea", "11"}, 1, "--tariff 999: tariff 999 does not exist"},
		{"missing utility", env, []string{"tariff", "create", "--utility", "77", "--name", "T", "--block", "-:100"}, 1, "utility 77 does not exist"},
		{"empty tariff name", env, []string{"tariff", "create", "--utility", id(u), "--name", " ", "--block", "-:100"}, 2, "--name: required"},
		{"unknown language", env, []string{"customer", "create", "--name", "X", "--language", "tlh"}, 2, `--language: "tlh" is not one of`},
		{"unset key variable", env, []string{"supply-group", "create", "--utility", id(u), "--sgc", "600101", "--dkga", "04", "--vending-key-env", "VENDGATE_TEST_NO_SUCH_VK"}, 2, "VENDGATE_TEST_NO_SUCH_VK is not set"},
		{"duplicate supply group", env, []string{"supply-group", "create", "--utility", id(u), "--sgc", "600100", "--dkga", "04", "--vending-key-file", keyFile}, 1, "supply group 600100 with KRN 1 and DKGA04 exists already"},
		{"revoked key", env, []string{"agent", "api-key", "revoke", "--id", id(k)}, 1, "API key " + id(k) + " was revoked already"},
		{"missing key", env, []string{"agent", "api-key", "revoke", "--id", "4242"}, 1, "API key 4242 does not exist"},
		{"no pending key change", env, []string{"meter", "confirm-key-change", "--number", number}, 1, "meter " + number + " has no pending key change"},
		{"unknown meter", env, []string{"meter", "set-status", "--number", demo.DRN("0510000009"), "--status", "blocked", "--reason", "tamper"}, 1, "meter " + demo.DRN("0510000009") + " does not exist"},
		{"unreachable database", unreachable, []string{"ledger", "check"}, 1, "connect"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := admin(t, tc.env, tc.args...)
			if code != tc.code || out != "" || !strings.Contains(errOut, tc.want) || strings.Contains(errOut, "internal error") {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, out, errOut, tc.code, tc.want)
			}
		})
	}

	t.Run("decommissioned stays", func(t *testing.T) {
		adminOK(t, env, "meter", "set-status", "--number", number, "--status", "decommissioned", "--reason", "removed")
		code, _, errOut := admin(t, env, "meter", "set-status", "--number", number, "--status", "active", "--reason", "inspected")
		if code != 1 || !strings.Contains(errOut, "meter "+number+" is decommissioned") {
			t.Fatalf("reactivating a decommissioned meter: exit %d, %q; want a refusal naming the meter", code, errOut)
		}
	})
}

// TestAdminWithoutDatabase: admin on a data folder without a database refuses, and creates no
// database and no master key there (it made both, empty and new).
func TestAdminWithoutDatabase(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := admin(t, []string{"VENDGATE_DATA_DIR=" + dir}, "ledger", "check")
	if code != 1 || out != "" || !strings.Contains(errOut, "no database in "+dir) {
		t.Fatalf("exit %d, stdout %q, stderr %q; want exit 1 and no database in %s", code, out, errOut, dir)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Fatalf("admin left %v in the data folder", entries)
	}
}

// TestHelp: every admin command lists its flags with a line of help each, and vendgate help,
// vendgate --help and vendgate admin --help answer on stdout.
func TestHelp(t *testing.T) {
	names := make([]string, 0, len(adminCommands))
	for n := range adminCommands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.Run(n, func(t *testing.T) {
			code, out, errOut := admin(t, nil, append(strings.Fields(n), "--help")...)
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			fs := flag.NewFlagSet(n, flag.ContinueOnError)
			adminCommands[n].setup(fs)
			fs.VisitAll(func(f *flag.Flag) {
				if f.Usage == "" {
					t.Errorf("--%s has no help", f.Name)
				}
				if !strings.Contains(out, "--"+f.Name+" ") {
					t.Errorf("--help does not list --%s:\n%s", f.Name, out)
				}
			})
			for _, f := range []string{"--data-dir", "--database-url", "--master-key-file", "--config"} {
				if !strings.Contains(out, f) {
					t.Errorf("--help does not list %s", f)
				}
			}
		})
	}
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}, {"admin", "--help"}, {"admin", "help"}, {"serve", "--help"}, {"migrate", "--help"}} {
		var out, errb strings.Builder
		if code := run(t.Context(), args, nil, &out, &errb); code != 0 || !strings.Contains(out.String(), "usage") {
			t.Errorf("vendgate %s: exit %d, stdout %q, stderr %q; want 0 and the usage", strings.Join(args, " "), code, out.String(), errb.String())
		}
	}
}

// TestIdempotencyConflictNamesCallersKey: the 409 for a reused Idempotency-Key shows the key the
// caller sent, not the agent-scoped key the server keeps ("1:demo-1").
func TestIdempotencyConflictNamesCallersKey(t *testing.T) {
	m, _ := bootEmbedded(t)
	body := func(amount int) string {
		return fmt.Sprintf(`{"meter_number":%q,"amount_minor":%d,"currency":"ZAR"}`, m.Demo.Meters[0].Number, amount)
	}
	if status, raw := post(t, m, "/v1/vends", m.Demo.APIKey, "demo-1", body(5000)); status/100 != 2 {
		t.Fatalf("first vend: %d %s", status, raw)
	}
	status, raw := post(t, m, "/v1/vends", m.Demo.APIKey, "demo-1", body(6000))
	if status != http.StatusConflict || !strings.Contains(string(raw), `\"demo-1\"`) || strings.Contains(string(raw), ":demo-1") {
		t.Fatalf("a reused key: %d %s; want 409 naming \"demo-1\" as sent", status, raw)
	}
}

var _ = io.Discard
