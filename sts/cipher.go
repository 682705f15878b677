package sts

import (
	"crypto/cipher"
	"crypto/des"
	"fmt"
	"strconv"
)

// KeySizeError reports a key of the wrong length for an encryption algorithm.
type KeySizeError int

func (k KeySizeError) Error() string {
	return "sts: invalid key size " + strconv.Itoa(int(k))
}

// EA is an STS encryption algorithm code (IEC 62055-41, the EA field of the decoder key).
type EA uint8

const (
	// EA07 is the Standard Transfer Algorithm (STA), 64-bit key.
	EA07 EA = 7
	// EA09 is DEA (single DES). It is unverified: no published STS vector covers it (docs/sts.md §7),
	// so Vendgate never uses it by default and meters should not be configured with it.
	EA09 EA = 9
	// EA11 is MISTY1 (RFC 2994), 128-bit key, used with DKGA04 keys.
	EA11 EA = 11
)

// ParseEA parses "07", "7", "09", "9" or "11".
func ParseEA(s string) (EA, error) {
	switch s {
	case "07", "7":
		return EA07, nil
	case "09", "9":
		return EA09, nil
	case "11":
		return EA11, nil
	}
	return 0, fmt.Errorf("sts: unknown encryption algorithm %q (want 07, 09 or 11)", s)
}

// String returns the two-digit code ("07", "09", "11").
func (ea EA) String() string { return fmt.Sprintf("%02d", uint8(ea)) }

// KeySize is the decoder key length in bytes the algorithm takes.
func (ea EA) KeySize() int {
	if ea == EA11 {
		return 16
	}
	return 8
}

// NewCipher returns the block cipher of the algorithm under a decoder key in natural byte order.
func NewCipher(ea EA, key []byte) (cipher.Block, error) {
	switch ea {
	case EA07:
		return NewSTA(key)
	case EA09:
		return NewDEA(key)
	case EA11:
		return NewMISTY1(key)
	}
	return nil, fmt.Errorf("sts: unknown encryption algorithm %d", uint8(ea))
}

// NewDEA returns EA09, single DES-ECB over the big-endian data block, under an 8-byte key.
//
// EA09 is UNVERIFIED: no published STS vector covers it and the byte order and parity handling
// are a guess (docs/sts.md §7). It exists so a test can exercise the interface; do not configure
// meters with it.
func NewDEA(key []byte) (cipher.Block, error) {
	if len(key) != 8 {
		return nil, KeySizeError(len(key))
	}
	return des.NewCipher(key)
}
