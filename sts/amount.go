package sts

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The 16-bit amount field (IEC 62055-41; docs/sts.md §5): exponent e in bits 15..14, mantissa m in
// bits 13..0, value m·10^e plus an offset per exponent, so that every exponent continues where the
// previous one ended. Credit values count tenths of a unit (0.1 kWh for electricity); power limits
// count watts.

// MaxAmount is the largest value the field carries (raw 0xFFFF).
const MaxAmount = 18_201_624

var (
	amountOffset = [4]uint64{0, 16_384, 180_224, 1_818_624}
	amountStep   = [4]uint64{1, 10, 100, 1000}
)

// Rounding says which encodable value an amount that cannot be carried exactly becomes.
type Rounding uint8

const (
	// RoundDown takes the largest encodable value not above the amount. Vending uses it, so a
	// token never transfers more than was paid for.
	RoundDown Rounding = iota
	// RoundUp takes the smallest encodable value not below the amount (the reference
	// implementation's choice, suited to limits that must not be undershot).
	RoundUp
	// RoundNearest takes the closer encodable value, and the lower one on a tie.
	RoundNearest
)

// ErrAmountRange is wrapped by EncodeAmount when a value is beyond the field.
var ErrAmountRange = errors.New("sts: amount out of range")

// DecodeAmount returns the value of a raw amount field.
func DecodeAmount(raw uint16) uint64 {
	e := raw >> 14
	return uint64(raw&0x3FFF)*amountStep[e] + amountOffset[e]
}

// EncodeAmount returns the raw field for v under a rounding mode, and the value the field
// actually carries, which differs from v when v is not encodable.
func EncodeAmount(v uint64, r Rounding) (raw uint16, carried uint64, err error) {
	if v > MaxAmount {
		return 0, 0, fmt.Errorf("%w: %d is above the maximum %d", ErrAmountRange, v, uint64(MaxAmount))
	}
	e := uint64(3)
	for e > 0 && v < amountOffset[e] {
		e--
	}
	step := amountStep[e]
	m := (v - amountOffset[e]) / step
	lo := m*step + amountOffset[e]
	if lo == v {
		return uint16(e<<14 | m), v, nil
	}
	// Between lo and the next encodable value, which may sit in the next exponent.
	next := lo + step
	nextRaw := uint16(e<<14 | (m + 1))
	if m+1 > 0x3FFF {
		next, nextRaw = amountOffset[e+1], uint16((e+1)<<14)
	}
	up := r == RoundUp || (r == RoundNearest && next-v < v-lo)
	if up {
		return nextRaw, next, nil
	}
	return uint16(e<<14 | m), lo, nil
}

// ParseTenths parses a decimal amount of units with at most one significant decimal place
// ("12", "12.5", "12.50") into tenths of a unit. It never goes through floating point.
func ParseTenths(s string) (uint64, error) {
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" && (!hasFrac || frac == "") {
		return 0, fmt.Errorf("sts: amount %q is not a number", s)
	}
	frac = strings.TrimRight(frac, "0")
	if len(frac) > 1 {
		return 0, fmt.Errorf("sts: amount %q has more than one decimal place (tokens carry tenths)", s)
	}
	for _, part := range []string{whole, frac} {
		for _, c := range part {
			if c < '0' || c > '9' {
				return 0, fmt.Errorf("sts: amount %q is not a non-negative decimal number", s)
			}
		}
	}
	if len(whole) > 15 {
		return 0, fmt.Errorf("sts: amount %q is too large", s)
	}
	var w, f uint64
	if whole != "" {
		w, _ = strconv.ParseUint(whole, 10, 64)
	}
	if frac != "" {
		f = uint64(frac[0] - '0')
	}
	return w*10 + f, nil
}

// FormatTenths formats tenths of a unit as a decimal with one place: 125 is "12.5".
func FormatTenths(v uint64) string {
	return strconv.FormatUint(v/10, 10) + "." + strconv.FormatUint(v%10, 10)
}
