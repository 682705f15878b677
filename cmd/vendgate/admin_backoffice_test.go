package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/uptrace/bun/driver/sqliteshim"

	"github.com/vendgate/vendgate/internal/demo"
)

// TestAdminBootstrapOnce: bootstrap prints the administrator's one-time password once; a second
// run creates nothing and says operators exist; a command without a sign-in is refused naming
// the variables; the one-time password allows only setting one's own.
func TestAdminBootstrapOnce(t *testing.T) {
	for name, env := range adminEnvs(t) {
		t.Run(name, func(t *testing.T) {
			base := without(env, envOperator, envPassword, envTestTOTPSecret)
			code, out, errOut := admin(t, base, "bootstrap")
			if code != 1 || out != "" || !strings.Contains(errOut, "operators exist already") {
				t.Fatalf("a second bootstrap: exit %d, stdout %q, stderr %q; want exit 1 saying operators exist", code, out, errOut)
			}
			code, out, errOut = admin(t, base, "utility", "list")
			if code != 2 || out != "" || !strings.Contains(errOut, envOperator) || !strings.Contains(errOut, envPassword) {
				t.Fatalf("a command without a sign-in: exit %d, stdout %q, stderr %q; want exit 2 naming the variables", code, out, errOut)
			}
			code, _, errOut = admin(t, asOperator(base, "admin", "wrong password", ""), "utility", "list")
			if code != 1 || !strings.Contains(errOut, "wrong") {
				t.Fatalf("a wrong password: exit %d, %q", code, errOut)
			}
			creds := adminOK(t, env, "operator", "create", "--username", "newbie", "--role", "cashier")
			oneTime := creds["one_time_password"].(string)
			code, _, errOut = admin(t, asOperator(base, "newbie", oneTime, ""), "customer", "list")
			if code != 1 || !strings.Contains(errOut, "operator password") {
				t.Fatalf("a command on a one-time password: exit %d, %q; want a refusal pointing at operator password", code, errOut)
			}
			code, _, errOut = admin(t, asOperator(base, "newbie", oneTime, ""), "operator", "password")
			if code != 2 || !strings.Contains(errOut, envNewPassword) {
				t.Fatalf("operator password without the new one: exit %d, %q", code, errOut)
			}
		})
	}
}

// TestAdminRefusalNamesPermission: a cashier's command that needs a permission cashiers lack
// exits 1 naming it, and the audit trail shows the refusal.
func TestAdminRefusalNamesPermission(t *testing.T) {
	env := adminEnvs(t)["SQLite"]
	cashier := createOperator(t, env, "till", "--role", "cashier")
	for _, args := range [][]string{
		{"utility", "create", "--name", "X", "--currency", "ZAR", "--tax-rate", "0.15"},
		{"agent", "list"},
		{"ledger", "check"},
		{"audit", "list"},
	} {
		code, out, errOut := admin(t, cashier, args...)
		if code != 1 || out != "" || !strings.Contains(errOut, "needs the permission") {
			t.Fatalf("vendgate admin %s as a cashier: exit %d, stdout %q, stderr %q; want exit 1 naming the permission", strings.Join(args, " "), code, out, errOut)
		}
	}
	code, _, errOut := admin(t, cashier, "utility", "create", "--name", "X", "--currency", "ZAR", "--tax-rate", "0.15")
	if code != 1 || !strings.Contains(errOut, "organisation.manage") {
		t.Fatalf("utility create as a cashier: exit %d, %q; want organisation.manage named", code, errOut)
	}
	denied := adminOK(t, env, "audit", "list", "--actor", "till", "--action", "utility.create")["entries"].([]any)
	if len(denied) != 2 || denied[0].(map[string]any)["outcome"] != "denied" || denied[0].(map[string]any)["permission"] != "organisation.manage" {
		t.Fatalf("the audit trail of the refusals: %v; want two denied utility.create", denied)
	}
	if n := adminOK(t, env, "utility", "list")["count"].(float64); n != 0 {
		t.Fatalf("utilities after the refusals: %v, want none", n)
	}
}

// TestAdminRecordsListShowUpdate: list, show and update of utilities, customers, meters and
// agents, an update at a stale version refused, and an agent deactivated.
func TestAdminRecordsListShowUpdate(t *testing.T) {
	for name, env := range adminEnvs(t) {
		t.Run(name, func(t *testing.T) {
			keyFile := filepath.Join(t.TempDir(), "vk")
			writeKey(t, keyFile)
			u := adminOK(t, env, "utility", "create", "--name", "Lakeside Power", "--currency", "KES", "--tax-rate", "0.16")
			g := adminOK(t, env, "supply-group", "create", "--utility", id(u), "--sgc", "600100", "--dkga", "04", "--vending-key-file", keyFile)
			tr := adminOK(t, env, "tariff", "create", "--utility", id(u), "--name", "Domestic", "--block", "-:2500")
			c := adminOK(t, env, "customer", "create", "--name", "Wanjiru Kamau", "--utility", id(u))
			number := demo.DRN("0510000001")
			adminOK(t, env, "meter", "create", "--number", number, "--supply-group", id(g), "--customer", id(c), "--tariff", id(tr), "--ti", "07", "--ea", "11")
			ag := adminOK(t, env, "agent", "create", "--utility", id(u), "--name", "Kiosk")

			for _, l := range []struct{ object, key string }{{"utility", "utilities"}, {"customer", "customers"}, {"meter", "meters"}, {"agent", "agents"}} {
				got := adminOK(t, env, l.object, "list", "--limit", "1")
				if got["count"].(float64) != 1 || len(got[l.key].([]any)) != 1 || got["next_after"] == nil {
					t.Fatalf("%s list --limit 1: %v; want one and the next page's cursor", l.object, got)
				}
			}
			shown := adminOK(t, env, "utility", "show", "--id", id(u))
			v := strconvF(shown["version"])
			renamed := adminOK(t, env, "utility", "update", "--id", id(u), "--version", v, "--name", "Lakeside Power & Water")
			if renamed["name"] != "Lakeside Power & Water" || strconvF(renamed["version"]) == v {
				t.Fatalf("utility update: %v", renamed)
			}
			code, _, errOut := admin(t, env, "utility", "update", "--id", id(u), "--version", v, "--name", "Again")
			if code != 1 || !strings.Contains(errOut, "--version "+v) || !strings.Contains(errOut, "changed by someone else") {
				t.Fatalf("a stale utility update: exit %d, %q; want a conflict naming --version", code, errOut)
			}
			p := adminOK(t, env, "utility", "set-parameters", "--id", id(u), "--version", strconvF(renamed["version"]), "--reversal-window", "2h")
			if p["reversal_window"] != "2h0m0s" {
				t.Fatalf("utility set-parameters: %v", p)
			}
			cu := adminOK(t, env, "customer", "update", "--id", id(c), "--version", strconvF(c["version"]), "--phone", "254712345678")
			if cu["phone"] != "254712345678" || cu["name"] != "Wanjiru Kamau" {
				t.Fatalf("customer update: %v", cu)
			}
			m := adminOK(t, env, "meter", "show", "--number", number)
			c2 := adminOK(t, env, "customer", "create", "--name", "Otieno Odhiambo", "--utility", id(u))
			mu := adminOK(t, env, "meter", "update", "--number", number, "--version", strconvF(m["version"]), "--customer", id(c2))
			if mu["customer_id"] != c2["id"] {
				t.Fatalf("meter update: %v", mu)
			}
			off := adminOK(t, env, "agent", "deactivate", "--id", id(ag), "--version", strconvF(ag["version"]))
			if off["active"] != false {
				t.Fatalf("agent deactivate: %v", off)
			}
			if l := adminOK(t, env, "agent", "list", "--active", "true"); l["count"].(float64) != 0 {
				t.Fatalf("active agents after the deactivation: %v", l)
			}
		})
	}
}

// TestAdminAuditVerifyExport: audit verify passes on a whole chain, then names the entry edited
// behind Vendgate's back (exit 1); audit export writes CSV and JSON lines of every entry.
func TestAdminAuditVerifyExport(t *testing.T) {
	env := adminEnvs(t)["SQLite"]
	adminOK(t, env, "utility", "create", "--name", "Lakeside Power", "--currency", "KES", "--tax-rate", "0.16")
	if v := adminOK(t, env, "audit", "verify"); v["whole"] != true || v["entries"].(float64) < 5 {
		t.Fatalf("audit verify on a whole chain: %v", v)
	}
	code, out, errOut := admin(t, env, "audit", "export", "--format", "csv")
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(rows) < 6 || rows[0][0] != "seq" {
		t.Fatalf("audit export --format csv: exit %d, %v, %d rows, stderr %q", code, err, len(rows), errOut)
	}
	code, out, _ = admin(t, env, "audit", "export", "--format", "json")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var first map[string]any
	if code != 0 || len(lines) < len(rows)-1 || json.Unmarshal([]byte(lines[0]), &first) != nil || first["seq"].(float64) != 1 {
		t.Fatalf("audit export --format json: exit %d, %d lines", code, len(lines))
	}
	if code, _, errOut := admin(t, env, "audit", "export", "--format", "xml"); code != 2 || !strings.Contains(errOut, "--format") {
		t.Fatalf("audit export --format xml: exit %d, %q", code, errOut)
	}

	dataDir, _ := lookupEnv(env, "VENDGATE_DATA_DIR")
	raw, err := sql.Open(sqliteshim.ShimName, "file:"+filepath.Join(dataDir, "vendgate.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.ExecContext(context.Background(), "UPDATE audit_entries SET detail = 'nothing to see' WHERE seq = 3"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	code, out, errOut = admin(t, env, "audit", "verify")
	if code != 1 || !strings.Contains(errOut, "entry 3") || !strings.Contains(out, `"broken_at":3`) {
		t.Fatalf("audit verify after an edit: exit %d, stdout %q, stderr %q; want exit 1 naming entry 3", code, out, errOut)
	}
}

// strconvF prints a JSON number as the whole number it is.
func strconvF(v any) string { return strconv.FormatInt(int64(v.(float64)), 10) }

// writeKey writes the test's vending key to a file, as an operator hands it to supply-group create.
func writeKey(t *testing.T, path string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(adminVK+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}
