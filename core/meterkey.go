package core

import "github.com/vendgate/vendgate/sts"

// Validate checks a meter key's parameters against what IEC 62055-41 allows and the vending side
// supports: a PAN, a key revision number of 1 to 15, a key type of at most 3 (the DCTK), a tariff
// index of 0 to 99, DKGA02 or DKGA04, EA07, EA09 or EA11 and a defined base date.
func (k MeterKey) Validate() error {
	switch {
	case k.PAN.IsZero():
		return Errorf(CodeInvalid, ReasonInvalidMeterKey, "the key's PAN is missing")
	case k.KRN < 1 || k.KRN > 15:
		return Errorf(CodeInvalid, ReasonInvalidMeterKey, "KRN %d is not 1..15", k.KRN)
	case k.KT > sts.KeyTypeCommon:
		return Errorf(CodeInvalid, ReasonInvalidMeterKey, "key type %d is not 0..3", k.KT)
	case k.TI > 99:
		return Errorf(CodeInvalid, ReasonInvalidMeterKey, "tariff index %d is not 0..99", k.TI)
	case k.DKGA != sts.DKGA02 && k.DKGA != sts.DKGA04:
		return Errorf(CodeInvalid, ReasonInvalidMeterKey, "DKGA%s is not supported", k.DKGA)
	case k.EA != sts.EA07 && k.EA != sts.EA09 && k.EA != sts.EA11:
		return Errorf(CodeInvalid, ReasonInvalidMeterKey, "EA%s is not supported", k.EA)
	case !k.BaseDate.Valid():
		return Errorf(CodeInvalid, ReasonInvalidMeterKey, "base date %d is not 1993, 2014 or 2035", k.BaseDate)
	}
	return nil
}

// CheckKeyChange checks the key a meter is to move to against its key: a valid key of the same
// PAN (filled in from the meter's when empty) and the same encryption algorithm, which key change
// tokens cannot change (IEC 62055-41: they carry a new key, not a new algorithm).
func CheckKeyChange(from MeterKey, to *MeterKey) error {
	if to.PAN.IsZero() {
		to.PAN = from.PAN
	}
	if err := to.Validate(); err != nil {
		return err
	}
	switch {
	case to.PAN != from.PAN:
		return Errorf(CodeInvalid, ReasonInvalidKeyChange, "a key change cannot change the meter's PAN")
	case to.EA != from.EA:
		return Errorf(CodeInvalid, ReasonInvalidKeyChange, "a key change cannot change the encryption algorithm (EA%s to EA%s)", from.EA, to.EA)
	}
	return nil
}
