package sts

import (
	"crypto/cipher"
	"encoding/binary"
	"math/bits"
)

// The Standard Transfer Algorithm (EA07): 16 rounds of a key-selected nibble substitution followed
// by a fixed 64-bit permutation (IEC 62055-41; docs/sts.md §7). Each nibble n of the block goes through
// S-box 1 when bit 4n+3 of the round key is 0 and through S-box 2 when it is 1.
var (
	staS1   = [16]byte{14, 10, 7, 9, 12, 3, 2, 5, 13, 0, 15, 1, 4, 8, 6, 11}
	staS2   = [16]byte{12, 8, 2, 13, 7, 6, 1, 3, 11, 5, 9, 15, 0, 4, 10, 14}
	staPerm = [64]uint8{
		55, 42, 10, 18, 24, 21, 44, 35, 2, 22, 56, 43, 27, 58, 9, 50,
		6, 36, 12, 61, 37, 38, 53, 16, 62, 3, 7, 4, 32, 20, 63, 25,
		51, 52, 54, 33, 49, 19, 46, 29, 48, 31, 23, 30, 41, 28, 13, 5,
		40, 60, 39, 11, 15, 17, 1, 0, 57, 34, 59, 8, 47, 14, 45, 26,
	}
)

// Byte-wise lookup tables built once from the definitions above. A byte of the block holds two
// nibbles, so its substitution depends on two key bits: the selector is bit 3 | bit 7 << 1 of the
// round key's byte. Encryption uses one table per byte position and selector that substitutes and
// permutes at once. Decryption undoes the permutation, then alternates the inverse substitution of a
// round with the inverse permutation of the round before it, also one table per byte and selector.
var (
	staRound    [8][4][256]uint64
	staRoundInv [8][4][256]uint64
	staSubInv   [4][256]byte
	staPermInv  [8][256]uint64
)

func init() {
	var s1i, s2i [16]byte
	for i := range 16 {
		s1i[staS1[i]] = byte(i)
		s2i[staS2[i]] = byte(i)
	}
	var sub [4][256]byte
	for sel := range 4 {
		lo, hi, loI, hiI := &staS1, &staS1, &s1i, &s1i
		if sel&1 != 0 {
			lo, loI = &staS2, &s2i
		}
		if sel&2 != 0 {
			hi, hiI = &staS2, &s2i
		}
		for b := range 256 {
			sub[sel][b] = lo[b&15] | hi[b>>4]<<4
			staSubInv[sel][b] = loI[b&15] | hiI[b>>4]<<4
		}
	}
	var inv [64]uint8 // the inverse permutation moves input bit P[i] to output bit i
	for i, dst := range staPerm {
		inv[dst] = uint8(i)
	}
	permute := func(j int, b byte, to *[64]uint8) (p uint64) {
		for t := range 8 {
			p |= uint64(b>>t&1) << to[8*j+t]
		}
		return p
	}
	for j := range 8 {
		for b := range 256 {
			staPermInv[j][b] = permute(j, byte(b), &inv)
			for sel := range 4 {
				staRound[j][sel][b] = permute(j, sub[sel][b], &staPerm)
				staRoundInv[j][sel][b] = permute(j, staSubInv[sel][b], &inv)
			}
		}
	}
}

const staRounds = 16

type staCipher struct {
	// sel[r][j] is the substitution selector for byte j in round r.
	sel [staRounds][8]uint8
}

// NewSTA returns the Standard Transfer Algorithm (STS EA07) under an 8-byte decoder key in
// natural byte order (docs/sts.md §8).
func NewSTA(key []byte) (cipher.Block, error) {
	if len(key) != 8 {
		return nil, KeySizeError(len(key))
	}
	c := new(staCipher)
	k := bits.RotateLeft64(^binary.BigEndian.Uint64(key), -12)
	for r := range staRounds {
		// Byte j's selector is bit 8j+3 | bit 8j+7 << 1 of the round key, for all eight at once.
		binary.LittleEndian.PutUint64(c.sel[r][:], k>>3&0x0101010101010101|k>>6&0x0202020202020202)
		k = bits.RotateLeft64(k, 1)
	}
	return c, nil
}

func (c *staCipher) BlockSize() int { return 8 }

func (c *staCipher) Encrypt(dst, src []byte) {
	checkBlock(dst, src)
	d := binary.BigEndian.Uint64(src)
	for r := range staRounds {
		d = staLookup(&staRound, &c.sel[r], d)
	}
	binary.BigEndian.PutUint64(dst, d)
}

func (c *staCipher) Decrypt(dst, src []byte) {
	checkBlock(dst, src)
	d := binary.BigEndian.Uint64(src)
	p := &staPermInv
	d = p[0][byte(d)] | p[1][byte(d>>8)] | p[2][byte(d>>16)] | p[3][byte(d>>24)] |
		p[4][byte(d>>32)] | p[5][byte(d>>40)] | p[6][byte(d>>48)] | p[7][byte(d>>56)]
	for r := staRounds - 1; r > 0; r-- {
		d = staLookup(&staRoundInv, &c.sel[r], d)
	}
	s := &c.sel[0]
	var out uint64
	for j := range 8 {
		out |= uint64(staSubInv[s[j]][byte(d>>(8*j))]) << (8 * j)
	}
	binary.BigEndian.PutUint64(dst, out)
}

// staLookup runs one round's table lookups: byte j of d through table t[j][s[j]].
func staLookup(t *[8][4][256]uint64, s *[8]uint8, d uint64) uint64 {
	return t[0][s[0]&3][byte(d)] | t[1][s[1]&3][byte(d>>8)] | t[2][s[2]&3][byte(d>>16)] |
		t[3][s[3]&3][byte(d>>24)] | t[4][s[4]&3][byte(d>>32)] | t[5][s[5]&3][byte(d>>40)] |
		t[6][s[6]&3][byte(d>>48)] | t[7][s[7]&3][byte(d>>56)]
}

// checkBlock panics on programmer misuse, as the standard library's block ciphers do.
func checkBlock(dst, src []byte) {
	if len(src) < 8 {
		panic("sts: input not full block")
	}
	if len(dst) < 8 {
		panic("sts: output not full block")
	}
}
