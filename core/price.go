package core

import (
	"slices"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/sts"
)

// Breakdown is how one payment is split. Paid = Debt + Fees + FixedCharges + Tax + EnergyCharge.
type Breakdown struct {
	Paid         Money
	Debt         Money  // arrears recovered
	Fees         Money  // the customer's charges (a reconnection fee, a penalty ...) deducted at their share
	FixedCharges Money  // monthly fixed charges
	Tax          Money  // VAT included in the energy part
	EnergyCharge Money  // the energy part, VAT excluded
	Energy       Energy // what the credit token carries: rounded down to the token encoding
	FreeEnergy   Energy // the free basic allowance given with this vend, on its own token
	Commission   Money  // earned by the agent
}

// MeterCounters are the per-meter values a vend reads and writes under the meter's lock.
type MeterCounters struct {
	LastTID sts.TID // the last TID issued, counted from the base date TIDKey names
	TIDKey  string  // the base date LastTID counts from ("2014")
	Arrears Money
	// Month is the calendar month (utility time, "2006-01") the following totals belong to.
	Month          string
	MonthEnergy    Energy // purchased this month, for stepped tariffs
	MonthFixedPaid Money
	// Charges are the customer's charges deducted from this meter's purchases, oldest first, each
	// with what is left of it.
	Charges []ChargeDue
}

// ChargeDue is a customer's charge deducted from purchases: a share of each purchase until
// nothing remains of it.
type ChargeDue struct {
	ID        int64
	Remaining Money
	Share     decimal.Decimal // of each purchase, above 0 and at most 1
}

// ChargeTake is what one vend took of a charge.
type ChargeTake struct {
	ChargeID int64
	Amount   Money
}

// ChargeTakes returns what a vend took of each charge: the difference between the counters'
// charges before and after it.
func ChargeTakes(before, after MeterCounters) []ChargeTake {
	var out []ChargeTake
	for i, c := range before.Charges {
		if i < len(after.Charges) && after.Charges[i].ID == c.ID && after.Charges[i].Remaining != c.Remaining {
			out = append(out, ChargeTake{ChargeID: c.ID, Amount: c.Remaining - after.Charges[i].Remaining})
		}
	}
	return out
}

// ForMonth returns the counters with the monthly totals reset when month is a new month.
func (c MeterCounters) ForMonth(month string) MeterCounters {
	if c.Month != month {
		c.Month, c.MonthEnergy, c.MonthFixedPaid = month, 0, 0
	}
	return c
}

// Price applies a utility's and a tariff's rules to a payment: debt recovery as a share of the
// payment up to the arrears, each of the customer's charges as its share of the payment up to
// what remains of it (oldest first, from what debt recovery left), the tariff's monthly fixed charge until paid, VAT (included in
// prices), units from the tariff over the month's cumulative purchases, rounded down to what a
// token carries, and the tariff's free basic allowance for a customer flagged for it. Whether the
// customer has had the allowance of the month already is not the meter's to know (it is once per
// customer and kind, whichever meter): the vend's transaction claims it, and takes FreeEnergy
// back when it is taken. It returns the breakdown and the counters after the vend.
func Price(v MeterView, paid Money, c MeterCounters) (Breakdown, MeterCounters, error) {
	u, t := v.Utility, v.Tariff
	b := Breakdown{Paid: paid}
	if c.Arrears > 0 && u.DebtRecoveryRate.IsPositive() {
		b.Debt = min(Money(decimal.NewFromInt(int64(paid)).Mul(u.DebtRecoveryRate).Floor().IntPart()), c.Arrears)
	}
	charges := slices.Clone(c.Charges)
	for i, ch := range charges {
		take := Money(decimal.NewFromInt(int64(paid)).Mul(ch.Share).Floor().IntPart())
		take = max(min(take, ch.Remaining, paid-b.Debt-b.Fees), 0)
		charges[i].Remaining -= take
		b.Fees += take
	}
	if due := t.MonthlyFixedCharge - c.MonthFixedPaid; due > 0 {
		b.FixedCharges = min(due, paid-b.Debt-b.Fees)
	}
	rest := paid - b.Debt - b.Fees - b.FixedCharges
	// VAT included in a price: rest·rate/(1+rate), rounded to the nearest minor unit (half up).
	tax := decimal.NewFromInt(int64(rest)).Mul(u.TaxRate).Div(decimal.NewFromInt(1).Add(u.TaxRate)).Round(0)
	b.Tax = Money(tax.IntPart())
	b.EnergyCharge = rest - b.Tax
	energy, err := t.Energy(b.EnergyCharge, c.MonthEnergy)
	if err != nil {
		return Breakdown{}, c, err
	}
	if b.Energy, err = tokenEnergy(energy, t.Kind); err != nil {
		return Breakdown{}, c, err
	}
	if b.Energy == 0 {
		return Breakdown{}, c, Errorf(CodeInvalid, ReasonAmountTooSmall,
			"%s buys no %s after debt recovery, charges and tax", u.Currency.Format(paid), t.Kind.Unit())
	}
	if v.Customer.FreeBasic && t.FreeBasicEnergy > 0 {
		if b.FreeEnergy, err = tokenEnergy(t.FreeBasicEnergy, t.Kind); err != nil {
			return Breakdown{}, c, err
		}
	}
	c.Arrears -= b.Debt
	c.Charges = charges
	c.MonthEnergy += b.Energy
	c.MonthFixedPaid += b.FixedCharges
	return b, c, nil
}

// tokenEnergy rounds a quantity of kind k down to a value an STS token carries exactly.
func tokenEnergy(e Energy, k MeterKind) (Energy, error) {
	if e < 0 {
		return 0, Errorf(CodeInternal, ReasonInternal, "negative energy %s", e)
	}
	_, carried, err := sts.EncodeAmount(uint64(e), sts.RoundDown)
	if err != nil {
		return 0, Errorf(CodeInvalid, ReasonAmountTooLarge, "%s is more than one token carries", k.Format(e))
	}
	return Energy(carried), nil
}

// Validate checks a tariff: a known kind, charges that are not negative, and its blocks: positive
// prices and increasing bounds, the last unbounded.
func (t Tariff) Validate() error {
	if _, err := ParseMeterKind(string(t.Kind)); err != nil {
		return Errorf(CodeInvalid, ReasonInvalidTariff, "tariff %q: kind %q is not electricity, water or gas", t.Name, t.Kind)
	}
	if t.MonthlyFixedCharge < 0 || t.FreeBasicEnergy < 0 {
		return Errorf(CodeInvalid, ReasonInvalidTariff, "tariff %q: the monthly fixed charge and the free basic allowance must not be negative", t.Name)
	}
	return t.validateBlocks()
}

// validateBlocks checks a tariff's blocks: positive prices and increasing bounds, the last
// unbounded.
func (t Tariff) validateBlocks() error {
	if len(t.Blocks) == 0 {
		return Errorf(CodeInvalid, ReasonInvalidTariff, "tariff %q has no price blocks", t.Name)
	}
	var prev Energy
	for i, b := range t.Blocks {
		last := i == len(t.Blocks)-1
		switch {
		case !b.Price.IsPositive():
			return Errorf(CodeInvalid, ReasonInvalidTariff, "tariff %q block %d: price must be positive", t.Name, i+1)
		case last && b.UpTo != 0:
			return Errorf(CodeInvalid, ReasonInvalidTariff, "tariff %q: the last block must have no upper bound", t.Name)
		case !last && b.UpTo <= prev:
			return Errorf(CodeInvalid, ReasonInvalidTariff, "tariff %q block %d: bounds must increase", t.Name, i+1)
		}
		prev = b.UpTo
	}
	return nil
}

// Energy returns the units charge buys, in tenths of the kind's unit, for a customer who bought
// already this month: each block's price applies to the energy within its bounds, rounding down.
func (t Tariff) Energy(charge Money, already Energy) (Energy, error) {
	if err := t.validateBlocks(); err != nil {
		return 0, err
	}
	ten := decimal.NewFromInt(10)
	left := decimal.NewFromInt(int64(charge))
	pos := already
	var out Energy
	for i, b := range t.Blocks {
		if b.UpTo != 0 && pos >= b.UpTo {
			continue
		}
		affordable := Energy(left.Mul(ten).Div(b.Price).Floor().IntPart())
		if i == len(t.Blocks)-1 || affordable <= b.UpTo-pos {
			return out + affordable, nil
		}
		room := b.UpTo - pos
		out += room
		pos += room
		left = left.Sub(b.Price.Mul(decimal.NewFromInt(int64(room))).Div(ten))
	}
	return out, nil
}

// MeterState is a meter as a vend's transaction has locked it, with its counters.
type MeterState struct {
	Meter    Meter
	Counters MeterCounters
}
