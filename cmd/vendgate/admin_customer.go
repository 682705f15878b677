package main

import (
	"context"
	"flag"
	"strings"

	"github.com/vendgate/vendgate/adapters/lang"
	"github.com/vendgate/vendgate/core"
)

type customerJSON struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Address   string `json:"address,omitempty"`
	Phone     string `json:"phone,omitempty"`
	Language  string `json:"language"`
	FreeBasic bool   `json:"free_basic"`
}

var adminCustomerCreate = adminCommand{"create a customer", func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	name := fs.String("name", "", "the customer's name (required)")
	address := fs.String("address", "", "postal address")
	phone := fs.String("phone", "", "mobile number in international form, e.g. 27821234567")
	language := fs.String("language", "en", "language `code` of messages to this customer")
	fbe := fs.Bool("free-basic", false, "the customer receives free basic energy")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := required("name", *name); err != nil {
			return nil, err
		}
		catalog, err := lang.Load()
		if err != nil {
			return nil, err
		}
		if _, ok := catalog.Lookup(*language); !ok {
			var codes []string
			for _, l := range catalog.Languages() {
				codes = append(codes, l.Code())
			}
			return nil, usagef("--language: %q is not one of %s", *language, strings.Join(codes, ", "))
		}
		c := &core.Customer{Name: *name, Address: *address, Phone: *phone, Language: *language, FreeBasic: *fbe}
		if err := a.db.CreateCustomer(ctx, c); err != nil {
			return nil, err
		}
		return customerJSON{ID: c.ID, Name: c.Name, Address: c.Address, Phone: c.Phone, Language: c.Language, FreeBasic: c.FreeBasic}, nil
	}
}}
