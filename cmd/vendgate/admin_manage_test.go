package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vendgate/vendgate/internal/demo"
)

// adminRefused runs a command that must fail with exit code want and a stderr holding every one
// of parts.
func adminRefused(t *testing.T, env []string, want int, parts []string, args ...string) {
	t.Helper()
	code, out, errOut := admin(t, env, args...)
	ok := code == want && out == ""
	for _, p := range parts {
		ok = ok && strings.Contains(errOut, p)
	}
	if !ok {
		t.Fatalf("vendgate admin %s: exit %d, stdout %q, stderr %q; want exit %d naming %q", strings.Join(args, " "), code, out, errOut, want, parts)
	}
}

// lakeside is a utility with a supply group, a tariff and a customer, made by the administrator
// of env; it returns their ids.
func lakeside(t *testing.T, env []string) (utility, group, tariff, customer string) {
	t.Helper()
	keyFile := filepath.Join(t.TempDir(), "vk")
	writeKey(t, keyFile)
	u := adminOK(t, env, "utility", "create", "--name", "Lakeside Power", "--currency", "KES", "--tax-rate", "0.16")
	g := adminOK(t, env, "supply-group", "create", "--utility", id(u), "--sgc", "600100", "--dkga", "04", "--vending-key-file", keyFile)
	tr := adminOK(t, env, "tariff", "create", "--utility", id(u), "--name", "Domestic", "--block", "-:2500")
	c := adminOK(t, env, "customer", "create", "--name", "Wanjiru Kamau", "--utility", id(u))
	return id(u), id(g), id(tr), id(c)
}

// TestAdminOpsToken: an administrator issues an API token; a script with only
// VENDGATE_OPS_TOKEN runs the commands the token's permissions allow, is refused the others
// naming the permission, and is refused once the token is revoked.
func TestAdminOpsToken(t *testing.T) {
	for name, env := range adminEnvs(t) {
		t.Run(name, func(t *testing.T) {
			adminOK(t, env, "utility", "create", "--name", "Lakeside Power", "--currency", "KES", "--tax-rate", "0.16")
			grant := adminOK(t, env, "token", "issue", "--label", "nightly report", "--permission", "organisation.read")
			secret, _ := grant["token"].(string)
			if secret == "" || grant["label"] != "nightly report" {
				t.Fatalf("token issue: %v", grant)
			}
			script := append(without(env, envOperator, envPassword, envTestTOTPSecret), envOpsToken+"="+secret)
			if l := adminOK(t, script, "utility", "list"); l["count"].(float64) != 1 {
				t.Fatalf("utility list with the token: %v", l)
			}
			adminRefused(t, script, 1, []string{"needs the permission", "agents.read"}, "agent", "list")
			if _, out, _ := admin(t, env, "token", "list"); !strings.Contains(out, `"count":1`) || !strings.Contains(out, "nightly report") || strings.Contains(out, secret) {
				t.Fatalf("token list: %s; want the one token, its secret not shown", out)
			}
			adminRefused(t, script, 2, []string{envOpsToken, envPassword}, "operator", "totp-enrol")
			adminRefused(t, script, 1, []string{"not by another token"}, "token", "issue", "--label", "again", "--permission", "organisation.read")
			adminRefused(t, env, 2, []string{"--permission", "no.such"}, "token", "issue", "--label", "x", "--permission", "no.such")
			adminOK(t, env, "token", "revoke", "--id", id(grant))
			adminRefused(t, script, 1, []string{"revoked"}, "utility", "list")
			adminRefused(t, append(without(env, envOperator, envPassword, envTestTOTPSecret), envOpsToken+"=nonsense"), 1, []string{"not a Vendgate operator token"}, "utility", "list")
		})
	}
}

// TestAdminOperatorsAndRoles: an administrator lists, shows, updates, locks out and back in,
// resets and deactivates operators, and manages a custom role; a cashier is refused naming
// operators.manage; bad flags are named.
func TestAdminOperatorsAndRoles(t *testing.T) {
	env := adminEnvs(t)["SQLite"]
	cashier := createOperator(t, env, "till", "--role", "cashier")
	l := adminOK(t, env, "operator", "list", "--role", "cashier")
	ops := l["operators"].([]any)
	if l["count"].(float64) != 1 || ops[0].(map[string]any)["username"] != "till" {
		t.Fatalf("operator list --role cashier: %v", l)
	}
	till := ops[0].(map[string]any)
	tillID := id(till)
	adminRefused(t, env, 2, []string{"--status", "sleeping"}, "operator", "list", "--status", "sleeping")
	adminRefused(t, cashier, 1, []string{"needs the permission", "operators.manage"}, "operator", "deactivate", "--id", tillID)
	adminRefused(t, cashier, 1, []string{"needs the permission", "roles.manage"}, "role", "create", "--name", "x", "--permission", "meters.read")

	shown := adminOK(t, env, "operator", "show", "--id", tillID)
	up := adminOK(t, env, "operator", "update", "--id", tillID, "--version", strconvF(shown["version"]), "--full-name", "Thandi Till")
	if up["full_name"] != "Thandi Till" || anyStrings(up["roles"])[0] != "cashier" {
		t.Fatalf("operator update: %v", up)
	}
	if s := adminOK(t, env, "operator", "sessions", "--id", tillID); s["count"] == nil {
		t.Fatalf("operator sessions: %v", s)
	}
	if r := adminOK(t, env, "operator", "revoke-sessions", "--id", tillID); r["operator_id"] == nil {
		t.Fatalf("operator revoke-sessions: %v", r)
	}
	if off := adminOK(t, env, "operator", "deactivate", "--id", tillID); off["status"] != "deactivated" {
		t.Fatalf("operator deactivate: %v", off)
	}
	adminRefused(t, cashier, 1, nil, "customer", "list")
	if on := adminOK(t, env, "operator", "reactivate", "--id", tillID); on["status"] != "active" {
		t.Fatalf("operator reactivate: %v", on)
	}
	adminOK(t, cashier, "customer", "list")
	if u := adminOK(t, env, "operator", "unlock", "--id", tillID); u["locked_until"] != nil {
		t.Fatalf("operator unlock: %v", u)
	}
	if r := adminOK(t, env, "operator", "reset-totp", "--id", tillID); r["second_factor"] != false {
		t.Fatalf("operator reset-totp: %v", r)
	}
	reset := adminOK(t, env, "operator", "reset-password", "--id", tillID)
	if reset["one_time_password"] == "" {
		t.Fatalf("operator reset-password: %v", reset)
	}
	adminRefused(t, cashier, 1, []string{"wrong"}, "customer", "list")

	role := adminOK(t, env, "role", "create", "--name", "meter_reader", "--summary", "reads meters", "--permission", "meters.read")
	if role["built_in"] != false || anyStrings(role["permissions"])[0] != "meters.read" {
		t.Fatalf("role create: %v", role)
	}
	adminRefused(t, env, 2, []string{"--permission", "meters.fly"}, "role", "create", "--name", "x", "--permission", "meters.fly")
	role = adminOK(t, env, "role", "update", "--name", "meter_reader", "--version", strconvF(role["version"]), "--permission", "meters.read,customers.read")
	if len(anyStrings(role["permissions"])) != 2 || role["summary"] != "reads meters" {
		t.Fatalf("role update: %v", role)
	}
	if rs := adminOK(t, env, "role", "list"); rs["count"].(float64) < 8 {
		t.Fatalf("role list: %v", rs)
	}
	if off := adminOK(t, env, "role", "deactivate", "--name", "meter_reader"); off["active"] != false {
		t.Fatalf("role deactivate: %v", off)
	}
}

// TestAdminFourEyes: a supervisor's float adjustment prints the pending request; the supervisor
// cannot approve it, the administrator does and the float moves; a credit limit change is
// rejected; the approval policy is listed and changed so small adjustments run at once.
func TestAdminFourEyes(t *testing.T) {
	for name, env := range adminEnvs(t) {
		t.Run(name, func(t *testing.T) {
			u, _, _, _ := lakeside(t, env)
			ag := adminOK(t, env, "agent", "create", "--utility", u, "--name", "Kiosk")
			supervisor := createOperator(t, env, "sup", "--role", "supervisor")
			cashier := createOperator(t, env, "till", "--role", "cashier")

			adminRefused(t, cashier, 1, []string{"needs the permission", "agents.float"}, "agent", "adjust-float", "--agent", id(ag), "--amount", "5000", "--reason", "cash deposit")
			adminRefused(t, supervisor, 2, []string{"--amount", "lots"}, "agent", "adjust-float", "--agent", id(ag), "--amount", "lots", "--reason", "x")
			pending := adminOK(t, supervisor, "agent", "adjust-float", "--agent", id(ag), "--amount", "5000", "--reason", "cash deposit")
			if pending["status"] != "pending" || pending["maker"] != "sup" || pending["action"] == nil {
				t.Fatalf("agent adjust-float by a supervisor: %v; want the pending request", pending)
			}
			adminRefused(t, cashier, 1, []string{"needs the permission", "approvals.read"}, "approval", "list")
			adminRefused(t, env, 2, []string{"--status", "maybe"}, "approval", "list", "--status", "maybe")
			if q := adminOK(t, env, "approval", "list"); q["count"].(float64) != 1 {
				t.Fatalf("approval list: %v", q)
			}
			adminRefused(t, supervisor, 1, []string{"second operator"}, "approval", "approve", "--id", id(pending))
			approved := adminOK(t, env, "approval", "approve", "--id", id(pending))
			if approved["status"] != "approved" || approved["checker"] != "admin" {
				t.Fatalf("approval approve: %v", approved)
			}
			if a := adminOK(t, env, "agent", "show", "--id", id(ag)); a["balance"].(float64) != 5000 {
				t.Fatalf("the agent after the approval: %v; want a float of 5000", a)
			}

			limit := adminOK(t, supervisor, "agent", "set-credit-limit", "--agent", id(ag), "--credit-limit", "20000")
			adminRefused(t, env, 2, []string{"--reason"}, "approval", "reject", "--id", id(limit))
			rejected := adminOK(t, env, "approval", "reject", "--id", id(limit), "--reason", "no guarantee on file")
			if rejected["status"] != "rejected" || rejected["reason"] != "no guarantee on file" {
				t.Fatalf("approval reject: %v", rejected)
			}
			if s := adminOK(t, env, "approval", "show", "--id", id(limit)); s["status"] != "rejected" {
				t.Fatalf("approval show: %v", s)
			}
			if c := adminOK(t, supervisor, "agent", "set-commission", "--agent", id(ag), "--commission-rate", "0.02"); c["status"] != "pending" {
				t.Fatalf("agent set-commission: %v", c)
			}
			adminRefused(t, supervisor, 2, []string{"--commission-rate", "1.5"}, "agent", "set-commission", "--agent", id(ag), "--commission-rate", "1.5")

			policies := adminOK(t, env, "approval-policy", "list")
			if policies["count"].(float64) < 4 {
				t.Fatalf("approval-policy list: %v", policies)
			}
			adminRefused(t, env, 2, []string{"--threshold"}, "approval-policy", "set", "--action", "agent.float_adjust", "--threshold", "-1")
			adminRefused(t, supervisor, 1, []string{"approvals.policy"}, "approval-policy", "set", "--action", "agent.float_adjust", "--threshold", "10000")
			var action string
			for _, p := range policies["policies"].([]any) {
				if p := p.(map[string]any); p["permission"] == "agents.float" {
					action = p["action"].(string)
				}
			}
			set := adminOK(t, env, "approval-policy", "set", "--action", action, "--threshold", "10000")
			if set["threshold"].(float64) != 10000 || set["version"].(float64) != 1 {
				t.Fatalf("approval-policy set: %v", set)
			}
			if done := adminOK(t, supervisor, "agent", "adjust-float", "--agent", id(ag), "--amount", "-2000", "--reason", "correction"); done["balance"].(float64) != 3000 {
				t.Fatalf("a small adjustment under the new policy: %v; want it done, float 3000", done)
			}
			adminRefused(t, env, 1, []string{"--action"}, "approval-policy", "set", "--action", "no.such", "--threshold", "1")
		})
	}
}

// TestAdminOrganisation: departments, halls and terminals created, listed, shown, updated and
// deactivated; a terminal's API key issued once; a cashier refused naming organisation.manage.
func TestAdminOrganisation(t *testing.T) {
	env := adminEnvs(t)["SQLite"]
	u, _, _, _ := lakeside(t, env)
	cashier := createOperator(t, env, "till", "--role", "cashier")
	dep := adminOK(t, env, "department", "create", "--utility", u, "--code", "REV", "--name", "Revenue")
	hall := adminOK(t, env, "hall", "create", "--utility", u, "--department", id(dep), "--code", "KSM", "--name", "Kisumu hall", "--address", "Oginga Odinga St")
	ag := adminOK(t, env, "agent", "create", "--utility", u, "--name", "Kiosk")
	term := adminOK(t, env, "terminal", "create", "--utility", u, "--serial", "POS-0001", "--name", "Counter 1", "--agent", id(ag), "--hall", id(hall))
	if term["hall_id"] != hall["id"] || hall["department_id"] != dep["id"] {
		t.Fatalf("terminal create: %v, hall %v", term, hall)
	}
	adminRefused(t, cashier, 1, []string{"needs the permission", "organisation.manage"}, "hall", "create", "--utility", u, "--code", "X", "--name", "X")
	adminRefused(t, env, 1, []string{"--department 999"}, "hall", "create", "--utility", u, "--department", "999", "--code", "X2", "--name", "X")
	adminRefused(t, env, 2, []string{"--state", "asleep"}, "terminal", "list", "--state", "asleep")
	adminRefused(t, env, 1, []string{"--code", "REV"}, "department", "create", "--utility", u, "--code", "REV", "--name", "Again")

	for _, o := range []struct{ object, key string }{{"department", "departments"}, {"hall", "halls"}, {"terminal", "terminals"}} {
		l := adminOK(t, env, o.object, "list", "--utility", u)
		if l["count"].(float64) != 1 || len(l[o.key].([]any)) != 1 {
			t.Fatalf("%s list: %v", o.object, l)
		}
	}
	if l := adminOK(t, env, "terminal", "list", "--agent", id(ag), "--search", "pos-"); l["count"].(float64) != 1 {
		t.Fatalf("terminal list --agent --search: %v", l)
	}
	if s := adminOK(t, env, "hall", "show", "--id", id(hall)); s["name"] != "Kisumu hall" {
		t.Fatalf("hall show: %v", s)
	}
	d := adminOK(t, env, "department", "update", "--id", id(dep), "--version", strconvF(dep["version"]), "--name", "Revenue & billing")
	if d["name"] != "Revenue & billing" || d["code"] != "REV" {
		t.Fatalf("department update: %v", d)
	}
	h := adminOK(t, env, "hall", "update", "--id", id(hall), "--version", strconvF(hall["version"]), "--address", "Jomo Kenyatta Hwy")
	if h["address"] != "Jomo Kenyatta Hwy" || h["code"] != "KSM" {
		t.Fatalf("hall update: %v", h)
	}
	tu := adminOK(t, env, "terminal", "update", "--id", id(term), "--version", strconvF(term["version"]), "--name", "Counter 2")
	if tu["name"] != "Counter 2" || tu["serial"] != "POS-0001" {
		t.Fatalf("terminal update: %v", tu)
	}
	k := adminOK(t, env, "terminal", "issue-key", "--id", id(term), "--label", "device")
	if k["api_key"] == "" || k["agent_id"] != ag["id"] {
		t.Fatalf("terminal issue-key: %v", k)
	}
	if off := adminOK(t, env, "terminal", "deactivate", "--id", id(term), "--version", strconvF(tu["version"])); off["active"] != false {
		t.Fatalf("terminal deactivate: %v", off)
	}
	adminOK(t, env, "hall", "deactivate", "--id", id(hall), "--version", strconvF(h["version"]))
	if off := adminOK(t, env, "department", "deactivate", "--id", id(dep), "--version", strconvF(d["version"])); off["active"] != false {
		t.Fatalf("department deactivate: %v", off)
	}
	if l := adminOK(t, env, "hall", "list", "--state", "active"); l["count"].(float64) != 0 {
		t.Fatalf("active halls after the deactivation: %v", l)
	}
}

// TestAdminVersions: a tariff's prices and a utility's parameters changed as versions, their
// histories listed; a stale version refused; a cashier refused naming tariffs.manage.
func TestAdminVersions(t *testing.T) {
	env := adminEnvs(t)["SQLite"]
	u, _, tr, _ := lakeside(t, env)
	cashier := createOperator(t, env, "till", "--role", "cashier")
	h := adminOK(t, env, "tariff", "history", "--tariff", tr)
	if h["count"].(float64) != 1 {
		t.Fatalf("tariff history: %v", h)
	}
	adminRefused(t, cashier, 1, []string{"needs the permission", "tariffs.manage"}, "tariff", "change", "--tariff", tr, "--after-version", "1", "--block", "-:2600", "--reason", "new year")
	adminRefused(t, env, 2, []string{"--effective-from", "tomorrow"}, "tariff", "change", "--tariff", tr, "--after-version", "1", "--block", "-:2600", "--reason", "x", "--effective-from", "tomorrow")
	adminRefused(t, env, 2, []string{"--block"}, "tariff", "change", "--tariff", tr, "--after-version", "1", "--block", "cheap", "--reason", "x")
	v := adminOK(t, env, "tariff", "change", "--tariff", tr, "--after-version", "1", "--block", "50:1500", "--block", "-:2600", "--reason", "regulator's decision")
	if v["version"].(float64) != 2 || v["reason"] != "regulator's decision" || len(v["blocks"].([]any)) != 2 {
		t.Fatalf("tariff change: %v", v)
	}
	adminRefused(t, env, 1, []string{"--after-version 1"}, "tariff", "change", "--tariff", tr, "--after-version", "1", "--block", "-:2700", "--reason", "again")
	if h := adminOK(t, env, "tariff", "history", "--tariff", tr); h["count"].(float64) != 2 {
		t.Fatalf("tariff history after the change: %v", h)
	}

	ph := adminOK(t, env, "utility", "parameter-history", "--utility", u)
	latest := ph["versions"].([]any)[len(ph["versions"].([]any))-1].(map[string]any)
	adminRefused(t, env, 2, []string{"--max-vend-amount"}, "utility", "change-parameters", "--utility", u, "--after-version", strconvF(latest["version"]), "--max-vend-amount", "-5", "--reason", "x")
	adminRefused(t, env, 1, []string{"--tax-rate"}, "utility", "change-parameters", "--utility", u, "--after-version", strconvF(latest["version"]), "--tax-rate", "1.5", "--reason", "x")
	p := adminOK(t, env, "utility", "change-parameters", "--utility", u, "--after-version", strconvF(latest["version"]), "--tax-rate", "0.18", "--max-vend-amount", "500000", "--reason", "finance act")
	if p["tax_rate"] != "0.18" || p["version"].(float64) != latest["version"].(float64)+1 {
		t.Fatalf("utility change-parameters: %v", p)
	}
	if after := adminOK(t, env, "utility", "parameter-history", "--utility", u); after["count"].(float64) != ph["count"].(float64)+1 {
		t.Fatalf("utility parameter-history after the change: %v; want one version more than %v", after, ph["count"])
	}
}

// TestAdminMeterStorage: a manufacturer's CSV checked by a dry run (a progress line, nothing
// written), a bad row named, the batch imported; a meter issued to a technician and back, its
// moves listed; a contract opened and closed; engineering tokens issued (a clear credit token
// waiting for a second operator), the meter's tokens listed masked and one reprinted.
func TestAdminMeterStorage(t *testing.T) {
	for name, env := range adminEnvs(t) {
		t.Run(name, func(t *testing.T) {
			u, _, tr, c := lakeside(t, env)
			cashier := createOperator(t, env, "till", "--role", "cashier")
			supervisor := createOperator(t, env, "sup", "--role", "supervisor")
			one, two := demo.DRN("0520000001"), demo.DRN("0520000002")
			dir := t.TempDir()
			good := filepath.Join(dir, "batch.csv")
			bad := filepath.Join(dir, "bad.csv")
			header := "number,kind,sgc,krn,ti,kt,ea,base-date,ken\n"
			os.WriteFile(good, []byte(header+one+",electricity,600100,1,07,2,11,2014,255\n"+two+",electricity,600100,1,07,2,11,2014,255\n"), 0o600)
			os.WriteFile(bad, []byte(header+one+",electricity,600100,1,07,2,11,2014,255\n"+two+",electricity,600100,1,07,2,13,2014,255\n"), 0o600)

			code, out, errOut := admin(t, env, "meter", "import", "--utility", u, "--file", bad, "--batch", "DEL-1", "--manufacturer", "Conlog", "--dry-run")
			if code != 1 || out != "" || !strings.Contains(errOut, "--file "+bad) || !strings.Contains(errOut, "row 3, column ea") {
				t.Fatalf("meter import of a bad row: exit %d, stdout %q, stderr %q; want the row and column named", code, out, errOut)
			}
			adminRefused(t, env, 2, []string{"--batch"}, "meter", "import", "--file", good)
			adminRefused(t, env, 2, []string{"--file", "missing.csv"}, "meter", "import", "--file", filepath.Join(dir, "missing.csv"), "--batch", "X")
			adminRefused(t, cashier, 1, []string{"needs the permission", "meters.manage"}, "meter", "import", "--utility", u, "--file", good, "--batch", "DEL-1", "--manufacturer", "Conlog")
			code, out, errOut = admin(t, env, "meter", "import", "--utility", u, "--file", good, "--batch", "DEL-1", "--manufacturer", "Conlog", "--dry-run")
			if code != 0 || !strings.Contains(out, `"dry_run":true`) || !strings.Contains(errOut, "2 of 2 meters checked") {
				t.Fatalf("meter import --dry-run: exit %d, stdout %q, stderr %q; want the counts and a progress line", code, out, errOut)
			}
			if s := adminOK(t, env, "meter", "stock", "--state", "in_store"); s["count"].(float64) != 0 {
				t.Fatalf("meters in store after a dry run: %v; want none", s)
			}
			code, out, errOut = admin(t, env, "meter", "import", "--utility", u, "--file", good, "--batch", "DEL-1", "--manufacturer", "Conlog")
			if code != 0 || !strings.Contains(out, `"meters":2`) || !strings.Contains(errOut, "2 of 2 meters imported") {
				t.Fatalf("meter import: exit %d, stdout %q, stderr %q", code, out, errOut)
			}
			if b := adminOK(t, env, "meter", "batches"); b["count"].(float64) != 1 {
				t.Fatalf("meter batches: %v", b)
			}
			if s := adminOK(t, env, "meter", "stock", "--state", "in_store"); s["count"].(float64) != 2 {
				t.Fatalf("meter stock --state in_store: %v", s)
			}
			adminRefused(t, env, 2, []string{"--to", "lost"}, "meter", "move", "--number", two, "--to", "lost", "--reason", "x")
			adminRefused(t, env, 1, []string{"--technician"}, "meter", "move", "--number", two, "--to", "issued", "--reason", "install")
			if m := adminOK(t, env, "meter", "move", "--number", two, "--to", "issued", "--reason", "install in Kondele", "--technician", "Otieno"); m["state"] != "issued" || m["technician"] != "Otieno" {
				t.Fatalf("meter move --to issued: %v", m)
			}
			adminOK(t, env, "meter", "move", "--number", two, "--to", "in_store", "--reason", "customer not home")
			if mv := adminOK(t, env, "meter", "movements", "--number", two); mv["count"].(float64) != 3 {
				t.Fatalf("meter movements: %v; want received, issued, back", mv)
			}

			adminRefused(t, env, 2, []string{"--opening-arrears"}, "contract", "open", "--customer", c, "--number", one, "--tariff", tr, "--opening-arrears", "some")
			k := adminOK(t, cashier, "contract", "open", "--customer", c, "--number", one, "--tariff", tr, "--opening-arrears", "1500")
			if k["status"] != "open" || k["meter_number"] != one || k["opening_arrears"].(float64) != 1500 {
				t.Fatalf("contract open: %v", k)
			}
			if s := adminOK(t, env, "meter", "stock", "--number", one); s["state"] != "installed" {
				t.Fatalf("the meter on its contract: %v", s)
			}
			auditor := createOperator(t, env, "eyes", "--role", "auditor")
			adminRefused(t, auditor, 1, []string{"needs the permission", "customers.manage"}, "contract", "close", "--id", id(k))
			if l := adminOK(t, auditor, "contract", "list", "--status", "open"); l["count"].(float64) != 1 {
				t.Fatalf("contract list --status open: %v", l)
			}
			adminRefused(t, env, 2, []string{"--status", "ajar"}, "contract", "list", "--status", "ajar")

			adminRefused(t, env, 2, []string{"--kind", "make_coffee"}, "meter", "engineering-token", "--number", one, "--kind", "make_coffee", "--reason", "x")
			adminRefused(t, cashier, 1, []string{"needs the permission", "meters.engineering"}, "meter", "engineering-token", "--number", one, "--kind", "set_power_limit", "--value", "5000", "--reason", "load shedding")
			limit := adminOK(t, supervisor, "meter", "engineering-token", "--number", one, "--kind", "set_power_limit", "--value", "5000", "--reason", "load shedding")
			if d, _ := limit["digits"].(string); len(d) != 24 || limit["kind"] != "set_power_limit" {
				t.Fatalf("meter engineering-token set_power_limit: %v", limit)
			}
			clear := adminOK(t, supervisor, "meter", "engineering-token", "--number", one, "--kind", "clear_credit", "--value", "0", "--reason", "meter moved house")
			if clear["status"] != "pending" || clear["maker"] != "sup" {
				t.Fatalf("meter engineering-token clear_credit: %v; want the pending request", clear)
			}
			adminOK(t, env, "approval", "approve", "--id", id(clear))
			hist := adminOK(t, cashier, "meter", "tokens", "--number", one)
			tokens := hist["tokens"].([]any)
			if hist["count"].(float64) != 2 || strings.Contains(out, limit["digits"].(string)) {
				t.Fatalf("meter tokens: %v", hist)
			}
			for _, tk := range tokens {
				if tok := tk.(map[string]any)["token"].(string); !strings.HasPrefix(tok, "****") {
					t.Fatalf("meter tokens shows a token unmasked: %q", tok)
				}
			}
			last := tokens[len(tokens)-1].(map[string]any)
			re := adminOK(t, cashier, "meter", "reprint", "--source", "engineering", "--id", strconvF(last["record_id"]))
			if re["digits"] != limit["digits"] || re["reprints"].(float64) != 1 {
				t.Fatalf("meter reprint: %v; want the power limit token's digits, reprinted once", re)
			}
			adminRefused(t, cashier, 2, []string{"--source", "fax"}, "meter", "reprint", "--source", "fax", "--id", "1")

			adminRefused(t, env, 2, []string{"--arrears", "forgiven"}, "contract", "close", "--id", id(k), "--arrears", "forgiven")
			closed := adminOK(t, env, "contract", "close", "--id", id(k), "--reading", "1234.5", "--arrears", "settled")
			if closed["status"] != "closed" || closed["closing_reading"].(float64) != 12345 {
				t.Fatalf("contract close: %v", closed)
			}
			if s := adminOK(t, env, "contract", "show", "--id", id(k)); s["arrears_outcome"] != "settled" {
				t.Fatalf("contract show: %v", s)
			}
		})
	}
}
