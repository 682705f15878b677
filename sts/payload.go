package sts

import (
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"fmt"
)

// Class is the 2-bit token class (IEC 62055-41; docs/sts.md §3).
type Class uint8

// Token classes. Class 3 is reserved.
const (
	ClassCredit     Class = 0 // credit transfer, encrypted
	ClassTest       Class = 1 // initiate meter test or display, not encrypted
	ClassManagement Class = 2 // meter-specific management, encrypted
)

// Kind is a token class and subclass.
type Kind struct {
	Class    Class
	Subclass uint8
}

// Every kind of token of docs/sts.md §3.
var (
	KindElectricity    = Kind{ClassCredit, 0}
	KindWater          = Kind{ClassCredit, 1}
	KindGas            = Kind{ClassCredit, 2}
	KindTime           = Kind{ClassCredit, 3}
	KindCurrency       = Kind{ClassCredit, 4}
	KindTest           = Kind{ClassTest, 0} // 2-digit manufacturer codes
	KindTestWide       = Kind{ClassTest, 1} // 4-digit manufacturer codes
	KindPowerLimit     = Kind{ClassManagement, 0}
	KindClearCredit    = Kind{ClassManagement, 1}
	KindTariffRate     = Kind{ClassManagement, 2}
	KindKeyChange1     = Kind{ClassManagement, 3}
	KindKeyChange2     = Kind{ClassManagement, 4}
	KindClearTamper    = Kind{ClassManagement, 5}
	KindPhaseUnbalance = Kind{ClassManagement, 6}
	KindWaterFactor    = Kind{ClassManagement, 7}
	KindKeyChange3     = Kind{ClassManagement, 8}
	KindKeyChange4     = Kind{ClassManagement, 9}
)

var kindNames = map[Kind]string{
	KindElectricity:    "electricity_credit",
	KindWater:          "water_credit",
	KindGas:            "gas_credit",
	KindTime:           "time_credit",
	KindCurrency:       "currency_credit",
	KindTest:           "test_display",
	KindTestWide:       "test_display_wide",
	KindPowerLimit:     "set_power_limit",
	KindClearCredit:    "clear_credit",
	KindTariffRate:     "set_tariff_rate",
	KindKeyChange1:     "key_change_1",
	KindKeyChange2:     "key_change_2",
	KindClearTamper:    "clear_tamper",
	KindPhaseUnbalance: "set_phase_unbalance",
	KindWaterFactor:    "set_water_factor",
	KindKeyChange3:     "key_change_3",
	KindKeyChange4:     "key_change_4",
}

// Known reports whether the standard defines the kind.
func (k Kind) Known() bool {
	_, ok := kindNames[k]
	return ok
}

// String returns a snake_case name such as "electricity_credit", or "class_C_subclass_S" for a
// kind the standard reserves.
func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("class_%d_subclass_%d", k.Class, k.Subclass)
}

// Payload is the content of one token: everything in its data block but the CRC.
type Payload interface {
	Kind() Kind
	// fields returns block bits 59..16, checking that every field fits.
	fields() (uint64, error)
}

// Errors of Decode, ParseBlock and Encode.
var (
	ErrCRC           = errors.New("sts: CRC mismatch (wrong key or mistyped token)")
	ErrReservedClass = errors.New("sts: token class 3 is reserved")
	ErrUnknownKind   = errors.New("sts: subclass not defined by the standard")
	ErrField         = errors.New("sts: field out of range")
	ErrNoCipher      = errors.New("sts: an encrypted token class needs a cipher")
)

// Block returns the plaintext data block of a payload, CRC included.
func Block(p Payload) (uint64, error) {
	k := p.Kind()
	if k.Class > ClassManagement || k.Subclass > 15 {
		return 0, fmt.Errorf("%w: class %d subclass %d", ErrUnknownKind, k.Class, k.Subclass)
	}
	f, err := p.fields()
	if err != nil {
		return 0, err
	}
	b := uint64(k.Subclass)<<60 | f<<16
	return b | uint64(CRC(k.Class, b)), nil
}

// Encode builds the token for a payload: the data block with its CRC, encrypted with c (unless the
// class is not encrypted, when c may be nil), with the class inserted.
func Encode(p Payload, c cipher.Block) (Token, error) {
	b, err := Block(p)
	if err != nil {
		return Token{}, err
	}
	class := p.Kind().Class
	if class != ClassTest {
		if c == nil {
			return Token{}, ErrNoCipher
		}
		var buf [8]byte
		binary.BigEndian.PutUint64(buf[:], b)
		c.Encrypt(buf[:], buf[:])
		b = binary.BigEndian.Uint64(buf[:])
	}
	return Assemble(class, b), nil
}

// Decrypt returns a token's class and plaintext data block without checking them. Class 1 is not
// encrypted and needs no cipher.
func Decrypt(t Token, c cipher.Block) (Class, uint64, error) {
	class := t.Class()
	b := t.Cipher()
	switch {
	case class > ClassManagement:
		return class, b, ErrReservedClass
	case class == ClassTest:
		return class, b, nil
	case c == nil:
		return class, b, ErrNoCipher
	}
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], b)
	c.Decrypt(buf[:], buf[:])
	return class, binary.BigEndian.Uint64(buf[:]), nil
}

// Decode decrypts a token and parses its data block.
func Decode(t Token, c cipher.Block) (Payload, error) {
	class, b, err := Decrypt(t, c)
	if err != nil {
		return nil, err
	}
	return ParseBlock(class, b)
}

// ParseBlock checks a plaintext data block's CRC and returns its payload.
func ParseBlock(class Class, b uint64) (Payload, error) {
	if class > ClassManagement {
		return nil, ErrReservedClass
	}
	if !CRCOK(class, b) {
		return nil, ErrCRC
	}
	k := Kind{class, uint8(b >> 60)}
	f := b >> 16 & (1<<44 - 1)
	switch {
	case k.transfer():
		return Transfer{K: k, RND: uint8(f >> 40), TID: TID(f >> 16 & uint64(MaxTID)), Value: uint16(f)}, nil
	case k == KindTest:
		return Test{Wide: false, Control: f >> 8, Manufacturer: uint16(f & 0xFF)}, nil
	case k == KindTestWide:
		return Test{Wide: true, Control: f >> 16, Manufacturer: uint16(f)}, nil
	case k == KindKeyChange1:
		return KeyChange1{KENHO: uint8(f >> 40), KRN: uint8(f >> 36 & 15), RO: f>>35&1 == 1,
			Res: f>>34&1 == 1, KT: KeyType(f >> 32 & 3), NKHO: uint32(f)}, nil
	case k == KindKeyChange2:
		return KeyChange2{KENLO: uint8(f >> 40), TI: uint8(f >> 32), NKLO: uint32(f)}, nil
	case k == KindKeyChange3:
		return KeyChange3{SGCLow: uint16(f >> 32), NKMO2: uint32(f)}, nil
	case k == KindKeyChange4:
		return KeyChange4{SGCHigh: uint16(f >> 32), NKMO1: uint32(f)}, nil
	}
	return nil, fmt.Errorf("%w: class %d subclass %d", ErrUnknownKind, k.Class, k.Subclass)
}

// transfer reports whether the kind has the Transfer layout.
func (k Kind) transfer() bool {
	switch k {
	case KindPowerLimit, KindClearCredit, KindTariffRate, KindClearTamper, KindPhaseUnbalance, KindWaterFactor:
		return true
	}
	return k.Class == ClassCredit && k.Subclass <= KindCurrency.Subclass
}

// CarriesAmount reports whether the kind's 16-bit value is an amount field (see EncodeAmount):
// tenths of a unit for credit, watts for the power limit and the phase unbalance limit.
func (k Kind) CarriesAmount() bool {
	return k.Class == ClassCredit && k.transfer() || k == KindPowerLimit || k == KindPhaseUnbalance
}

// Transfer is the layout shared by every class 0 token and the class 2 tokens with subclasses 0,
// 1, 2, 5, 6 and 7: RND (bits 59..56), TID (55..32) and a 16-bit value (31..16). The value is an
// amount field (see EncodeAmount) for credit, power limit and phase unbalance tokens, the register
// for clear credit (0 for electricity, 0xFFFF for all), the rate for set tariff rate, the factor for
// set water factor, and 0 for clear tamper.
type Transfer struct {
	K     Kind
	RND   uint8
	TID   TID
	Value uint16
}

// Kind returns the token's kind.
func (t Transfer) Kind() Kind { return t.K }

func (t Transfer) fields() (uint64, error) {
	if t.RND > 15 {
		return 0, fmt.Errorf("%w: RND %d does not fit 4 bits", ErrField, t.RND)
	}
	if t.TID > MaxTID {
		return 0, fmt.Errorf("%w: TID %d does not fit 24 bits", ErrField, t.TID)
	}
	if !t.K.transfer() {
		return 0, fmt.Errorf("%w: %s does not carry RND, TID and a value", ErrUnknownKind, t.K)
	}
	return uint64(t.RND)<<40 | uint64(t.TID)<<16 | uint64(t.Value), nil
}

// Test is a class 1 token: initiate a meter test or display. It carries no TID and is not
// encrypted. Wide selects subclass 1 (28-bit control, 16-bit manufacturer code, for 4-digit
// manufacturer codes) over subclass 0 (36-bit control, 8-bit manufacturer code).
// Manufacturer code 0 addresses every manufacturer.
type Test struct {
	Wide         bool
	Control      uint64
	Manufacturer uint16
}

// Kind returns KindTest or KindTestWide.
func (t Test) Kind() Kind {
	if t.Wide {
		return KindTestWide
	}
	return KindTest
}

func (t Test) fields() (uint64, error) {
	if t.Wide {
		if t.Control >= 1<<28 {
			return 0, fmt.Errorf("%w: control %d does not fit 28 bits", ErrField, t.Control)
		}
		return t.Control<<16 | uint64(t.Manufacturer), nil
	}
	if t.Control >= 1<<36 {
		return 0, fmt.Errorf("%w: control %d does not fit 36 bits", ErrField, t.Control)
	}
	if t.Manufacturer > 0xFF {
		return 0, fmt.Errorf("%w: manufacturer code %d does not fit 8 bits (use subclass 1)", ErrField, t.Manufacturer)
	}
	return t.Control<<8 | uint64(t.Manufacturer), nil
}
