package core

import (
	"strconv"

	"github.com/vendgate/vendgate/sts"
)

// MeterNumber is a meter's number, its DRN: 11 digits under the STS IIN 600727, or 13 under the
// legacy IIN 0000, the last digit a Luhn check digit over the IIN and the number (docs/sts.md).
// The rules live here and in sts only; everything that takes a meter number parses it here.
type MeterNumber string

// ParseMeterNumber checks a meter number: an invalid error (reason invalid_meter_number) says
// what is wrong with it. Its message shows at most the first 13 characters of a number that
// fails, so that what a caller sent (of any length) does not come back whole in answers and logs.
func ParseMeterNumber(s string) (MeterNumber, error) {
	n := MeterNumber(s)
	if err := sts.CheckDRN(n.IIN(), s); err != nil {
		if len(s) == 11 || len(s) == 13 {
			if _, digits := strconv.ParseUint(s, 10, 64); digits == nil {
				return "", Errorf(CodeInvalid, ReasonInvalidMeterNumber, "meter number %q fails its check digit", s)
			}
		}
		return "", Errorf(CodeInvalid, ReasonInvalidMeterNumber, "meter number %s is not 11 digits (13 with IIN 0000)", shownMeterNumber(s))
	}
	return n, nil
}

// shownMeterNumber quotes a meter number that failed its check for a message: cut after 13
// characters, with its length.
func shownMeterNumber(n string) string {
	r := []rune(n)
	if len(r) <= 13 {
		return strconv.Quote(n)
	}
	return strconv.Quote(string(r[:13])) + "... (" + strconv.Itoa(len(r)) + " characters)"
}

// CheckMeterNumber checks a meter number (ParseMeterNumber) and says only whether it is valid.
func CheckMeterNumber(s string) error {
	_, err := ParseMeterNumber(s)
	return err
}

func (n MeterNumber) String() string { return string(n) }

// IIN returns the issuer identification number the meter number is under: the legacy 0000 for 13
// digits, the STS 600727 otherwise.
func (n MeterNumber) IIN() string {
	if len(n) == 13 {
		return sts.LegacyIIN
	}
	return sts.IIN
}

// PAN returns the meter's primary account number (its IIN and number), from which its decoder
// key is derived.
func (n MeterNumber) PAN() (sts.PAN, error) {
	return sts.NewPAN(n.IIN(), string(n))
}
