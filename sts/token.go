package sts

import (
	"errors"
	"fmt"
	"math/bits"
)

// Token is a 66-bit STS token number (IEC 62055-41 §6.1; docs/sts.md §1): the encrypted 64-bit data
// block with the 2-bit token class inserted at bits 28..27 and the two displaced cipher bits moved
// to bits 65..64. Its zero value is the token 00000000000000000000.
type Token struct {
	hi uint8 // bits 65..64
	lo uint64
}

// ErrFormat is wrapped by every error of ParseToken.
var ErrFormat = errors.New("sts: token format")

// pow10_10 splits a 20-digit token into two halves that each fit a uint64.
const pow10_10 = 10_000_000_000

// ParseToken parses a 20-digit token. Spaces and dashes between digits are ignored, so the
// display form 1234-5678-9012-3456-7890 parses. The error says what is wrong without repeating
// the token, which is a secret until it is entered.
func ParseToken(s string) (Token, error) {
	var digits [20]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '-':
			continue
		case c < '0' || c > '9':
			return Token{}, fmt.Errorf("%w: character %d is %s, want a digit", ErrFormat, i+1, describeByte(c))
		}
		if n < len(digits) {
			digits[n] = c - '0'
		}
		n++
	}
	if n != len(digits) {
		return Token{}, fmt.Errorf("%w: %d digits, want 20", ErrFormat, n)
	}
	var a, b uint64
	for i := range 10 {
		a = a*10 + uint64(digits[i])
		b = b*10 + uint64(digits[10+i])
	}
	hi, lo := bits.Mul64(a, pow10_10)
	lo, carry := bits.Add64(lo, b, 0)
	hi += carry
	if hi > 3 {
		return Token{}, fmt.Errorf("%w: the number is 2^66 or more, beyond any token", ErrFormat)
	}
	return Token{hi: uint8(hi), lo: lo}, nil
}

// MustParseToken is ParseToken for constants in tests and examples; it panics on error.
func MustParseToken(s string) Token {
	t, err := ParseToken(s)
	if err != nil {
		panic(err)
	}
	return t
}

func describeByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("%q", rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

// String returns the token as 20 digits.
func (t Token) String() string {
	var buf [20]byte
	t.put(&buf)
	return string(buf[:])
}

// Display returns the token in the 4-4-4-4-4 form printed on receipts.
func (t Token) Display() string {
	var d [20]byte
	t.put(&d)
	var out [24]byte
	j := 0
	for i, c := range d {
		if i > 0 && i%4 == 0 {
			out[j] = '-'
			j++
		}
		out[j] = c
		j++
	}
	return string(out[:])
}

func (t Token) put(buf *[20]byte) {
	q, r := bits.Div64(uint64(t.hi), t.lo, pow10_10)
	for i := 9; i >= 0; i-- {
		buf[i] = byte('0' + q%10)
		buf[10+i] = byte('0' + r%10)
		q /= 10
		r /= 10
	}
}

// Class is the token class carried at bits 28..27.
func (t Token) Class() Class {
	return Class(t.lo >> 27 & 3)
}

// Cipher returns the 64-bit block as the encryption algorithm produced it, with the class bits
// taken out and the displaced cipher bits put back.
func (t Token) Cipher() uint64 {
	lo := t.lo &^ (3 << 27)
	return lo | uint64(t.hi&3)<<27
}

// Assemble inserts the class into an encrypted block (docs/sts.md §1, "class insertion"): the inverse
// of Class and Cipher. Encode is the usual way to make a token; Assemble serves tools and tests
// that build a block by hand.
func Assemble(class Class, block uint64) Token {
	hi := uint8(block >> 27 & 3)
	lo := block&^(3<<27) | uint64(class&3)<<27
	return Token{hi: hi, lo: lo}
}
