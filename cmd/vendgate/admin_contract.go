package main

import (
	"context"
	"flag"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

// Contracts tie a customer, a meter, a tariff and a site: opening one installs the meter (only
// then is it sold to), closing one removes it and settles or carries the arrears.

var adminContractOpen = adminCommand{summary: "open a contract: a customer, a meter from storage, a tariff and a site", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	customer := fs.Int64("customer", 0, "`id` of the customer (required)")
	number := fs.String("number", "", "the meter number (required)")
	tariff := fs.Int64("tariff", 0, "`id` of the tariff (required)")
	site := fs.Int64("site", 0, "`id` of the vending hall the contract belongs to (0: none)")
	arrears := fs.String("opening-arrears", "0", "arrears the customer starts with, in minor `units`")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		switch {
		case *customer <= 0:
			return nil, usagef("--customer: required")
		case *number == "":
			return nil, usagef("--number: required")
		case *tariff <= 0:
			return nil, usagef("--tariff: required")
		}
		arr, err := parseInt("opening-arrears", *arrears, 0, 1<<40)
		if err != nil {
			return nil, err
		}
		return a.svc.OpenContract(ctx, a.actor, backoffice.NewContract{CustomerID: *customer, MeterNumber: *number, TariffID: *tariff,
			SiteID: *site, OpeningArrears: core.Money(arr)})
	}
}}

var adminContractClose = adminCommand{summary: "close a contract with the meter's reading: the meter is removed, the arrears settled or carried", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := idFlag(fs, "contract")
	reading := fs.String("reading", "0", "the meter's closing reading, in its kind's `unit` (one decimal)")
	arrears := fs.String("arrears", string(backoffice.ArrearsCarry), "what becomes of the arrears: settled or carried")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := requireID(*id); err != nil {
			return nil, err
		}
		r, err := sts.ParseTenths(*reading)
		if err != nil {
			return nil, usagef("--reading: %q is not a quantity with at most one decimal", *reading)
		}
		out := backoffice.ArrearsOutcome(*arrears)
		if out != backoffice.ArrearsSettle && out != backoffice.ArrearsCarry {
			return nil, usagef("--arrears: %q is not settled or carried", *arrears)
		}
		return a.svc.CloseContract(ctx, a.actor, *id, core.Energy(r), out)
	}
}}

var adminContractShow = adminCommand{summary: "show a contract", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := idFlag(fs, "contract")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := requireID(*id); err != nil {
			return nil, err
		}
		return a.svc.ContractOf(ctx, a.actor, *id)
	}
}}

var adminContractList = adminCommand{summary: "list contracts", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	pf := registerPage(fs)
	utility := fs.Int64("utility", 0, "only this utility's `id`")
	customer := fs.Int64("customer", 0, "only this customer's `id`")
	number := fs.String("number", "", "only this meter's contracts")
	status := fs.String("status", "", "only open or closed contracts")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		p, err := pf.page()
		if err != nil {
			return nil, err
		}
		st := backoffice.ContractStatus(*status)
		if st != "" && st != backoffice.ContractOpen && st != backoffice.ContractClosed {
			return nil, usagef("--status: %q is not open or closed", *status)
		}
		cs, err := a.svc.Contracts(ctx, a.actor, backoffice.ContractQuery{AfterID: p.AfterID, Limit: p.Limit, UtilityID: *utility,
			CustomerID: *customer, MeterNumber: *number, Status: st})
		if err != nil {
			return nil, err
		}
		return listed("contracts", p, cs, func(c backoffice.Contract) int64 { return c.ID }), nil
	}
}}
