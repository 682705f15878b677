package core

import (
	"fmt"
	"time"
)

// Receipt returns the lines a person reads, at most 40 columns each: meter, customer, the time in
// the utility's zone, amounts, the units bought in the meter kind's unit, the tokens in 4-4-4-4-4
// form and the reference.
func (v *Vend) Receipt() []string {
	c := v.Currency
	b := v.Breakdown
	loc := v.Location
	if loc == nil {
		loc = time.UTC
	}
	lines := []string{
		receiptLine("Meter", v.MeterNumber),
		receiptLine("Customer", truncate(v.CustomerName, 40-receiptLabel)),
		receiptLine("Date", v.CreatedAt.In(loc).Format("2006-01-02 15:04 MST")),
		receiptLine("Paid", c.Format(b.Paid)),
	}
	if b.Debt > 0 {
		lines = append(lines, receiptLine("Debt paid", c.Format(b.Debt)))
	}
	if b.Fees > 0 {
		lines = append(lines, receiptLine("Fees paid", c.Format(b.Fees)))
	}
	if b.FixedCharges > 0 {
		lines = append(lines, receiptLine("Charges", c.Format(b.FixedCharges)))
	}
	lines = append(lines,
		receiptLine("VAT", c.Format(b.Tax)),
		receiptLine(v.Kind.service(), c.Format(b.EnergyCharge)),
		receiptLine("Units", v.Kind.Format(b.Energy)),
	)
	if b.FreeEnergy > 0 {
		lines = append(lines, receiptLine("Free", v.Kind.Format(b.FreeEnergy)))
	}
	for _, t := range v.Tokens {
		label := "Token"
		switch t.Purpose {
		case PurposeKeyChange:
			label = "Key token"
		case PurposeFreeBasic:
			label = "Free token"
		}
		lines = append(lines, receiptLine(label, t.Token.Display()))
	}
	lines = append(lines, receiptLine("Ref", v.Reference))
	if v.Status == VendReversed {
		lines = append(lines, "REVERSED: payment returned")
	}
	return lines
}

// receiptLabel is the width of a receipt line's label column: the longest label ("Free token:")
// and a space.
const receiptLabel = 12

func receiptLine(label, value string) string {
	return fmt.Sprintf("%-*s%s", receiptLabel, label+":", value)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
