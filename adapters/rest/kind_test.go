package rest_test

import (
	"slices"
	"testing"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

// TestCreateVendWater checks a water meter's vend on the wire: its quantities in kL with the unit
// named, the receipt in kL, and no energy_kwh (which is for electricity only); the answer matches
// openapi.json (env.do checks it).
func TestCreateVendWater(t *testing.T) {
	e := newEnv(t)
	e.vendor.fn = func(req core.VendRequest) (*core.Vend, error) {
		v := sampleVend(101, req.AgentID)
		v.Kind = core.Water
		for i := range v.Tokens {
			if v.Tokens[i].Purpose != core.PurposeKeyChange {
				v.Tokens[i].Kind = sts.KindWater
			}
		}
		return v, nil
	}
	rec := e.do(t, postVend(vendBody)())
	if rec.Code != 201 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	m := decodeJSON(t, rec)
	for path, want := range map[string]any{
		"meter_kind": "water", "quantity.value_tenths": 255.0, "quantity.unit": "kL", "quantity.display": "25.5 kL",
		"free_quantity.value_tenths": 500.0, "free_quantity.unit": "kL", "free_quantity.display": "50.0 kL",
	} {
		wantJSON(t, m, path, want)
	}
	for _, k := range []string{"energy_kwh", "free_energy_kwh"} {
		if v, ok := m[k]; ok {
			t.Errorf("a water vend has %s = %v", k, v)
		}
	}
	tokens, _ := m["tokens"].([]any)
	for i, tok := range tokens {
		tm, _ := tok.(map[string]any)
		if _, ok := tm["energy_kwh"]; ok {
			t.Errorf("token %d of a water vend has energy_kwh: %v", i, tm)
		}
		if tm["purpose"] != "key_change" {
			q, _ := tm["quantity"].(map[string]any)
			if q["unit"] != "kL" {
				t.Errorf("token %d quantity %v, want kL", i, tm["quantity"])
			}
		}
	}
	receipt, _ := m["receipt"].([]any)
	if !slices.Contains(receipt, any("Units:      25.5 kL")) {
		t.Errorf("receipt %v has no line in kL", receipt)
	}
}

// TestOpenAPIKinds keeps the document's kinds and units core's, and the kWh fields deprecated.
func TestOpenAPIKinds(t *testing.T) {
	doc, err := document()
	if err != nil {
		t.Fatal(err)
	}
	schemas := doc.Components.Schemas
	var kinds, units []any
	for _, k := range core.MeterKinds {
		kinds, units = append(kinds, string(k)), append(units, k.Unit())
	}
	if got := schemas["Quantity"].Value.Properties["unit"].Value.Enum; !slices.Equal(got, units) {
		t.Errorf("Quantity.unit enum %v, want core's units %v", got, units)
	}
	for _, s := range []string{"Vend", "Meter"} {
		name := map[string]string{"Vend": "meter_kind", "Meter": "kind"}[s]
		if got := schemas[s].Value.Properties[name].Value.Enum; !slices.Equal(got, kinds) {
			t.Errorf("%s.%s enum %v, want core's kinds %v", s, name, got, kinds)
		}
	}
	for _, f := range [][2]string{{"Vend", "energy_kwh"}, {"Vend", "free_energy_kwh"}, {"Token", "energy_kwh"}} {
		p := schemas[f[0]].Value.Properties[f[1]]
		if p == nil || !p.Value.Deprecated {
			t.Errorf("%s.%s is not marked deprecated", f[0], f[1])
		}
		if slices.Contains(schemas[f[0]].Value.Required, f[1]) {
			t.Errorf("%s.%s is required; it is for electricity only", f[0], f[1])
		}
	}
}
