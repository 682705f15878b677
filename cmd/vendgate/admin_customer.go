package main

import (
	"context"
	"flag"
	"strings"

	"github.com/vendgate/vendgate/adapters/lang"
	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

// checkLanguage refuses a language the message catalogue does not have, naming the ones it has.
func checkLanguage(code string) error {
	catalog, err := lang.Load()
	if err != nil {
		return err
	}
	if _, ok := catalog.Lookup(code); !ok {
		var codes []string
		for _, l := range catalog.Languages() {
			codes = append(codes, l.Code())
		}
		return usagef("--language: %q is not one of %s", code, strings.Join(codes, ", "))
	}
	return nil
}

var adminCustomerCreate = adminCommand{summary: "create a customer", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	name := fs.String("name", "", "the customer's name (required)")
	address := fs.String("address", "", "postal address")
	phone := fs.String("phone", "", "mobile number in international form, e.g. 27821234567")
	language := fs.String("language", "en", "language `code` of messages to this customer")
	fbe := fs.Bool("free-basic", false, "the customer receives free basic energy")
	utility := fs.Int64("utility", 0, "`id` of the utility the customer belongs to (default: yours, when you are limited to one)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := required("name", *name); err != nil {
			return nil, err
		}
		if err := checkLanguage(*language); err != nil {
			return nil, err
		}
		c := core.Customer{Name: *name, Address: *address, Phone: *phone, Language: *language, FreeBasic: *fbe}
		return a.svc.CreateCustomer(ctx, a.actor, c, *utility)
	}
}}

var adminCustomerList = adminCommand{summary: "list customers", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	pf := registerPage(fs)
	utility := fs.Int64("utility", 0, "only this utility's `id`")
	search := fs.String("search", "", "only customers whose name or phone number holds this `text`")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		p, err := pf.page()
		if err != nil {
			return nil, err
		}
		cs, err := a.svc.Customers(ctx, a.actor, backoffice.CustomerQuery{Page: p, UtilityID: *utility, Search: *search})
		if err != nil {
			return nil, err
		}
		return listed("customers", p, cs, func(v backoffice.CustomerView) int64 { return v.ID }), nil
	}
}}

var adminCustomerShow = adminCommand{summary: "show a customer", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := idFlag(fs, "customer")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := requireID(*id); err != nil {
			return nil, err
		}
		return a.svc.Customer(ctx, a.actor, *id)
	}
}}

var adminCustomerUpdate = adminCommand{summary: "change a customer's details", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := idFlag(fs, "customer")
	version := versionFlag(fs)
	name := fs.String("name", "", "the new `name`")
	address := fs.String("address", "", "the new postal `address`")
	phone := fs.String("phone", "", "the new mobile `number`")
	language := fs.String("language", "", "the new language `code`")
	fbe := fs.Bool("free-basic", false, "whether the customer receives free basic energy")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := requireID(*id); err != nil {
			return nil, err
		}
		var up backoffice.CustomerUpdate
		for _, f := range []struct {
			name string
			v    *string
			to   **string
		}{{"name", name, &up.Name}, {"address", address, &up.Address}, {"phone", phone, &up.Phone}, {"language", language, &up.Language}} {
			if given(a.flags, f.name) {
				*f.to = f.v
			}
		}
		if up.Language != nil {
			if err := checkLanguage(*up.Language); err != nil {
				return nil, err
			}
		}
		if given(a.flags, "free-basic") {
			up.FreeBasic = fbe
		}
		return a.svc.UpdateCustomer(ctx, a.actor, *id, *version, up)
	}
}}
