package sts

import (
	"bytes"
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
)

// KeyType is the decoder key type (docs/sts.md §8).
type KeyType uint8

// Decoder key types.
const (
	KeyTypeInit    KeyType = 0 // DITK, the initialisation key; never leaves the factory
	KeyTypeDefault KeyType = 1 // DDTK, the default key; a meter refuses credit under it
	KeyTypeUnique  KeyType = 2 // DUTK, unique to the meter, from a VUDK
	KeyTypeCommon  KeyType = 3 // DCTK, common to a group, from a VCDK; the PAN block's IAIN is zeroed
)

// String returns the STS abbreviation (DITK, DDTK, DUTK, DCTK).
func (kt KeyType) String() string {
	switch kt {
	case KeyTypeInit:
		return "DITK"
	case KeyTypeDefault:
		return "DDTK"
	case KeyTypeUnique:
		return "DUTK"
	case KeyTypeCommon:
		return "DCTK"
	}
	return fmt.Sprintf("KT%d", uint8(kt))
}

// SGC is a six-digit supply group code.
type SGC uint32

// ParseSGC parses exactly six digits.
func ParseSGC(s string) (SGC, error) {
	if len(s) != 6 || !allDigits(s) {
		return 0, fmt.Errorf("sts: supply group code %q is not 6 digits", s)
	}
	var v uint32
	for i := range 6 {
		v = v*10 + uint32(s[i]-'0')
	}
	return SGC(v), nil
}

// String returns the six digits.
func (s SGC) String() string { return fmt.Sprintf("%06d", uint32(s)) }

// The issuer identification numbers of meter PANs.
const (
	IIN       = "600727" // the STS IIN; its DRNs have 11 digits
	LegacyIIN = "0000"   // the legacy IIN; its DRNs have 13 digits
)

// PAN is an 18-digit meter primary account number: IIN, the decoder reference number (DRN:
// manufacturer code, serial, Luhn check digit) and a Luhn check digit over the first 17 digits.
type PAN struct{ digits string }

// ParsePAN parses and checks an 18-digit meter PAN.
func ParsePAN(s string) (PAN, error) {
	if len(s) != 18 || !allDigits(s) {
		return PAN{}, fmt.Errorf("sts: meter PAN is not 18 digits")
	}
	iin := LegacyIIN
	if s[:len(IIN)] == IIN {
		iin = IIN
	} else if s[:len(LegacyIIN)] != LegacyIIN {
		return PAN{}, fmt.Errorf("sts: meter PAN does not start with IIN %s or %s", IIN, LegacyIIN)
	}
	p, err := NewPAN(iin, s[len(iin):17])
	if err != nil {
		return PAN{}, err
	}
	if p.digits != s {
		return PAN{}, fmt.Errorf("sts: meter PAN check digit is wrong")
	}
	return p, nil
}

// ParsePANUnchecked parses an 18-digit meter PAN that starts with a known IIN without checking
// the DRN's or the PAN's check digit. Key derivation is defined for any digits, so a tool that
// must work with a meter as it was made (whose number fails its own check) uses this; a product
// registering meters uses ParsePAN.
func ParsePANUnchecked(s string) (PAN, error) {
	if len(s) != 18 || !allDigits(s) {
		return PAN{}, fmt.Errorf("sts: meter PAN is not 18 digits")
	}
	if s[:len(IIN)] != IIN && s[:len(LegacyIIN)] != LegacyIIN {
		return PAN{}, fmt.Errorf("sts: meter PAN does not start with IIN %s or %s", IIN, LegacyIIN)
	}
	return PAN{digits: s}, nil
}

// NewPAN builds a meter PAN from an IIN and a DRN (11 digits after IIN 600727, 13 after 0000),
// checking the DRN's own Luhn digit and appending the PAN check digit.
func NewPAN(iin, drn string) (PAN, error) {
	if err := CheckDRN(iin, drn); err != nil {
		return PAN{}, err
	}
	s := iin + drn
	return PAN{digits: s + string('0'+luhn(s))}, nil
}

// CheckDRN checks that a DRN has the length its IIN implies and a valid Luhn check digit.
func CheckDRN(iin, drn string) error {
	want := 0
	switch iin {
	case IIN:
		want = 11
	case LegacyIIN:
		want = 13
	default:
		return fmt.Errorf("sts: IIN %q is neither %s nor %s", iin, IIN, LegacyIIN)
	}
	if len(drn) != want || !allDigits(drn) {
		return fmt.Errorf("sts: meter number %q is not %d digits (IIN %s)", drn, want, iin)
	}
	if luhn(drn[:want-1]) != drn[want-1]-'0' {
		return fmt.Errorf("sts: meter number %q fails its check digit", drn)
	}
	return nil
}

// String returns the 18 digits.
func (p PAN) String() string { return p.digits }

// IsZero reports whether p is the zero PAN.
func (p PAN) IsZero() bool { return p.digits == "" }

// IIN returns the issuer identification number, 600727 or 0000 ("" for the zero PAN).
func (p PAN) IIN() string {
	switch {
	case p.IsZero():
		return ""
	case p.digits[:len(IIN)] == IIN:
		return IIN
	}
	return LegacyIIN
}

// DRN returns the decoder reference number: the meter number printed on the meter.
func (p PAN) DRN() string {
	if p.digits == "" {
		return ""
	}
	return p.digits[len(p.IIN()):17]
}

// ManufacturerCode returns the DRN's manufacturer code: two digits after IIN 600727, four after 0000.
func (p PAN) ManufacturerCode() uint16 {
	if p.IsZero() {
		return 0
	}
	n := 2
	if p.IIN() == LegacyIIN {
		n = 4
	}
	var v uint16
	for _, c := range p.DRN()[:n] {
		v = v*10 + uint16(c-'0')
	}
	return v
}

// luhn returns the Luhn check digit for the digits of s.
func luhn(s string) byte {
	sum := 0
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if (len(s)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return byte((10 - sum%10) % 10)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// DKGA is a decoder key generation algorithm.
type DKGA uint8

// The supported algorithms. DKGA01 and DKGA03 have no public vectors (docs/sts.md §8) and are not
// offered.
const (
	DKGA02 DKGA = 2 // edition 1: DES under an 8-byte vending key
	DKGA04 DKGA = 4 // edition 2: HMAC-SHA-256 under a 20-byte vending key
)

// ParseDKGA parses "02", "2", "04" or "4".
func ParseDKGA(s string) (DKGA, error) {
	switch s {
	case "02", "2":
		return DKGA02, nil
	case "04", "4":
		return DKGA04, nil
	}
	return 0, fmt.Errorf("sts: unknown decoder key generation algorithm %q (want 02 or 04)", s)
}

// String returns "02" or "04".
func (a DKGA) String() string { return fmt.Sprintf("%02d", uint8(a)) }

// VendingKeySize is the vending key length the algorithm takes.
func (a DKGA) VendingKeySize() int {
	if a == DKGA04 {
		return 20
	}
	return 8
}

// KeyParams are the meter and supply group parameters a decoder key is derived from.
type KeyParams struct {
	PAN      PAN
	KT       KeyType
	SGC      SGC
	TI       uint8 // tariff index, 0..99
	KRN      uint8 // key revision number, 1..15
	BaseDate BaseDate
	EA       EA
}

func (p KeyParams) check() error {
	switch {
	case p.PAN.IsZero():
		return fmt.Errorf("sts: key parameters have no meter PAN")
	case p.KT > KeyTypeCommon:
		return fmt.Errorf("sts: key type %d is not 0..3", p.KT)
	case p.SGC > 999999:
		return fmt.Errorf("sts: supply group code %d is not 6 digits", p.SGC)
	case p.TI > 99:
		return fmt.Errorf("sts: tariff index %d is not 0..99", p.TI)
	case p.KRN < 1 || p.KRN > 15:
		return fmt.Errorf("sts: key revision number %d is not 1..15", p.KRN)
	}
	return nil
}

// DeriveKey derives a meter's decoder key, in natural byte order, from a vending key.
//
// DKGA02 (docs/sts.md §8): PC = PAN block XOR control block; DK = DES(VK, PC) XOR PC XOR VK, for
// EA07 (and the unverified EA09). DKGA04: the first 8 (EA07) or 16 (EA11) bytes of
// HMAC-SHA-256(VK, label ‖ 0x00 ‖ context ‖ L), with the base date and EA bound into the label.
func DeriveKey(a DKGA, vk []byte, p KeyParams) ([]byte, error) {
	d, err := NewDeriver(a, vk)
	if err != nil {
		return nil, err
	}
	return d.Derive(p)
}

// Deriver derives decoder keys from one vending key. It keeps the vending key's DES key schedule
// (DKGA02), so that deriving many meters' keys costs one DES block each. It holds a copy of the
// vending key: keep it only as long as the key is needed. It is safe for concurrent use.
type Deriver struct {
	dkga DKGA
	vk   []byte
	des  cipher.Block
}

// NewDeriver returns a Deriver for a vending key of an algorithm.
func NewDeriver(a DKGA, vk []byte) (*Deriver, error) {
	if a != DKGA02 && a != DKGA04 {
		return nil, fmt.Errorf("sts: unknown decoder key generation algorithm %d", uint8(a))
	}
	if len(vk) != a.VendingKeySize() {
		return nil, fmt.Errorf("sts: DKGA%s vending key is %d bytes, want %d", a, len(vk), a.VendingKeySize())
	}
	d := &Deriver{dkga: a, vk: bytes.Clone(vk)}
	if a == DKGA02 {
		d.des, _ = des.NewCipher(d.vk) // an 8-byte key cannot fail
	}
	return d, nil
}

// Derive returns the decoder key of a meter, in natural byte order.
func (d *Deriver) Derive(p KeyParams) ([]byte, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	if d.dkga == DKGA02 {
		if p.EA == EA11 {
			return nil, fmt.Errorf("sts: EA11 (MISTY1) keys come from DKGA04, not DKGA02")
		}
		return d.dkga02(p), nil
	}
	if !p.BaseDate.Valid() {
		return nil, fmt.Errorf("sts: DKGA04 needs a base date of 1993, 2014 or 2035")
	}
	if p.EA != EA07 && p.EA != EA11 {
		return nil, fmt.Errorf("sts: DKGA04 derives EA07 or EA11 keys, not EA%s", p.EA)
	}
	return dkga04(d.vk, p), nil
}

// panBlock returns PAN digits 2..17 as 16 nibbles, with the IAIN zeroed for common keys.
func panBlock(p KeyParams) (b [8]byte) {
	d := p.PAN.digits[1:17]
	zeroFrom := 16
	if p.KT == KeyTypeCommon {
		zeroFrom = len(p.PAN.IIN()) - 1
	}
	for i := range 16 {
		if i < zeroFrom {
			b[i/2] |= (d[i] - '0') << (4 * (1 - i%2))
		}
	}
	return b
}

// controlBlock returns KT ‖ SGC ‖ TI ‖ KRN ‖ FFFFFF as 16 nibbles.
func controlBlock(p KeyParams) [8]byte {
	var n [16]byte
	n[0] = byte(p.KT)
	for i, v := 6, uint32(p.SGC); i >= 1; i, v = i-1, v/10 {
		n[i] = byte(v % 10)
	}
	n[7], n[8], n[9] = p.TI/10, p.TI%10, p.KRN
	for i := 10; i < 16; i++ {
		n[i] = 0xF
	}
	var b [8]byte
	for i := range b {
		b[i] = n[2*i]<<4 | n[2*i+1]
	}
	return b
}

func (d *Deriver) dkga02(p KeyParams) []byte {
	pc, cb := panBlock(p), controlBlock(p)
	for i := range pc {
		pc[i] ^= cb[i]
	}
	dk := make([]byte, 8)
	d.des.Encrypt(dk, pc[:])
	for i := range dk {
		dk[i] ^= pc[i] ^ d.vk[i]
	}
	return dk
}

const hexDigits = "0123456789ABCDEF"

func dkga04(vk []byte, p KeyParams) []byte {
	pan := p.PAN
	if p.KT == KeyTypeCommon {
		// UNCERTAIN (docs/sts.md §8, §11): a common key must not depend on the meter, so the
		// IAIN is zeroed here as in the DKGA02 PAN block, with the check digits recomputed.
		pan = zeroIAIN(pan)
	}
	bd, ea, sgc := uint16(p.BaseDate)%100, uint8(p.EA), uint32(p.SGC)
	n := p.EA.KeySize()
	m := make([]byte, 0, 64)
	m = append(m, 4,
		2, '0', '4',
		2, byte('0'+bd/10), byte('0'+bd%10),
		2, '0'+ea/10, '0'+ea%10,
		2, '0'+p.TI/10, '0'+p.TI%10,
		0, 4,
		6, byte('0'+sgc/100000), byte('0'+sgc/10000%10), byte('0'+sgc/1000%10), byte('0'+sgc/100%10), byte('0'+sgc/10%10), byte('0'+sgc%10),
		1, hexDigits[p.KT&15],
		1, hexDigits[p.KRN&15],
		18)
	m = append(m, pan.digits...)
	m = append(m, 0, 0, 0, byte(n*8))
	h := hmac.New(sha256.New, vk)
	h.Write(m)
	return h.Sum(m[:0])[:n]
}

func zeroIAIN(p PAN) PAN {
	iin := p.IIN()
	zeros := make([]byte, 17-len(iin)-1)
	for i := range zeros {
		zeros[i] = '0'
	}
	drn := string(zeros)
	drn += string('0' + luhn(drn))
	s := iin + drn
	return PAN{digits: s + string('0'+luhn(s))}
}
