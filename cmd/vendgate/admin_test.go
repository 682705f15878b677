package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/sts"
	"github.com/vendgate/vendgate/sts/meter"
	"github.com/vendgate/vendgate/testkit"
)

const adminVK = "0123456789abcdeffedcba98765432100a0b0c0d" // a DKGA04 vending key for this test only

// admin runs one admin command and returns its exit code, stdout and stderr.
func admin(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := runAdmin(context.Background(), args, env, &out, &errb)
	for _, s := range []string{out.String(), errb.String()} {
		if strings.Contains(strings.ToLower(s), adminVK) {
			t.Fatalf("the vending key was printed: %q", s)
		}
	}
	return code, out.String(), errb.String()
}

// adminOK runs an admin command that must succeed and decodes its JSON object.
func adminOK(t *testing.T, env []string, args ...string) map[string]any {
	t.Helper()
	code, out, errOut := admin(t, env, args...)
	if code != 0 {
		t.Fatalf("vendgate admin %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(out), &obj); err != nil || strings.Count(out, "\n") != 1 {
		t.Fatalf("vendgate admin %s: not one JSON object: %q", strings.Join(args, " "), out)
	}
	return obj
}

func id(obj map[string]any) string { return strconv.FormatInt(int64(obj["id"].(float64)), 10) }

// adminEnvs are the two deployments: the embedded default and PostgreSQL.
func adminEnvs(t *testing.T) map[string][]string {
	dir := t.TempDir()
	key := make([]byte, 32)
	rand.Read(key)
	keyFile := filepath.Join(dir, "master.key")
	if err := os.WriteFile(keyFile, []byte(hex.EncodeToString(key)), 0o600); err != nil {
		t.Fatal(err)
	}
	return map[string][]string{
		"SQLite":     {"VENDGATE_DATA_DIR=" + filepath.Join(dir, "sqlite")},
		"PostgreSQL": {"VENDGATE_DATA_DIR=" + filepath.Join(dir, "pg"), "VENDGATE_DATABASE_URL=" + testkit.PostgresURL(t), "VENDGATE_MASTER_KEY_FILE=" + keyFile},
	}
}

// TestAdminSetupThenVend builds a utility from nothing with admin commands only, then vends and
// types the token into a virtual meter; then a key change, an API key revocation and the ledger.
func TestAdminSetupThenVend(t *testing.T) {
	for name, env := range adminEnvs(t) {
		t.Run(name, func(t *testing.T) {
			keyFile := filepath.Join(t.TempDir(), "vk")
			if err := os.WriteFile(keyFile, []byte(adminVK+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			u := adminOK(t, env, "utility", "create", "--name", "Lakeside Power", "--currency", "KES", "--tax-rate", "0.16", "--time-zone", "Africa/Nairobi")
			g := adminOK(t, env, "supply-group", "create", "--utility", id(u), "--sgc", "600100", "--krn", "1", "--dkga", "04", "--name", "Lakeside", "--vending-key-file", keyFile)
			tr := adminOK(t, env, "tariff", "create", "--utility", id(u), "--name", "Domestic", "--block", "50:1500", "--block", "-:2500")
			c := adminOK(t, env, "customer", "create", "--name", "Wanjiru Kamau", "--address", "Plot 7, Kisumu")
			number := drn("0510000001")
			mt := adminOK(t, env, "meter", "create", "--number", number, "--supply-group", id(g), "--customer", id(c), "--tariff", id(tr), "--ti", "07", "--ea", "11")
			ag := adminOK(t, env, "agent", "create", "--utility", id(u), "--name", "Kisumu Kiosk", "--credit-limit", "0", "--commission-rate", "0.01")
			adminOK(t, env, "agent", "top-up", "--agent", id(ag), "--amount", "100000")
			k := adminOK(t, env, "agent", "api-key", "issue", "--agent", id(ag), "--label", "till 1")

			ctx := context.Background()
			db, vendor := openAdminStore(t, env)
			apiKey := k["api_key"].(string)
			agent, err := core.Authenticate(ctx, db, apiKey)
			if err != nil {
				t.Fatal(err)
			}
			v, err := vendor.Vend(ctx, core.VendRequest{Channel: core.ChannelREST, IdempotencyKey: "a1", AgentID: agent.ID, MeterNumber: number, Amount: 11600})
			if err != nil {
				t.Fatal(err)
			}
			vm := virtualMeter(t, number, 1, 7)
			if r := vm.Enter(v.Tokens[0].Token.String()); r.Code != meter.Accepted || r.Added != uint64(v.Breakdown.Energy) {
				t.Fatalf("virtual meter: got %v, want accepted +%s", r, v.Breakdown.Energy)
			}
			if mt["key"].(map[string]any)["sgc"] != "600100" {
				t.Fatalf("meter key: %v", mt["key"])
			}

			// A key change to tariff index 8: key change tokens first, then credit under the new key.
			adminOK(t, env, "meter", "key-change", "--number", number, "--supply-group", id(g), "--ti", "08", "--ea", "11")
			v2, err := vendor.Vend(ctx, core.VendRequest{Channel: core.ChannelREST, IdempotencyKey: "a2", AgentID: agent.ID, MeterNumber: number, Amount: 11600})
			if err != nil {
				t.Fatal(err)
			}
			if len(v2.Tokens) != 5 || v2.Tokens[0].Purpose != core.PurposeKeyChange {
				t.Fatalf("vend during a key change: %d tokens, first %s; want 4 key change tokens and the credit", len(v2.Tokens), v2.Tokens[0].Purpose)
			}
			for _, tok := range v2.Tokens {
				if r := vm.Enter(tok.Token.String()); !r.Code.OK() {
					t.Fatalf("virtual meter, %s token: %v", tok.Purpose, r)
				}
			}
			if got := adminOK(t, env, "meter", "confirm-key-change", "--number", number); got["pending_key"] != nil || got["key"].(map[string]any)["ti"] != "08" {
				t.Fatalf("after confirming: %v", got)
			}

			if got := adminOK(t, env, "meter", "set-status", "--number", number, "--status", "blocked"); got["status"] != "blocked" {
				t.Fatalf("meter set-status blocked: %v", got)
			}
			if _, err := vendor.Vend(ctx, core.VendRequest{Channel: core.ChannelREST, IdempotencyKey: "a3", AgentID: agent.ID, MeterNumber: number, Amount: 11600}); core.AsError(err).Reason != "meter_blocked" {
				t.Fatalf("a vend to the blocked meter: got %v, want meter_blocked", err)
			}
			adminOK(t, env, "meter", "set-status", "--number", number, "--status", "active")

			before := adminOK(t, env, "agent", "top-up", "--agent", id(ag), "--amount", "1")["balance"].(float64)
			rev := adminOK(t, env, "vend", "reverse", "--id", strconv.FormatInt(v.ID, 10))
			after := adminOK(t, env, "agent", "top-up", "--agent", id(ag), "--amount", "1")["balance"].(float64)
			if rev["status"] != "reversed" || int64(after-1-before) != int64(v.Breakdown.Paid-v.Breakdown.Commission) {
				t.Fatalf("operator reversal: %v; the float moved by %v, want %d", rev, after-1-before, v.Breakdown.Paid-v.Breakdown.Commission)
			}
			if code, _, errOut := admin(t, env, "vend", "reverse", "--id", strconv.FormatInt(v.ID, 10)); code != 1 || !strings.Contains(errOut, "already reversed") {
				t.Fatalf("second reversal: exit %d, %q", code, errOut)
			}
			adminOK(t, env, "agent", "api-key", "revoke", "--id", id(k))
			if _, err := core.Authenticate(ctx, db, apiKey); core.ErrorCode(err) != core.CodeUnauthorized {
				t.Fatalf("revoked key: got %v, want unauthorized", err)
			}
			bank := adminOK(t, env, "agent", "create", "--utility", id(u), "--name", "Lakeside Bank", "--kind", "bank", "--credit-limit", "5000000")
			in := adminOK(t, env, "institution", "create", "--code", "424242", "--agent", id(bank), "--allow", "127.0.0.1, 10.20.0.0/16")
			if in["name"] != "Lakeside Bank" || in["code"] != "424242" || strings.Join(anyStrings(in["allowed"]), " ") != "127.0.0.1/32 10.20.0.0/16" {
				t.Fatalf("institution create: %v", in)
			}
			if code, _, errOut := admin(t, env, "institution", "create", "--code", "555", "--agent", id(ag), "--allow", "127.0.0.1"); code != 1 || !strings.Contains(errOut, "not bank") {
				t.Fatalf("an institution for a retail agent: exit %d, %q", code, errOut)
			}
			if r := adminOK(t, env, "ledger", "check"); r["agents"].(float64) != 2 || len(r["differences"].([]any)) != 0 {
				t.Fatalf("ledger check: %v", r)
			}
		})
	}
}

func anyStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func openAdminStore(t *testing.T, env []string) (*store.DB, *core.Vendor) {
	t.Helper()
	cfg, err := loadConfig(nil, env)
	if err != nil {
		t.Fatal(err)
	}
	master, _, err := cfg.MasterKeyBytes()
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := core.NewSealer(master)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, newVendor(db, sealer, time.Now, 0)
}

func virtualMeter(t *testing.T, number string, krn, ti uint8) *meter.Meter {
	t.Helper()
	pan, err := sts.NewPAN(sts.IIN, number)
	if err != nil {
		t.Fatal(err)
	}
	vk, _ := hex.DecodeString(adminVK)
	dk, err := sts.DeriveKey(sts.DKGA04, vk, sts.KeyParams{PAN: pan, KT: 2, SGC: 600100, TI: ti, KRN: krn, BaseDate: sts.BaseDate2014, EA: sts.EA11})
	if err != nil {
		t.Fatal(err)
	}
	m, err := meter.New(meter.Config{Key: dk, EA: sts.EA11, KT: 2, KRN: krn, TI: ti, SGC: 600100, BaseDate: sts.BaseDate2014, KEN: sts.NoExpiry})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestAdminUsageErrors(t *testing.T) {
	env := []string{"VENDGATE_DATA_DIR=" + t.TempDir()}
	shortKey := filepath.Join(t.TempDir(), "vk")
	os.WriteFile(shortKey, []byte(adminVK[:30]), 0o600)
	tests := []struct {
		args []string
		flag string
	}{
		{[]string{"utility", "create", "--currency", "ZAR", "--tax-rate", "0.15"}, "--name"},
		{[]string{"utility", "create", "--name", "x", "--currency", "XXX", "--tax-rate", "0.15"}, "--currency"},
		{[]string{"utility", "create", "--name", "x", "--currency", "ZAR", "--tax-rate", "abc"}, "--tax-rate"},
		{[]string{"supply-group", "create", "--utility", "1", "--sgc", "12345", "--dkga", "04", "--vending-key-file", shortKey}, "--sgc"},
		{[]string{"supply-group", "create", "--utility", "1", "--sgc", "123456", "--dkga", "04"}, "--vending-key-file"},
		{[]string{"supply-group", "create", "--utility", "1", "--sgc", "123456", "--dkga", "04", "--vending-key-file", shortKey}, "15 bytes"},
		{[]string{"tariff", "create", "--utility", "1", "--block", "50:abc"}, "--block"},
		{[]string{"agent", "top-up", "--agent", "1", "--amount", "-5"}, "--amount"},
		{[]string{"agent", "create", "--utility", "1", "--name", "x", "--commission-rate", "2"}, "--commission-rate"},
		{[]string{"meter", "create", "--number", "12345678901"}, "--customer"},
		{[]string{"institution", "create", "--code", "12x", "--agent", "1", "--allow", "127.0.0.1"}, "--code"},
		{[]string{"institution", "create", "--code", "123", "--agent", "1", "--allow", "localhost"}, "--allow"},
		{[]string{"institution", "create", "--code", "123", "--allow", "127.0.0.1"}, "--agent"},
		{[]string{"meter", "set-status", "--number", "12345678901", "--status", "broken"}, "--status"},
		{[]string{"utility", "frobnicate"}, "usage"},
		{[]string{"utility", "create", "--bogus"}, "bogus"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args[:2], "_")+"_"+tc.flag, func(t *testing.T) {
			code, out, errOut := admin(t, env, tc.args...)
			if code != 2 || out != "" || !strings.Contains(errOut, tc.flag) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit 2 naming %s", code, out, errOut, tc.flag)
			}
			if tc.flag != "usage" && strings.Count(errOut, "\n") != 1 {
				t.Fatalf("stderr is not one line: %q", errOut)
			}
		})
	}
}
