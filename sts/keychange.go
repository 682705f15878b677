package sts

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// KeyChange1 is the first key change token (class 2 subclass 3, "set 1st section decoder key"):
// the high nibble of the key expiry number, the new KRN, the rollover flag, the reserved (3KCT)
// bit, the new key type and the key's bytes 0..3.
type KeyChange1 struct {
	KENHO uint8
	KRN   uint8
	RO    bool
	Res   bool
	KT    KeyType
	NKHO  uint32
}

// KeyChange2 is the second key change token (subclass 4): the low nibble of the key expiry number,
// the new tariff index (8-bit binary) and the key's last 4 bytes.
type KeyChange2 struct {
	KENLO uint8
	TI    uint8
	NKLO  uint32
}

// KeyChange3 is the third key change token (subclass 8), for 128-bit keys only: the supply group
// code's low 12 bits and the key's bytes 4..7.
type KeyChange3 struct {
	SGCLow uint16
	NKMO2  uint32
}

// KeyChange4 is the fourth key change token (subclass 9), for 128-bit keys only: the supply group
// code's high 12 bits and the key's bytes 8..11.
type KeyChange4 struct {
	SGCHigh uint16
	NKMO1   uint32
}

// Kind returns KindKeyChange1.
func (KeyChange1) Kind() Kind { return KindKeyChange1 }

// Kind returns KindKeyChange2.
func (KeyChange2) Kind() Kind { return KindKeyChange2 }

// Kind returns KindKeyChange3.
func (KeyChange3) Kind() Kind { return KindKeyChange3 }

// Kind returns KindKeyChange4.
func (KeyChange4) Kind() Kind { return KindKeyChange4 }

func (k KeyChange1) fields() (uint64, error) {
	switch {
	case k.KENHO > 15:
		return 0, fmt.Errorf("%w: KEN high nibble %d does not fit 4 bits", ErrField, k.KENHO)
	case k.KRN > 15:
		return 0, fmt.Errorf("%w: KRN %d does not fit 4 bits", ErrField, k.KRN)
	case k.KT > 3:
		return 0, fmt.Errorf("%w: key type %d does not fit 2 bits", ErrField, k.KT)
	}
	return uint64(k.KENHO)<<40 | uint64(k.KRN)<<36 | bit(k.RO)<<35 | bit(k.Res)<<34 |
		uint64(k.KT)<<32 | uint64(k.NKHO), nil
}

func (k KeyChange2) fields() (uint64, error) {
	if k.KENLO > 15 {
		return 0, fmt.Errorf("%w: KEN low nibble %d does not fit 4 bits", ErrField, k.KENLO)
	}
	return uint64(k.KENLO)<<40 | uint64(k.TI)<<32 | uint64(k.NKLO), nil
}

func (k KeyChange3) fields() (uint64, error) {
	if k.SGCLow > 0xFFF {
		return 0, fmt.Errorf("%w: SGC part %d does not fit 12 bits", ErrField, k.SGCLow)
	}
	return uint64(k.SGCLow)<<32 | uint64(k.NKMO2), nil
}

func (k KeyChange4) fields() (uint64, error) {
	if k.SGCHigh > 0xFFF {
		return 0, fmt.Errorf("%w: SGC part %d does not fit 12 bits", ErrField, k.SGCHigh)
	}
	return uint64(k.SGCHigh)<<32 | uint64(k.NKMO1), nil
}

func bit(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// KEN is a key expiry number: the key may carry tokens whose TID's top 8 bits are at most KEN.
// KEN 255 never expires.
//
// UNCERTAIN (docs/sts.md §9): the reference generator refuses TID > KEN·65535; Vendgate reads KEN as
// a bound on the TID's top 8 bits, which differs from it only at the edge of each 65,536-minute step.
type KEN uint8

// NoExpiry is the key expiry number that never expires.
const NoExpiry KEN = 255

// Expired reports whether a token with this TID is past the key's expiry.
func (k KEN) Expired(tid TID) bool {
	return k != NoExpiry && uint8(tid>>16) > uint8(k)
}

// KeyChange is a complete decoder key change: the new key (8 bytes for EA07/EA09, 16 for EA11)
// and the parameters the meter installs with it.
type KeyChange struct {
	NewKey []byte
	KEN    KEN
	KRN    uint8   // new key revision number, 1..15
	KT     KeyType // new key type
	TI     uint8   // new tariff index
	// RO asks the meter to clear its TID memory: the TID rollover to the next base date.
	RO bool
	// SGC is the new supply group code; only 128-bit key changes carry it.
	SGC SGC
}

// Payloads returns the key change tokens' payloads in entry order: KCT1 and KCT2 for a 64-bit key,
// then KCT3 and KCT4 for a 128-bit key. Each must be encoded under the meter's current key.
func (kc KeyChange) Payloads() ([]Payload, error) {
	n := len(kc.NewKey)
	if n != 8 && n != 16 {
		return nil, fmt.Errorf("sts: new decoder key is %d bytes, want 8 or 16", n)
	}
	switch {
	case kc.KRN < 1 || kc.KRN > 15:
		return nil, fmt.Errorf("%w: new KRN %d is not 1..15", ErrField, kc.KRN)
	case kc.KT == KeyTypeInit || kc.KT > KeyTypeCommon:
		return nil, fmt.Errorf("%w: new key type %d is not 1..3 (an initialisation key never leaves the factory)", ErrField, kc.KT)
	case kc.TI > 99:
		return nil, fmt.Errorf("%w: new tariff index %d is not 0..99", ErrField, kc.TI)
	}
	if kc.SGC > 999999 {
		return nil, fmt.Errorf("%w: new supply group code %d is not 6 digits", ErrField, kc.SGC)
	}
	k := kc.NewKey
	ps := []Payload{
		KeyChange1{KENHO: uint8(kc.KEN) >> 4, KRN: kc.KRN, RO: kc.RO, KT: kc.KT, NKHO: binary.BigEndian.Uint32(k[0:4])},
		KeyChange2{KENLO: uint8(kc.KEN) & 15, TI: kc.TI, NKLO: binary.BigEndian.Uint32(k[n-4:])},
	}
	if n == 16 {
		ps = append(ps,
			KeyChange3{SGCLow: uint16(kc.SGC & 0xFFF), NKMO2: binary.BigEndian.Uint32(k[4:8])},
			KeyChange4{SGCHigh: uint16(kc.SGC >> 12), NKMO1: binary.BigEndian.Uint32(k[8:12])},
		)
	}
	for _, p := range ps {
		if _, err := p.fields(); err != nil {
			return nil, err
		}
	}
	return ps, nil
}

// ErrKeyChangeIncomplete is returned by AssembleKeyChange while sections are missing.
var ErrKeyChangeIncomplete = errors.New("sts: key change sections missing")

// AssembleKeyChange puts a key change back together from its decoded sections, in any order, for a
// key of keySize bytes (8 or 16). It returns ErrKeyChangeIncomplete while a section is missing.
func AssembleKeyChange(keySize int, parts []Payload) (KeyChange, error) {
	var (
		k1 *KeyChange1
		k2 *KeyChange2
		k3 *KeyChange3
		k4 *KeyChange4
	)
	for _, p := range parts {
		switch v := p.(type) {
		case KeyChange1:
			k1 = &v
		case KeyChange2:
			k2 = &v
		case KeyChange3:
			k3 = &v
		case KeyChange4:
			k4 = &v
		default:
			return KeyChange{}, fmt.Errorf("sts: %s is not a key change section", p.Kind())
		}
	}
	if keySize != 8 && keySize != 16 {
		return KeyChange{}, fmt.Errorf("sts: decoder key size %d is not 8 or 16", keySize)
	}
	if k1 == nil || k2 == nil || (keySize == 16 && (k3 == nil || k4 == nil)) {
		return KeyChange{}, ErrKeyChangeIncomplete
	}
	key := make([]byte, keySize)
	binary.BigEndian.PutUint32(key[0:4], k1.NKHO)
	binary.BigEndian.PutUint32(key[keySize-4:], k2.NKLO)
	kc := KeyChange{NewKey: key, KEN: KEN(k1.KENHO<<4 | k2.KENLO), KRN: k1.KRN, KT: k1.KT, TI: k2.TI, RO: k1.RO}
	if keySize == 16 {
		binary.BigEndian.PutUint32(key[4:8], k3.NKMO2)
		binary.BigEndian.PutUint32(key[8:12], k4.NKMO1)
		kc.SGC = SGC(uint32(k4.SGCHigh)<<12 | uint32(k3.SGCLow))
	}
	return kc, nil
}
