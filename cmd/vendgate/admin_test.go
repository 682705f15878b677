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
	"github.com/vendgate/vendgate/internal/demo"
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
	code := runAdmin(context.Background(), args, withCode(t, env), &out, &errb)
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
	envs := map[string][]string{
		"SQLite":     {"VENDGATE_DATA_DIR=" + filepath.Join(dir, "sqlite")},
		"PostgreSQL": {"VENDGATE_DATA_DIR=" + filepath.Join(dir, "pg"), "VENDGATE_DATABASE_URL=" + testkit.PostgresURL(t), "VENDGATE_MASTER_KEY_FILE=" + keyFile},
	}
	for name, env := range envs { // admin works on a database that exists
		var out, errb bytes.Buffer
		if code := run(context.Background(), []string{"migrate"}, env, &out, &errb); code != 0 {
			t.Fatalf("%s: vendgate migrate: exit %d: %s", name, code, errb.String())
		}
		envs[name] = adminSignedIn(t, env)
	}
	return envs
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
			number := demo.DRN("0510000001")
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

			if got := adminOK(t, env, "meter", "set-status", "--number", number, "--status", "blocked", "--reason", "tamper suspected"); got["status"] != "blocked" {
				t.Fatalf("meter set-status blocked: %v", got)
			}
			if _, err := vendor.Vend(ctx, core.VendRequest{Channel: core.ChannelREST, IdempotencyKey: "a3", AgentID: agent.ID, MeterNumber: number, Amount: 11600}); core.AsError(err).Reason != "meter_blocked" {
				t.Fatalf("a vend to the blocked meter: got %v, want meter_blocked", err)
			}
			adminOK(t, env, "meter", "set-status", "--number", number, "--status", "active", "--reason", "inspected")

			before := adminOK(t, env, "agent", "top-up", "--agent", id(ag), "--amount", "1")["balance"].(float64)
			if code, _, errOut := admin(t, env, "vend", "reverse", "--id", strconv.FormatInt(v.ID, 10)); code != 2 || !strings.Contains(errOut, "--reason") {
				t.Fatalf("a reversal without a reason: exit %d, %q", code, errOut)
			}
			rev := adminOK(t, env, "vend", "reverse", "--id", strconv.FormatInt(v.ID, 10), "--reason", "paid twice")
			after := adminOK(t, env, "agent", "top-up", "--agent", id(ag), "--amount", "1")["balance"].(float64)
			if rev["status"] != "reversed" || int64(after-1-before) != int64(v.Breakdown.Paid-v.Breakdown.Commission) {
				t.Fatalf("operator reversal: %v; the float moved by %v, want %d", rev, after-1-before, v.Breakdown.Paid-v.Breakdown.Commission)
			}
			if code, _, errOut := admin(t, env, "vend", "reverse", "--id", strconv.FormatInt(v.ID, 10), "--reason", "again"); code != 1 || !strings.Contains(errOut, "already reversed") {
				t.Fatalf("second reversal: exit %d, %q", code, errOut)
			}
			list := adminOK(t, env, "vend", "reversed")
			if vs, _ := list["vends"].([]any); len(vs) != 1 || vs[0].(map[string]any)["reason"] != "paid twice" || vs[0].(map[string]any)["reversed_by"] != "operator admin" {
				t.Fatalf("the list of reversed vends: %v", list)
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
	env := adminEnvs(t)["SQLite"]
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
		{[]string{"tariff", "create", "--utility", "1", "--name", "x", "--block", "50:abc"}, "--block"},
		{[]string{"tariff", "create", "--utility", "1", "--name", "x", "--kind", "steam", "--block", "-:100"}, "--kind"},
		{[]string{"tariff", "create", "--utility", "1", "--name", "x", "--free-basic", "5.55", "--block", "-:100"}, "--free-basic"},
		{[]string{"tariff", "create", "--utility", "1", "--name", "x", "--monthly-fixed-charge", "-1", "--block", "-:100"}, "--monthly-fixed-charge"},
		{[]string{"agent", "top-up", "--agent", "1", "--amount", "-5"}, "--amount"},
		{[]string{"agent", "create", "--utility", "1", "--name", "x", "--commission-rate", "2"}, "--commission-rate"},
		{[]string{"meter", "create", "--number", "12345678901"}, "--customer"},
		{[]string{"institution", "create", "--code", "12x", "--agent", "1", "--allow", "127.0.0.1"}, "--code"},
		{[]string{"institution", "create", "--code", "123", "--agent", "1", "--allow", "localhost"}, "--allow"},
		{[]string{"institution", "create", "--code", "123", "--allow", "127.0.0.1"}, "--agent"},
		{[]string{"meter", "set-status", "--number", "12345678901", "--status", "broken"}, "--status"},
		{[]string{"replies", "list", "--status", "lost"}, "--status"},
		{[]string{"replies", "list", "--limit", "0"}, "--limit"},
		{[]string{"replies", "resend"}, "--id"},
		{[]string{"service-code", "create", "--channel", "email", "--code", "40404", "--agent", "1"}, "--channel"},
		{[]string{"service-code", "create", "--code", "40404", "--agent", "1"}, "--channel: required"},
		{[]string{"service-code", "create", "--channel", "sms", "--code", "*404#", "--agent", "1"}, "--code"},
		{[]string{"service-code", "create", "--channel", "ussd", "--code", "*404#"}, "--agent"},
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

// adminReplyBody is an SMS as the outbox holds it: a credit token in its receipt form and a key
// change token in its plain form.
const adminReplyBody = "Lakeside Power: KES 116.00, 7.3 kWh for meter 01234567897.\n" +
	"Token: 1111-2222-3333-4444-5555\nKey token: 66667777888899990000\nRef VGEZDGNBVGY3TQOJQ"

// mustFailedReply puts a reply in the outbox and fails it as a relay does when its attempts are
// exhausted.
func mustFailedReply(t *testing.T, db *store.DB, recipient string) core.Reply {
	t.Helper()
	ctx := context.Background()
	r := &core.Reply{Channel: core.ReplyChannelSMS, Route: "smsc-a", Recipient: recipient, Sender: "40404", Body: adminReplyBody}
	if err := db.AddReply(ctx, r); err != nil {
		t.Fatal(err)
	}
	c, claimed, err := db.ClaimReply(ctx, r.ID, time.Now(), time.Minute)
	if err != nil || !claimed {
		t.Fatalf("ClaimReply(%d): claimed %v, %v", r.ID, claimed, err)
	}
	if err := db.FailReply(ctx, r.ID, c.Claim, "submit_sm: invalid destination address", time.Now()); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestAdminReplies: an operator sees a failed reply (its token and phone number masked) and
// resends it; a delivered reply cannot be resent.
func TestAdminReplies(t *testing.T) {
	for name, env := range adminEnvs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			// The first admin command creates the database.
			if empty := adminOK(t, env, "replies", "list"); empty["count"].(float64) != 0 || len(empty["replies"].([]any)) != 0 {
				t.Fatalf("replies list on an empty outbox: %v", empty)
			}
			db, _ := openAdminStore(t, env)
			failed := mustFailedReply(t, db, "254712345678")

			delivered := &core.Reply{Channel: core.ReplyChannelSMS, Route: "smsc-a", Recipient: "254798765432", Sender: "40404", Body: adminReplyBody}
			if err := db.AddReply(ctx, delivered); err != nil {
				t.Fatal(err)
			}
			c, _, err := db.ClaimReply(ctx, delivered.ID, time.Now(), time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.MarkReplyDelivered(ctx, delivered.ID, c.Claim, "msg-77", time.Now()); err != nil {
				t.Fatal(err)
			}
			if err := db.RecordReceipt(ctx, "smsc-a", "msg-77", "DELIVRD", time.Now()); err != nil {
				t.Fatal(err)
			}

			code, out, errOut := admin(t, env, "replies", "list")
			if code != 0 {
				t.Fatalf("replies list: exit %d: %s", code, errOut)
			}
			for _, secret := range []string{"1111-2222", "2222-3333", "3333-4444", "4444-5555", "1111222233334444", "6666777788889999", "254712345678", "712345"} {
				if strings.Contains(out, secret) {
					t.Fatalf("replies list shows %q: %s", secret, out)
				}
			}
			list := adminOK(t, env, "replies", "list")
			replies := list["replies"].([]any)
			if len(replies) != 1 || list["status"] != "failed" {
				t.Fatalf("replies list: got %v, want the one failed reply", list)
			}
			got := replies[0].(map[string]any)
			want := map[string]any{"id": float64(failed.ID), "vend_id": float64(0), "route": "smsc-a", "recipient": "********5678",
				"status": "failed", "attempts": float64(1), "last_error": "submit_sm: invalid destination address"}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("failed reply %s: got %v, want %v", k, got[k], v)
				}
			}
			if got["failed_at"] == nil || got["created_at"] == nil {
				t.Errorf("failed reply: no failed_at or created_at: %v", got)
			}
			body, _ := got["body_masked"].(string)
			if !strings.Contains(body, "Token: ****-****-****-****-5555") || !strings.Contains(body, "Key token: ****************0000") ||
				!strings.Contains(body, "meter 01234567897") {
				t.Errorf("body_masked: got %q, want the tokens masked to their last 4 digits and the rest as it was", body)
			}

			d := adminOK(t, env, "replies", "list", "--status", "delivered", "--limit", "5")["replies"].([]any)
			if len(d) != 1 || d[0].(map[string]any)["external_id"] != "msg-77" || d[0].(map[string]any)["receipt_status"] != "DELIVRD" {
				t.Fatalf("delivered replies: got %v, want the delivered one with its external id and receipt", d)
			}

			res := adminOK(t, env, "replies", "resend", "--id", strconv.FormatInt(failed.ID, 10))
			if res["status"] != "pending" || res["attempts"].(float64) != 0 || res["failed_at"] != nil {
				t.Fatalf("replies resend: got %v, want pending with no attempts", res)
			}
			if r, err := db.Reply(ctx, failed.ID); err != nil || r.Status != core.ReplyPending || r.Attempts != 0 || r.Body != adminReplyBody {
				t.Fatalf("the resent reply in the outbox: %+v, %v; want pending, 0 attempts, its body intact", r, err)
			}
			if n := len(adminOK(t, env, "replies", "list")["replies"].([]any)); n != 0 {
				t.Fatalf("failed replies after the resend: %d, want 0", n)
			}
			if n := len(adminOK(t, env, "replies", "list", "--status", "pending")["replies"].([]any)); n != 1 {
				t.Fatalf("pending replies after the resend: %d, want 1", n)
			}

			for _, tc := range []struct {
				name, id, want string
			}{
				{"ErrDelivered", strconv.FormatInt(delivered.ID, 10), "is delivered, not failed"},
				{"ErrPending", strconv.FormatInt(failed.ID, 10), "is pending, not failed"},
				{"ErrNotFound", "999999", "reply 999999 does not exist"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					code, out, errOut := admin(t, env, "replies", "resend", "--id", tc.id)
					if code != 1 || out != "" || !strings.Contains(errOut, tc.want) {
						t.Fatalf("replies resend --id %s: exit %d, stdout %q, stderr %q; want exit 1 saying %q", tc.id, code, out, errOut, tc.want)
					}
				})
			}
		})
	}
}

// TestAdminServiceCodes: an operator's short code and USSD code, sold from its telco agent.
func TestAdminServiceCodes(t *testing.T) {
	for name, env := range adminEnvs(t) {
		t.Run(name, func(t *testing.T) {
			u := adminOK(t, env, "utility", "create", "--name", "Lakeside Power", "--currency", "KES", "--tax-rate", "0.16")
			telco := adminOK(t, env, "agent", "create", "--utility", id(u), "--name", "Safaricom", "--kind", "telco", "--credit-limit", "10000000")
			if telco["kind"] != "telco" {
				t.Fatalf("agent create --kind telco: %v", telco)
			}
			retail := adminOK(t, env, "agent", "create", "--utility", id(u), "--name", "Kisumu Kiosk")

			sms := adminOK(t, env, "service-code", "create", "--channel", "sms", "--code", "40404", "--agent", id(telco), "--route", "smsc-a")
			if sms["code"] != "40404" || sms["channel"] != "sms" || sms["route"] != "smsc-a" || sms["active"] != true || sms["agent_id"].(float64) != telco["id"].(float64) {
				t.Fatalf("service-code create sms: %v", sms)
			}
			ussd := adminOK(t, env, "service-code", "create", "--channel", "ussd", "--code", " *404# ", "--agent", id(telco))
			if ussd["code"] != "*404#" || ussd["route"] != "" {
				t.Fatalf("service-code create ussd: got %v, want code *404# on the default route", ussd)
			}

			list := adminOK(t, env, "service-code", "list")["service_codes"].([]any)
			var got []string
			for _, x := range list {
				sc := x.(map[string]any)
				got = append(got, sc["channel"].(string)+":"+sc["code"].(string)+":"+sc["route"].(string))
			}
			if strings.Join(got, " ") != "sms:40404:smsc-a ussd:*404#:" {
				t.Fatalf("service-code list: got %v, want the two codes by channel", got)
			}

			for _, tc := range []struct {
				name string
				args []string
				want string
			}{
				{"ErrNotTelco", []string{"--channel", "sms", "--code", "30303", "--agent", id(retail)}, "not telco"},
				{"ErrUnknownAgent", []string{"--channel", "sms", "--code", "30303", "--agent", "999999"}, "agent 999999 does not exist"},
				{"ErrDuplicate", []string{"--channel", "sms", "--code", "40404", "--agent", id(telco)}, "the sms code 40404 exists already"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					code, out, errOut := admin(t, env, append([]string{"service-code", "create"}, tc.args...)...)
					if code != 1 || out != "" || !strings.Contains(errOut, tc.want) {
						t.Fatalf("exit %d, stdout %q, stderr %q; want exit 1 saying %q", code, out, errOut, tc.want)
					}
				})
			}
			if n := len(adminOK(t, env, "service-code", "list")["service_codes"].([]any)); n != 2 {
				t.Fatalf("service codes after the refusals: %d, want 2", n)
			}
		})
	}
}
