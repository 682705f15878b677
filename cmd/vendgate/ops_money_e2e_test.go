package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/internal/demo"
	"github.com/vendgate/vendgate/sts"
	"github.com/vendgate/vendgate/sts/meter"
	"github.com/vendgate/vendgate/testkit"
)

// TestBackOfficeMoneyEndToEnd drives a customer's money over the operator API of a running
// server, as browsers do (cookie jars, the CSRF token): the administrator creates a cashier (and a
// supervisor); the cashier opens a contract and exchanges its meter for a new one carrying credit,
// which waits until the supervisor approves it, and the new meter's credit token is accepted by
// a virtual meter with the credit carried; the cashier charges a counter fee and collects it; the
// cashier asks for a refund, cannot approve it, and the supervisor does. At the end the ledger
// check finds no difference and the audit chain is whole.
func TestBackOfficeMoneyEndToEnd(t *testing.T) {
	dir := t.TempDir()
	args, environ := serveArgs(dir)
	cfg, err := loadConfig(args[1:], environ)
	if err != nil {
		t.Fatal(err)
	}
	clock := testkit.NewClock(time.Now().UTC())
	out := &testkit.Logs{}
	m := &Main{Config: cfg, Stdout: out, Logger: zerolog.New(out).Level(zerolog.WarnLevel), Clock: clock.Now}
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
	var demoRecords demoFile
	if b, err := os.ReadFile(filepath.Join(dir, "demo.json")); err != nil || json.Unmarshal(b, &demoRecords) != nil {
		t.Fatalf("demo.json: %v", err)
	}

	// The administrator creates the cashier and the supervisor, and receives two meters.
	admin := firstSignIn(t, base, clock, "admin", demoPassword(t, dir, "admin"), true)
	var utilities struct{ Items []backoffice.UtilityView }
	admin.get(t, "/ops/v1/utilities", 200, &utilities)
	uid := utilities.Items[0].ID
	var cashierCreds, supervisorCreds backoffice.Credentials
	admin.send(t, "POST", "/ops/v1/operators", map[string]any{"username": "thandeka", "full_name": "Thandeka Cashier", "roles": []string{"cashier"}, "utility_id": uid}, 201, &cashierCreds)
	admin.send(t, "POST", "/ops/v1/operators", map[string]any{"username": "bongani", "full_name": "Bongani Supervisor", "roles": []string{"supervisor"}, "utility_id": uid}, 201, &supervisorCreds)
	oldNumber, newNumber := demo.DRN("0100000002"), demo.DRN("0100000003")
	csv := "number,kind,sgc,krn,ti,kt,ea,base-date,ken\n" +
		oldNumber + ",electricity,123456,1,01,2,07,2014,255\n" + newNumber + ",electricity,123456,1,01,2,07,2014,255\n"
	admin.raw(t, "POST", fmt.Sprintf("/ops/v1/meter-batches?reference=E2E-X&manufacturer=Acme&utility_id=%d", uid), "text/csv", csv, 201, nil)

	// The cashier opens a contract on the first meter.
	cashier := firstSignIn(t, base, clock, "thandeka", cashierCreds.Password, false)
	supervisor := firstSignIn(t, base, clock, "bongani", supervisorCreds.Password, true)
	var customer backoffice.CustomerView
	cashier.send(t, "POST", "/ops/v1/customers", map[string]any{"name": "Lerato Mokoena", "address": "9 Vilakazi St", "phone": "+27825550101", "language": "en"}, 201, &customer)
	var meters struct{ Items []backoffice.MeterView }
	cashier.get(t, "/ops/v1/meters?number="+demoRecords.Meters[0].Number, 200, &meters)
	var contract backoffice.Contract
	cashier.send(t, "POST", "/ops/v1/contracts", map[string]any{"customer_id": customer.ID, "meter_number": oldNumber, "tariff_id": meters.Items[0].TariffID}, 201, &contract)

	// The exchange carrying 57.3 kWh waits for a second operator: not the cashier, the supervisor.
	const carried = 57_3
	var pending backoffice.ApprovalView
	cashier.send(t, "POST", "/ops/v1/meter-exchanges", map[string]any{"contract_id": contract.ID, "old_meter_number": oldNumber,
		"new_meter_number": newNumber, "old_reading": 1234_5, "remaining_credit": carried, "reason": "display dead"}, 202, &pending)
	var refused map[string]any
	cashier.send(t, "POST", fmt.Sprintf("/ops/v1/approvals/%d/approve", pending.ID), nil, 403, &refused)
	var approved backoffice.ApprovalView
	supervisor.send(t, "POST", fmt.Sprintf("/ops/v1/approvals/%d/approve", pending.ID), nil, 200, &approved)
	if approved.Status != backoffice.ApprovalApproved {
		t.Fatalf("the exchange's approval: %+v", approved)
	}
	var exchanges struct{ Items []backoffice.MeterExchange }
	cashier.get(t, fmt.Sprintf("/ops/v1/contracts/%d/exchanges", contract.ID), 200, &exchanges)
	if len(exchanges.Items) != 1 || exchanges.Items[0].NewMeterNumber != newNumber || exchanges.Items[0].CarriedCredit != carried {
		t.Fatalf("the contract's exchanges: %+v", exchanges)
	}

	// The new meter's credit token, reprinted for the cashier, is accepted with the credit carried.
	var history struct{ Items []backoffice.MeterTokenView }
	cashier.get(t, "/ops/v1/meters/"+newNumber+"/tokens", 200, &history)
	if len(history.Items) != 1 || history.Items[0].Purpose != string(backoffice.PurposeCreditTransfer) {
		t.Fatalf("the new meter's tokens: %+v", history)
	}
	h := history.Items[0]
	var shown backoffice.ShownToken
	cashier.send(t, "POST", "/ops/v1/token-reprints", map[string]any{"source": h.Source, "record_id": h.RecordID, "seq": h.Seq}, 201, &shown)
	vm := exchangedMeter(t, newNumber)
	if r := vm.Enter(shown.Digits); r.Code != meter.Accepted {
		t.Fatalf("the carried credit token: the meter answered %s", r)
	}
	if got := vm.Credit(0); got != carried {
		t.Fatalf("the new meter holds %d tenths, want %d", got, carried)
	}

	// A counter charge from the catalogue, charged and collected by the cashier.
	var fee backoffice.ChargeType
	supervisor.send(t, "POST", "/ops/v1/charge-types", map[string]any{"code": "EXCH", "name": "Meter exchange fee", "kind": "exchange_fee", "amount": 85_00}, 201, &fee)
	var charge backoffice.CustomerCharge
	cashier.send(t, "POST", "/ops/v1/charges", map[string]any{"contract_id": contract.ID, "charge_type_id": fee.ID, "method": "counter", "reason": "the exchange"}, 201, &charge)
	var receipt backoffice.ChargeReceipt
	cashier.send(t, "POST", fmt.Sprintf("/ops/v1/charges/%d/collection", charge.ID), nil, 200, &receipt)
	if receipt.Charge.Status != backoffice.ChargePaid || receipt.Charge.Amount != 85_00 || len(receipt.Lines) == 0 {
		t.Fatalf("the receipt: %+v", receipt)
	}

	// A refund: asked by the cashier, who cannot approve it; approved by the supervisor.
	var refund backoffice.ApprovalView
	cashier.send(t, "POST", "/ops/v1/refunds", map[string]any{"contract_id": contract.ID, "amount": 20_00, "method": "cash", "reason": "paid twice at the counter"}, 202, &refund)
	cashier.send(t, "POST", fmt.Sprintf("/ops/v1/approvals/%d/approve", refund.ID), nil, 403, &refused)
	supervisor.send(t, "POST", fmt.Sprintf("/ops/v1/approvals/%d/approve", refund.ID), nil, 200, &approved)
	if approved.Status != backoffice.ApprovalApproved || approved.Checker != "bongani" {
		t.Fatalf("the refund's approval: %+v", approved)
	}

	var report backoffice.LedgerReport
	supervisor.get(t, "/ops/v1/ledger/check", 200, &report)
	if !report.OK() || report.Customers == 0 || report.Charges == 0 {
		t.Fatalf("the ledger check: %+v", report)
	}
	var verified struct {
		Intact  bool  `json:"intact"`
		Entries int64 `json:"entries"`
	}
	admin.get(t, "/ops/v1/audit/verify", 200, &verified)
	if !verified.Intact {
		t.Fatalf("audit verify: %+v", verified)
	}
	t.Logf("exchange %d carried %d tenths to %s (accepted: credit %d); charge %d of %d collected; refund request %d approved by %s; ledger: %d agents, %d customers, %d charges, no difference; audit: %d entries, intact",
		exchanges.Items[0].ID, carried, newNumber, vm.Credit(0), charge.ID, receipt.Charge.Amount, refund.ID, approved.Checker,
		report.Agents, report.Customers, report.Charges, verified.Entries)
}

// exchangedMeter is a virtual meter loaded with the decoder key of a meter of the demo's DKGA02
// supply group (SGC 123456, KRN 1, TI 1, EA07, base date 2014), as the CSV above declares it.
func exchangedMeter(t *testing.T, number string) *meter.Meter {
	t.Helper()
	pan, err := sts.NewPAN(sts.IIN, number)
	if err != nil {
		t.Fatal(err)
	}
	vk, err := hex.DecodeString(demo.VK02)
	if err != nil {
		t.Fatal(err)
	}
	k := core.MeterKey{PAN: pan, SGC: 123456, KRN: 1, KT: sts.KeyTypeUnique, TI: 1, DKGA: sts.DKGA02, EA: sts.EA07, BaseDate: sts.BaseDate2014, KEN: sts.NoExpiry}
	dk, err := sts.DeriveKey(k.DKGA, vk, sts.KeyParams{PAN: k.PAN, KT: k.KT, SGC: k.SGC, TI: k.TI, KRN: k.KRN, BaseDate: k.BaseDate, EA: k.EA})
	if err != nil {
		t.Fatal(err)
	}
	vm, err := meter.New(meter.Config{Key: dk, EA: k.EA, KT: k.KT, KRN: k.KRN, TI: k.TI, SGC: k.SGC, BaseDate: k.BaseDate, KEN: sts.NoExpiry,
		Manufacturer: k.PAN.ManufacturerCode()})
	if err != nil {
		t.Fatal(err)
	}
	return vm
}
