package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/testkit"
)

// TestBackOfficeEndToEnd drives the back office of a running server over real HTTP, as a
// browser does (a cookie jar, the CSRF token on every change): the administrator signs in with
// the one-time password of the demo's first start, sets a password, enrols a second factor and signs in with a
// code; creates a cashier and a supervisor; receives a meter into the store from a CSV; the
// cashier opens a contract for it, and the agent sells to it; a terminal's key sells and the
// vend names the terminal; the supervisor issues a clear-tamper token; a float adjustment the
// administrator asks for is refused to its maker and approved by the supervisor; the supervisor
// reverses a vend inside the window at once and one past it with the administrator's approval; one nobody decides expires. At the end
// the audit chain is whole and every agent's balance is its ledger's sum. The server is Open and
// Run as `vendgate serve` runs them, on a clock the test moves (each second-factor code is
// accepted once per 30-second step).
func TestBackOfficeEndToEnd(t *testing.T) {
	dir := t.TempDir()
	args, environ := serveArgs(dir)
	cfg, err := loadConfig(args[1:], environ)
	if err != nil {
		t.Fatal(err)
	}
	clock := testkit.NewClock(time.Now().UTC())
	out := &testkit.Logs{}
	m := &Main{Config: cfg, Stdout: out, Logger: zerolog.New(out).Level(zerolog.WarnLevel), Clock: clock.Now,
		approvalSweep: 10 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		m.Close()
	})
	base := "http://" + m.Addr()
	var demo demoFile
	b, err := os.ReadFile(filepath.Join(dir, "demo.json"))
	if err != nil || json.Unmarshal(b, &demo) != nil {
		t.Fatalf("demo.json: %v", err)
	}
	otp := demoPassword(t, dir, "admin")

	admin := firstSignIn(t, base, clock, "admin", otp, true)
	var utilities struct{ Items []backoffice.UtilityView }
	admin.get(t, "/ops/v1/utilities", 200, &utilities)
	if len(utilities.Items) != 1 {
		t.Fatalf("utilities: %+v", utilities)
	}
	uid := utilities.Items[0].ID
	var cashierCreds, supervisorCreds backoffice.Credentials
	admin.send(t, "POST", "/ops/v1/operators", map[string]any{"username": "thandeka", "full_name": "Thandeka Cashier", "roles": []string{"cashier"}, "utility_id": uid}, 201, &cashierCreds)
	admin.send(t, "POST", "/ops/v1/operators", map[string]any{"username": "bongani", "full_name": "Bongani Supervisor", "roles": []string{"supervisor"}, "utility_id": uid}, 201, &supervisorCreds)

	// A meter received into the store from the manufacturer's CSV: a dry run first, then for real.
	const number = "01000000016"
	csv := "number,kind,sgc,krn,ti,kt,ea,base-date,ken\n" + number + ",electricity,123456,1,01,2,07,2014,255\n"
	var imported backoffice.ImportResult
	admin.raw(t, "POST", fmt.Sprintf("/ops/v1/meter-batches?reference=E2E-1&manufacturer=Acme&utility_id=%d&dry_run=true", uid), "text/csv", csv, 200, &imported)
	if !imported.DryRun || imported.ByKind[core.Electricity] != 1 {
		t.Fatalf("dry run: %+v", imported)
	}
	admin.raw(t, "POST", fmt.Sprintf("/ops/v1/meter-batches?reference=E2E-1&manufacturer=Acme&utility_id=%d", uid), "text/csv", csv, 201, &imported)
	var stock backoffice.MeterStock
	admin.get(t, "/ops/v1/stock/"+number, 200, &stock)
	if stock.State != backoffice.StockInStore {
		t.Fatalf("the imported meter: %+v", stock)
	}

	// The cashier opens a contract for the meter taken from the store.
	cashier := firstSignIn(t, base, clock, "thandeka", cashierCreds.Password, false)
	var customer backoffice.CustomerView
	cashier.send(t, "POST", "/ops/v1/customers", map[string]any{"name": "Lerato Mokoena", "address": "9 Vilakazi St", "phone": "+27825550101", "language": "en"}, 201, &customer)
	var customers struct{ Items []backoffice.CustomerView }
	cashier.get(t, "/ops/v1/customers?q=Lerato", 200, &customers)
	var meters struct{ Items []backoffice.MeterView }
	cashier.get(t, "/ops/v1/meters?number="+demo.Meters[0].Number, 200, &meters)
	if len(customers.Items) != 1 || customers.Items[0].ID != customer.ID || customer.UtilityID != uid || len(meters.Items) != 1 {
		t.Fatalf("customers %+v, meters %+v", customers, meters)
	}
	var contract backoffice.Contract
	cashier.send(t, "POST", "/ops/v1/contracts", map[string]any{"customer_id": customer.ID, "meter_number": number, "tariff_id": meters.Items[0].TariffID}, 201, &contract)
	cashier.get(t, "/ops/v1/stock/"+number, 200, &stock)
	if contract.Status != backoffice.ContractOpen || stock.State != backoffice.StockInstalled || stock.ContractID != contract.ID {
		t.Fatalf("contract %+v, stock %+v", contract, stock)
	}
	firstVend := sell(t, base, demo.APIKey, number, "e2e-1")

	// A terminal's key sells as its agent, and the vend names the terminal.
	var terminal backoffice.Terminal
	admin.send(t, "POST", "/ops/v1/terminals", map[string]any{"utility_id": uid, "serial": "POS-E2E-1", "name": "Till 1", "agent_id": demo.Agent}, 201, &terminal)
	var key struct {
		Key string `json:"key"`
	}
	admin.send(t, "POST", fmt.Sprintf("/ops/v1/terminals/%d/keys", terminal.ID), map[string]any{"label": "till 1"}, 201, &key)
	vendID := sell(t, base, key.Key, number, "e2e-2")
	if v, err := m.DB.Vend(context.Background(), vendID); err != nil || v.TerminalID != terminal.ID {
		t.Fatalf("the vend by the terminal's key: %+v, %v; want terminal %d", v, err, terminal.ID)
	}

	// The supervisor issues a clear-tamper token for the meter.
	supervisor := firstSignIn(t, base, clock, "bongani", supervisorCreds.Password, true)
	var shown backoffice.ShownToken
	supervisor.send(t, "POST", "/ops/v1/engineering-tokens", map[string]any{"meter_number": number, "kind": "clear_tamper", "reason": "tamper cleared after inspection"}, 200, &shown)
	if len(strings.ReplaceAll(shown.Digits, "-", "")) != 20 || shown.Purpose == "" {
		t.Fatalf("the clear-tamper token: %+v", shown)
	}
	var history struct{ Items []backoffice.MeterTokenView }
	supervisor.get(t, "/ops/v1/meters/"+number+"/tokens", 200, &history)
	if len(history.Items) != 3 || history.Items[0].Source != backoffice.SourceEngineering || strings.Contains(history.Items[0].Token, shown.Digits[:4]+"-") {
		t.Fatalf("the meter's history: %+v", history)
	}

	// Four eyes: the administrator asks, cannot approve; the supervisor approves, once.
	var before, after backoffice.AgentView
	admin.get(t, fmt.Sprintf("/ops/v1/agents/%d", demo.Agent), 200, &before)
	var pending backoffice.ApprovalView
	admin.send(t, "POST", fmt.Sprintf("/ops/v1/agents/%d/float-adjustments", demo.Agent), map[string]any{"amount": 250_00, "reason": "cash deposited at the bank"}, 202, &pending)
	approve := fmt.Sprintf("/ops/v1/approvals/%d/approve", pending.ID)
	var refused map[string]any
	admin.send(t, "POST", approve, nil, 403, &refused)
	if refused["reason"] != string(backoffice.ReasonOwnApproval) {
		t.Fatalf("the maker's approval: %v", refused)
	}
	var approved backoffice.ApprovalView
	supervisor.send(t, "POST", approve, nil, 200, &approved)
	supervisor.send(t, "POST", approve, nil, 409, &refused)
	admin.get(t, fmt.Sprintf("/ops/v1/agents/%d", demo.Agent), 200, &after)
	if approved.Status != backoffice.ApprovalApproved || approved.Checker != "bongani" || after.Balance != before.Balance+250_00 {
		t.Fatalf("approved %+v; balance %d -> %d", approved, before.Balance, after.Balance)
	}

	// A reversal inside the utility's window runs at once; past it, it waits for a second
	// operator, and runs when approved.
	var reversed backoffice.VendView
	supervisor.send(t, "POST", fmt.Sprintf("/ops/v1/vends/%d/reversal", firstVend), map[string]any{"reason": "the customer was charged twice"}, 200, &reversed)
	if reversed.Status != core.VendReversed || reversed.ReversedBy != "operator bongani" {
		t.Fatalf("the reversal inside the window: %+v", reversed)
	}
	clock.Advance(core.DefaultReversalWindow + time.Minute)
	var lateReversal, lateApproved backoffice.ApprovalView
	supervisor.send(t, "POST", fmt.Sprintf("/ops/v1/vends/%d/reversal", vendID), map[string]any{"reason": "the till printed no token"}, 202, &lateReversal)
	admin.send(t, "POST", fmt.Sprintf("/ops/v1/approvals/%d/approve", lateReversal.ID), nil, 200, &lateApproved)
	if v, err := m.DB.Vend(context.Background(), vendID); err != nil || v.Status != core.VendReversed || lateApproved.Status != backoffice.ApprovalApproved {
		t.Fatalf("the late reversal, approved: %+v, %v; the vend %+v", lateApproved, err, v)
	}

	// A request nobody decides, left to expire at the end.
	var late backoffice.ApprovalView
	admin.send(t, "POST", fmt.Sprintf("/ops/v1/agents/%d/float-adjustments", demo.Agent), map[string]any{"amount": 100_00, "reason": "never decided"}, 202, &late)
	var verified struct {
		Intact  bool  `json:"intact"`
		Entries int64 `json:"entries"`
	}
	admin.get(t, "/ops/v1/audit/verify", 200, &verified)
	if !verified.Intact || verified.Entries < 10 {
		t.Fatalf("audit verify: %+v", verified)
	}
	var report backoffice.LedgerReport
	supervisor.get(t, "/ops/v1/ledger/check", 200, &report)
	if report.Agents == 0 || len(report.Differences) != 0 {
		t.Fatalf("the ledger check over HTTP: %+v", report)
	}
	balances, err := m.DB.AgentBalancesIn(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	for id, bal := range balances {
		if sum, err := m.DB.AccountBalance(context.Background(), core.AgentAccount(id)); err != nil || sum != bal {
			t.Errorf("agent %d: balance %d, ledger %d (%v)", id, bal, sum, err)
		}
	}

	// A request nobody decides expires: Run sweeps the queue on its schedule.
	clock.Advance(backoffice.DefaultApprovalExpiry + time.Minute)
	for deadline := time.Now().Add(10 * time.Second); ; {
		got, err := m.DB.Approval(context.Background(), late.ID) // the sessions have ended by now
		if err != nil {
			t.Fatal(err)
		}
		if got.Status == backoffice.ApprovalExpired {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the request past its expiry is still %s: the sweep did not run", got.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// browser is an operator's browser: a cookie jar and the session's CSRF token.
type browser struct {
	base string
	http *http.Client
	csrf string
}

func (b *browser) do(t *testing.T, method, path, contentType string, body io.Reader, status int, v any) {
	t.Helper()
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if method != http.MethodGet && b.csrf != "" {
		req.Header.Set("X-CSRF-Token", b.csrf)
	}
	res, err := b.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	got, _ := io.ReadAll(res.Body)
	if res.StatusCode != status {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, res.StatusCode, status, got)
	}
	if v != nil && len(got) > 0 {
		if err := json.Unmarshal(got, v); err != nil {
			t.Fatalf("%s %s: %q: %v", method, path, got, err)
		}
	}
}

func (b *browser) get(t *testing.T, path string, status int, v any) {
	t.Helper()
	b.do(t, http.MethodGet, path, "", nil, status, v)
}

func (b *browser) send(t *testing.T, method, path string, body any, status int, v any) {
	t.Helper()
	var r io.Reader
	ct := ""
	if body != nil {
		j, _ := json.Marshal(body)
		r, ct = bytes.NewReader(j), "application/json"
	}
	b.do(t, method, path, ct, r, status, v)
}

func (b *browser) raw(t *testing.T, method, path, contentType, body string, status int, v any) {
	t.Helper()
	b.do(t, method, path, contentType, strings.NewReader(body), status, v)
}

// signIn opens a session and keeps its CSRF token.
func (b *browser) signIn(t *testing.T, username, password, code string, status int) {
	t.Helper()
	body := map[string]string{"username": username, "password": password}
	if code != "" {
		body["code"] = code
	}
	var s struct {
		CSRF string `json:"csrf_token"`
	}
	b.csrf = ""
	b.send(t, http.MethodPost, "/ops/v1/session", body, status, &s)
	b.csrf = s.CSRF
}

// firstSignIn is an operator's first day: the one-time password, a new password, a second
// factor when the roles need one, and a sign-in with the new password (and a code).
func firstSignIn(t *testing.T, base string, clock *testkit.Clock, username, otp string, secondFactor bool) *browser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &browser{base: base, http: &http.Client{Jar: jar}}
	password := "a long new password of " + username
	b.signIn(t, username, otp, "", 201)
	b.send(t, "POST", "/ops/v1/me/password", map[string]string{"current_password": otp, "password": password}, 204, nil)
	code := ""
	if secondFactor {
		b.signIn(t, username, password, "", 201)
		var enr backoffice.TOTPEnrolment
		b.send(t, "POST", "/ops/v1/me/totp", nil, 201, &enr)
		c, err := backoffice.TOTPCode(enr.Secret, clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		b.send(t, "POST", "/ops/v1/me/totp/confirm", map[string]string{"code": c}, 204, nil)
		clock.Advance(30 * time.Second) // the next code
		if code, err = backoffice.TOTPCode(enr.Secret, clock.Now()); err != nil {
			t.Fatal(err)
		}
		b.signIn(t, username, password, "", 401) // the second factor is required now
	}
	b.signIn(t, username, password, code, 201)
	var me struct {
		Operator backoffice.OperatorView `json:"operator"`
	}
	b.get(t, "/ops/v1/me", 200, &me)
	if me.Operator.Username != username || me.Operator.MustChangePassword || me.Operator.SecondFactor != secondFactor {
		t.Fatalf("%s signed in as %+v", username, me.Operator)
	}
	return b
}

// sell buys a token for the meter with an agent's (or a terminal's) API key and returns the
// vend's ID.
func sell(t *testing.T, base, key, number, idem string) int64 {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/vends", strings.NewReader(fmt.Sprintf(`{"meter_number":%q,"amount_minor":5000,"currency":"ZAR"}`, number)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Idempotency-Key", idem)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var v struct {
		ID int64 `json:"id"`
	}
	got, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusCreated || json.Unmarshal(got, &v) != nil || v.ID == 0 {
		t.Fatalf("a vend for %s: %d %s", number, res.StatusCode, got)
	}
	return v.ID
}
