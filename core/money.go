package core

import (
	"fmt"
	"strconv"

	"github.com/shopspring/decimal"
)

// Money is an amount in minor units (cents) of a currency.
type Money int64

// Currency is an ISO 4217 currency with its number of minor-unit digits.
type Currency struct {
	Code     string
	Exponent int32
}

// currencies lists the ISO 4217 currencies of the markets prepaid metering serves.
var currencies = map[string]int32{
	"BWP": 2, "CDF": 2, "EGP": 2, "ETB": 2, "EUR": 2, "GBP": 2, "GHS": 2, "INR": 2, "KES": 2,
	"LSL": 2, "MAD": 2, "MWK": 2, "MZN": 2, "NAD": 2, "NGN": 2, "PKR": 2, "SLE": 2, "SZL": 2,
	"TZS": 2, "USD": 2, "XAF": 0, "XOF": 0, "UGX": 0, "RWF": 0, "ZAR": 2, "ZMW": 2, "ZWG": 2,
}

// ParseCurrency returns a known ISO 4217 currency.
func ParseCurrency(code string) (Currency, error) {
	exp, ok := currencies[code]
	if !ok {
		return Currency{}, Errorf(CodeInvalid, ReasonUnknownCurrency, "currency %q is not a supported ISO 4217 code", code)
	}
	return Currency{Code: code, Exponent: exp}, nil
}

// Format returns m as a decimal in major units with the currency code: "ZAR 12.50".
func (c Currency) Format(m Money) string {
	return c.Code + " " + c.Decimal(m).StringFixed(c.Exponent)
}

// Decimal returns m in major units.
func (c Currency) Decimal(m Money) decimal.Decimal {
	return decimal.New(int64(m), -c.Exponent)
}

// ParseAmount parses a decimal amount in major units ("12.50") into minor units, refusing more
// decimal places than the currency has.
func (c Currency) ParseAmount(s string) (Money, error) {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return 0, Errorf(CodeInvalid, ReasonInvalidAmount, "amount %q is not a decimal number", s)
	}
	minor := d.Shift(c.Exponent)
	if !minor.IsInteger() {
		return 0, Errorf(CodeInvalid, ReasonInvalidAmount, "amount %q has more than %d decimal places for %s", s, c.Exponent, c.Code)
	}
	if !minor.BigInt().IsInt64() {
		return 0, Errorf(CodeInvalid, ReasonInvalidAmount, "amount %q is too large", s)
	}
	return Money(minor.IntPart()), nil
}

// String returns the minor units.
func (m Money) String() string { return strconv.FormatInt(int64(m), 10) }

// Energy is an amount of electricity, water or gas in tenths of the meter kind's unit
// (MeterKind.Unit): 0.1 kWh for electricity, 0.1 kL for water.
type Energy int64

// String returns the energy with one decimal: "25.5".
func (e Energy) String() string {
	sign := ""
	if e < 0 {
		sign, e = "-", -e
	}
	return fmt.Sprintf("%s%d.%d", sign, e/10, e%10)
}
