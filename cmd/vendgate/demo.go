package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"path/filepath"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/internal/demo"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/sts"
)

// demoFile is data/demo.json: the agent's API key and what stsctl meter needs to emulate each
// demo meter.
type demoFile struct {
	Note    string      `json:"note"`
	BaseURL string      `json:"base_url"`
	APIKey  string      `json:"api_key"`
	Agent   int64       `json:"agent_id"`
	Meters  []demoMeter `json:"meters"`
	Bank    demo.Bank   `json:"bank"`
	Telco   demo.Telco  `json:"telco"`
	// Operators are the back office's administrator, supervisor and cashier with their one-time
	// passwords, which each changes at the first sign-in.
	Operators []backoffice.Credentials `json:"operators"`
}

// demoOperators are the operators the demo seeds beside the administrator, limited to the demo
// utility.
var demoOperators = []backoffice.DemoOperator{
	{Username: "supervisor", FullName: "Demo Supervisor", Role: backoffice.RoleSupervisor},
	{Username: "cashier", FullName: "Demo Cashier", Role: backoffice.RoleCashier},
}

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

// seedDemo fills an empty embedded database with a utility, a supply group per demo key, a
// stepped tariff, customers, meters, an agent with float and an API key, and the back office's
// administrator, supervisor and cashier with one-time passwords, and returns what
// demo.json holds (seedStaged writes it). dataDir is where the server runs (the meters' state
// files are named there).
func seedDemo(ctx context.Context, db *store.DB, sealer *core.Sealer, dataDir, baseURL, isoAddr, route string) (*demoFile, error) {
	u, tariff, err := demo.Utility(ctx, db, "Demo Power")
	if err != nil {
		return nil, err
	}
	groups := map[sts.DKGA]*core.SupplyGroup{}
	for _, g := range []struct {
		dkga sts.DKGA
		sgc  sts.SGC
		vk   string
	}{{sts.DKGA02, 123456, demo.VK02}, {sts.DKGA04, 123457, demo.VK04}} {
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
		{demo.DRN("0412345678"), "Thandi Nkosi", "14 Jacaranda Street, Soweto", sts.DKGA04, sts.EA07, 0, false},
		{demo.DRN("0412345679"), "Pieter van Wyk", "3 Long Street, Cape Town", sts.DKGA04, sts.EA11, 0, false},
		{demo.DRN("0498765432"), "Amina Dlamini", "77 Main Road, Durban", sts.DKGA02, sts.EA07, 15000, true},
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
		vk := demo.VK02
		if m.dkga == sts.DKGA04 {
			vk = demo.VK04
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
	if out.Bank, err = demo.SeedBank(ctx, db, u.ID, 0); err != nil {
		return nil, err
	}
	out.Bank.Addr = isoAddr
	if out.Telco, err = demo.SeedTelco(ctx, db, u.ID, route, 0); err != nil {
		return nil, err
	}
	svc := backoffice.New(db, adminOptions...)
	if out.Operators, err = svc.BootstrapDemo(ctx, "admin", u.ID, demoOperators...); err != nil {
		return nil, err
	}
	return out, nil
}
