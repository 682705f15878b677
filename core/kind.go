package core

import "github.com/vendgate/vendgate/sts"

// MeterKind is the service a meter measures.
type MeterKind string

// Meter kinds and the STS credit subclass each takes.
const (
	Electricity MeterKind = "electricity"
	Water       MeterKind = "water"
	Gas         MeterKind = "gas"
)

// MeterKinds lists the kinds, in the order of their STS credit subclasses.
var MeterKinds = []MeterKind{Electricity, Water, Gas}

// kindFacts are what each kind's credit is counted in and how a receipt names what it sells.
//
// A credit token's amount counts tenths of the kind's unit (docs/sts.md, the credit transfer
// subclasses and the amount encoding). Electricity (subclass 0) is in kWh. For water (subclass
// 1) the standard leaves the unit to the utility and gives 0.1 kL (100 litres) as the example:
// Vendgate counts water in kL, which is the m³. For gas (subclass 2) the standard names no unit:
// Vendgate counts it in cubic metres, what gas meters measure. Units are written in ASCII ("m3",
// not "m³"), which every channel carries as it is: an SMS stays in the GSM 7-bit alphabet, an
// ISO 8583 field in ASCII, a receipt printer needs no special character.
var kindFacts = map[MeterKind]struct {
	unit    string // the unit of the token's amount, in tenths
	service string // what a receipt calls the part of a payment that buys the unit
}{
	Electricity: {unit: "kWh", service: "Energy"},
	Water:       {unit: "kL", service: "Water"},
	Gas:         {unit: "m3", service: "Gas"},
}

// ParseMeterKind returns a known meter kind.
func ParseMeterKind(s string) (MeterKind, error) {
	k := MeterKind(s)
	if _, ok := kindFacts[k]; !ok {
		return "", Errorf(CodeInvalid, ReasonInvalidMeterKind, "meter kind %q is not electricity, water or gas", s)
	}
	return k, nil
}

// Unit returns the unit a meter kind's credit is counted in: "kWh", "kL" or "m3" ("units" for a
// kind Vendgate does not know).
func (k MeterKind) Unit() string {
	if f, ok := kindFacts[k]; ok {
		return f.unit
	}
	return "units"
}

// Format returns a quantity of the kind's credit with one decimal and its unit: "62.1 kWh".
func (k MeterKind) Format(q Energy) string { return q.String() + " " + k.Unit() }

// service returns what a receipt calls the part of a payment that buys the kind's unit.
func (k MeterKind) service() string {
	if f, ok := kindFacts[k]; ok {
		return f.service
	}
	return "Units"
}

// CreditKind returns the STS token kind that carries credit for the meter kind.
func (k MeterKind) CreditKind() sts.Kind {
	switch k {
	case Water:
		return sts.KindWater
	case Gas:
		return sts.KindGas
	}
	return sts.KindElectricity
}

// CheckTariff refuses a tariff that is not for the meter's kind: a meter takes only a tariff of
// its kind (a water tariff prices kL, not kWh, and carries no electricity allowance).
func (m Meter) CheckTariff(t Tariff) error {
	if t.Kind != m.Kind {
		return Errorf(CodeInvalid, ReasonTariffOtherKind, "meter %s measures %s; tariff %q is for %s", m.Number, m.Kind, t.Name, t.Kind)
	}
	return nil
}
