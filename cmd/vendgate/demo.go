package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/sts"
)

// The demo's vending keys are the ones published in the STS 531 compliance test specifications.
// Everybody has them: they are for demonstrations and tests, never for real meters.
const (
	demoVK02 = "abababababababab"
	demoVK04 = "abababababababab949494949494949401234567"
)

// demoFile is data/demo.json: the agent's API key and what stsctl meter needs to emulate each
// demo meter.
type demoFile struct {
	Note    string      `json:"note"`
	BaseURL string      `json:"base_url"`
	APIKey  string      `json:"api_key"`
	Agent   int64       `json:"agent_id"`
	Meters  []demoMeter `json:"meters"`
	Bank    demoBank    `json:"bank"`
	Telco   demoTelco   `json:"telco"`
}

// demoTelco is the demo's mobile operator: a settlement account reached by SMS and USSD.
type demoTelco struct {
	Agent       int64  `json:"agent_id"`
	ShortCode   string `json:"sms_short_code"`
	ServiceCode string `json:"ussd_service_code"`
	Route       string `json:"smsc"` // the SMPP bind replies go out on
}

// The demo operator's codes.
const (
	demoShortCode   = "40404"
	demoServiceCode = "*404#"
)

// demoBank is the demo's ISO 8583 institution.
type demoBank struct {
	Addr        string   `json:"iso8583_addr,omitempty"` // where the server listened when it seeded the demo
	Institution string   `json:"institution"`
	Agent       int64    `json:"agent_id"`
	Allowed     []string `json:"allowed"`
}

// The demo bank's acquiring institution id (field 32).
const demoInstitution = "999999"

type demoMeter struct {
	Number      string `json:"number"`
	Customer    string `json:"customer"`
	PAN         string `json:"pan"`
	DKGA        string `json:"dkga"`
	VendingKey  string `json:"vending_key"`
	SGC         string `json:"sgc"`
	TI          string `json:"ti"`
	KRN         int    `json:"krn"`
	KT          int    `json:"kt"`
	EA          string `json:"ea"`
	BaseDate    string `json:"base_date"`
	StsctlMeter string `json:"stsctl_meter"`
}

// drn completes a meter number with its Luhn check digit.
func drn(first10 string) string {
	for d := '0'; d <= '9'; d++ {
		if sts.CheckDRN(sts.IIN, first10+string(d)) == nil {
			return first10 + string(d)
		}
	}
	panic("no check digit for " + first10)
}

// seedUtility creates a South African utility (ZAR, 15 % VAT, 25 % debt recovery, a R20.00
// monthly charge, 50 kWh free basic electricity) and a three-block stepped tariff.
func seedUtility(ctx context.Context, db *store.DB, name string) (*core.Utility, *core.Tariff, error) {
	zar, _ := core.ParseCurrency("ZAR")
	loc, err := time.LoadLocation("Africa/Johannesburg")
	if err != nil {
		return nil, nil, err
	}
	u := &core.Utility{Name: name, Currency: zar, TaxRate: decimal.RequireFromString("0.15"), Location: loc,
		DebtRecoveryRate: decimal.RequireFromString("0.25"), MonthlyFixedCharge: 2000, FreeBasicEnergy: 500,
		ReversalWindow: 24 * time.Hour}
	if err := db.CreateUtility(ctx, u); err != nil {
		return nil, nil, err
	}
	tariff := &core.Tariff{UtilityID: u.ID, Name: "Domestic stepped", Blocks: []core.TariffBlock{
		{UpTo: 500, Price: decimal.RequireFromString("150")}, {UpTo: 3500, Price: decimal.RequireFromString("210")},
		{Price: decimal.RequireFromString("280")}}}
	if err := db.CreateTariff(ctx, tariff); err != nil {
		return nil, nil, err
	}
	return u, tariff, nil
}

// seedDemo fills an empty embedded database with a utility, a supply group per demo key, a
// stepped tariff, customers, meters and an agent with float and an API key, and returns what
// demo.json holds (seedStaged writes it). dataDir is where the server runs (the meters' state
// files are named there).
func seedDemo(ctx context.Context, db *store.DB, sealer *core.Sealer, dataDir, baseURL, isoAddr, route string) (*demoFile, error) {
	u, tariff, err := seedUtility(ctx, db, "Demo Power")
	if err != nil {
		return nil, err
	}
	groups := map[sts.DKGA]*core.SupplyGroup{}
	for _, g := range []struct {
		dkga sts.DKGA
		sgc  sts.SGC
		vk   string
	}{{sts.DKGA02, 123456, demoVK02}, {sts.DKGA04, 123457, demoVK04}} {
		vk, _ := hex.DecodeString(g.vk)
		sg := &core.SupplyGroup{UtilityID: u.ID, SGC: g.sgc, KRN: 1, DKGA: g.dkga, Name: "Demo DKGA" + g.dkga.String()}
		if err := core.ImportVendingKey(ctx, db, sealer, sg, vk); err != nil {
			return nil, err
		}
		groups[g.dkga] = sg
	}
	out := &demoFile{
		Note:    "Demo data. The vending keys are the published STS compliance-test keys: never use them for real meters.",
		BaseURL: baseURL,
	}
	for _, m := range []struct {
		number, customer, address string
		dkga                      sts.DKGA
		ea                        sts.EA
		arrears                   core.Money
		freeBasic                 bool
	}{
		{drn("0412345678"), "Thandi Nkosi", "14 Jacaranda Street, Soweto", sts.DKGA04, sts.EA07, 0, false},
		{drn("0412345679"), "Pieter van Wyk", "3 Long Street, Cape Town", sts.DKGA04, sts.EA11, 0, false},
		{drn("0498765432"), "Amina Dlamini", "77 Main Road, Durban", sts.DKGA02, sts.EA07, 15000, true},
	} {
		c := &core.Customer{Name: m.customer, Address: m.address, Phone: "", Language: "en", FreeBasic: m.freeBasic}
		if err := db.CreateCustomer(ctx, c); err != nil {
			return nil, err
		}
		pan, err := sts.NewPAN(sts.IIN, m.number)
		if err != nil {
			return nil, err
		}
		g := groups[m.dkga]
		key := core.MeterKey{PAN: pan, SGC: g.SGC, KRN: 1, KT: sts.KeyTypeUnique, TI: 1, DKGA: m.dkga, EA: m.ea,
			BaseDate: sts.BaseDate2014, KEN: sts.NoExpiry}
		meter := &core.Meter{Number: m.number, Kind: core.Electricity, Status: core.MeterActive, Key: key,
			SupplyGroupID: g.ID, CustomerID: c.ID, TariffID: tariff.ID}
		if err := db.CreateMeter(ctx, meter, m.arrears); err != nil {
			return nil, err
		}
		vk := demoVK02
		if m.dkga == sts.DKGA04 {
			vk = demoVK04
		}
		dm := demoMeter{Number: m.number, Customer: m.customer, PAN: pan.String(), DKGA: m.dkga.String(), VendingKey: vk,
			SGC: g.SGC.String(), TI: "01", KRN: 1, KT: 2, EA: m.ea.String(), BaseDate: "2014"}
		dm.StsctlMeter = fmt.Sprintf("bin/stsctl meter --state %s --dkga %s --vk %s --kt 2 --sgc %s --ti 01 --krn 1 --pan %s --ea %s --base-date 2014",
			filepath.Join(dataDir, "meter-"+m.number+".json"), dm.DKGA, vk, dm.SGC, dm.PAN, dm.EA)
		out.Meters = append(out.Meters, dm)
	}
	agent := &core.Agent{UtilityID: u.ID, Name: "Demo Agent", Kind: core.AgentRetail, CreditLimit: 100_000,
		CommissionRate: decimal.RequireFromString("0.02"), Active: true}
	if err := db.CreateAgent(ctx, agent); err != nil {
		return nil, err
	}
	if _, err := db.TopUp(ctx, agent.ID, 1_000_000, "demo float"); err != nil {
		return nil, err
	}
	key, hash, err := core.NewAPIKey()
	if err != nil {
		return nil, err
	}
	if _, err := db.IssueAPIKey(ctx, agent.ID, hash, "demo"); err != nil {
		return nil, err
	}
	out.APIKey, out.Agent = key, agent.ID
	if out.Bank, err = seedBank(ctx, db, u.ID, 0); err != nil {
		return nil, err
	}
	out.Bank.Addr = isoAddr
	if out.Telco, err = seedTelco(ctx, db, u.ID, route, 0); err != nil {
		return nil, err
	}
	return out, nil
}

// seedBank creates the demo bank: a settlement account of kind bank that may owe up to
// R100,000.00 (plus float, when given), and institution 999999 allowed from loopback.
func seedBank(ctx context.Context, db *store.DB, utilityID int64, float core.Money) (demoBank, error) {
	bank := &core.Agent{UtilityID: utilityID, Name: "Demo Bank", Kind: core.AgentBank, CreditLimit: 10_000_000,
		CommissionRate: decimal.Zero, Active: true}
	if err := db.CreateAgent(ctx, bank); err != nil {
		return demoBank{}, err
	}
	if float > 0 {
		if _, err := db.TopUp(ctx, bank.ID, float, "bench float"); err != nil {
			return demoBank{}, err
		}
	}
	loopback, err := core.ParseNetworks("127.0.0.0/8, ::1")
	if err != nil {
		return demoBank{}, err
	}
	in := core.Institution{Code: demoInstitution, Name: bank.Name, AgentID: bank.ID, Allowed: loopback, Active: true}
	if err := db.CreateInstitution(ctx, in); err != nil {
		return demoBank{}, err
	}
	return demoBank{Institution: in.Code, Agent: bank.ID, Allowed: toInstitutionJSON(in).Allowed}, nil
}

// seedTelco creates the demo operator: a settlement account of kind telco that may owe up to
// R100,000.00 (plus float, when given), SMS short code 40404 and USSD code *404#, replies on the
// SMPP bind named route.
func seedTelco(ctx context.Context, db *store.DB, utilityID int64, route string, float core.Money) (demoTelco, error) {
	telco := &core.Agent{UtilityID: utilityID, Name: "Demo Mobile", Kind: core.AgentTelco, CreditLimit: 10_000_000,
		CommissionRate: decimal.RequireFromString("0.01"), Active: true}
	if err := db.CreateAgent(ctx, telco); err != nil {
		return demoTelco{}, err
	}
	if float > 0 {
		if _, err := db.TopUp(ctx, telco.ID, float, "bench float"); err != nil {
			return demoTelco{}, err
		}
	}
	for _, sc := range []core.ServiceCode{
		{Code: demoShortCode, Channel: core.ChannelSMS, AgentID: telco.ID, Route: route, Active: true},
		{Code: demoServiceCode, Channel: core.ChannelUSSD, AgentID: telco.ID, Route: route, Active: true},
	} {
		if err := db.CreateServiceCode(ctx, sc); err != nil {
			return demoTelco{}, err
		}
	}
	return demoTelco{Agent: telco.ID, ShortCode: demoShortCode, ServiceCode: demoServiceCode, Route: route}, nil
}
