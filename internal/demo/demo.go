// Package demo builds the demonstration data that the first start of the embedded server seeds
// and that the load commands (testkit/cmd/restload) seed in bulk: a South African utility with a
// stepped tariff, the demo bank (ISO 8583 institution 999999) and the demo mobile operator (SMS
// 40404, USSD *404#), with meter numbers completed by their check digit.
package demo

import (
	"context"
	"net/netip"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/sts"
)

// The demo's vending keys are the ones published in the STS 531 compliance test specifications.
// Everybody has them: they are for demonstrations and tests, never for real meters.
const (
	VK02 = "abababababababab"
	VK04 = "abababababababab949494949494949401234567"
)

// Telco is the demo's mobile operator: a settlement account reached by SMS and USSD.
type Telco struct {
	Agent       int64  `json:"agent_id"`
	ShortCode   string `json:"sms_short_code"`
	ServiceCode string `json:"ussd_service_code"`
	Route       string `json:"smsc"` // the SMPP bind replies go out on
}

// The demo operator's codes.
const (
	ShortCode   = "40404"
	ServiceCode = "*404#"
)

// Bank is the demo's ISO 8583 institution.
type Bank struct {
	Addr        string   `json:"iso8583_addr,omitempty"` // where the server listened when it seeded the demo
	Institution string   `json:"institution"`
	Agent       int64    `json:"agent_id"`
	Allowed     []string `json:"allowed"`
}

// The demo bank's acquiring institution id (field 32).
const Institution = "999999"

// DRN completes a meter number with its Luhn check digit.
func DRN(first10 string) string {
	for d := '0'; d <= '9'; d++ {
		if sts.CheckDRN(sts.IIN, first10+string(d)) == nil {
			return first10 + string(d)
		}
	}
	panic("no check digit for " + first10)
}

// Utility creates a South African utility (ZAR, 15 % VAT, 25 % debt recovery) with a
// three-block stepped electricity tariff (a R20.00 monthly charge, 50 kWh free basic electricity),
// which it returns, and a flat water tariff (R18.00 a kL, no charge, no allowance).
func Utility(ctx context.Context, db *store.DB, name string) (*core.Utility, *core.Tariff, error) {
	zar, _ := core.ParseCurrency("ZAR")
	loc, err := time.LoadLocation("Africa/Johannesburg")
	if err != nil {
		return nil, nil, err
	}
	u := &core.Utility{Name: name, Currency: zar, TaxRate: decimal.RequireFromString("0.15"), Location: loc,
		DebtRecoveryRate: decimal.RequireFromString("0.25"), ReversalWindow: core.DefaultReversalWindow}
	if err := db.CreateUtility(ctx, u); err != nil {
		return nil, nil, err
	}
	tariff := &core.Tariff{UtilityID: u.ID, Name: "Domestic stepped", Kind: core.Electricity, MonthlyFixedCharge: 2000,
		FreeBasicEnergy: 500, Blocks: []core.TariffBlock{
			{UpTo: 500, Price: decimal.RequireFromString("150")}, {UpTo: 3500, Price: decimal.RequireFromString("210")},
			{Price: decimal.RequireFromString("280")}}}
	if err := db.CreateTariff(ctx, tariff); err != nil {
		return nil, nil, err
	}
	water := &core.Tariff{UtilityID: u.ID, Name: "Water domestic", Kind: core.Water,
		Blocks: []core.TariffBlock{{Price: decimal.RequireFromString("1800")}}}
	if err := db.CreateTariff(ctx, water); err != nil {
		return nil, nil, err
	}
	return u, tariff, nil
}

// SeedBank creates the demo bank: a settlement account of kind bank that may owe up to
// R100,000.00 (plus float, when given), and institution 999999 allowed from loopback.
func SeedBank(ctx context.Context, db *store.DB, utilityID int64, float core.Money) (Bank, error) {
	bank := &core.Agent{UtilityID: utilityID, Name: "Demo Bank", Kind: core.AgentBank, CreditLimit: 10_000_000,
		CommissionRate: decimal.Zero, Active: true}
	if err := db.CreateAgent(ctx, bank); err != nil {
		return Bank{}, err
	}
	if float > 0 {
		if _, err := db.TopUp(ctx, bank.ID, float, "bench float"); err != nil {
			return Bank{}, err
		}
	}
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	in := core.Institution{Code: Institution, Name: bank.Name, AgentID: bank.ID, Allowed: loopback, Active: true}
	if err := db.CreateInstitution(ctx, in); err != nil {
		return Bank{}, err
	}
	allowed := make([]string, len(in.Allowed))
	for i, p := range in.Allowed {
		allowed[i] = p.String()
	}
	return Bank{Institution: in.Code, Agent: bank.ID, Allowed: allowed}, nil
}

// SeedTelco creates the demo operator: a settlement account of kind telco that may owe up to
// R100,000.00 (plus float, when given), SMS short code 40404 and USSD code *404#, replies on the
// SMPP bind named route.
func SeedTelco(ctx context.Context, db *store.DB, utilityID int64, route string, float core.Money) (Telco, error) {
	telco := &core.Agent{UtilityID: utilityID, Name: "Demo Mobile", Kind: core.AgentTelco, CreditLimit: 10_000_000,
		CommissionRate: decimal.RequireFromString("0.01"), Active: true}
	if err := db.CreateAgent(ctx, telco); err != nil {
		return Telco{}, err
	}
	if float > 0 {
		if _, err := db.TopUp(ctx, telco.ID, float, "bench float"); err != nil {
			return Telco{}, err
		}
	}
	for _, sc := range []core.ServiceCode{
		{Code: ShortCode, Channel: core.ChannelSMS, AgentID: telco.ID, Route: route, Active: true},
		{Code: ServiceCode, Channel: core.ChannelUSSD, AgentID: telco.ID, Route: route, Active: true},
	} {
		if err := db.CreateServiceCode(ctx, sc); err != nil {
			return Telco{}, err
		}
	}
	return Telco{Agent: telco.ID, ShortCode: ShortCode, ServiceCode: ServiceCode, Route: route}, nil
}
