package sts

import (
	"crypto/cipher"
	"encoding/binary"
)

// misty1BlockSize is the MISTY1 block size in bytes (64 bits).
const misty1BlockSize = 8

// misty1Cipher is MISTY1 with eight rounds (RFC 2994) under one expanded key.
type misty1Cipher struct {
	// ek is the expanded key EK of RFC 2994, "Key Scheduling Part":
	// EK[0..7] is the key K as eight big-endian 16-bit words, EK[8..15] is
	// K'[i] = FI(K[i], K[i+1 mod 8]), EK[16..23] holds the low 9 bits of
	// K'[i] and EK[24..31] its high 7 bits. The round keys KLi, KOi and KIi
	// of the FL and FO functions are picked from it by index.
	ek [32]uint16
}

// NewMISTY1 returns the MISTY1 block cipher of RFC 2994 (eight rounds, 64-bit block) under a
// 16-byte key given in natural, big-endian byte order. MISTY1 is the STS encryption algorithm
// EA11. A key of any other length gives a KeySizeError.
//
// The key schedule is expanded here once; Encrypt and Decrypt do not allocate.
func NewMISTY1(key []byte) (cipher.Block, error) {
	if len(key) != 16 {
		return nil, KeySizeError(len(key))
	}
	c := new(misty1Cipher)
	// RFC 2994, "Key Scheduling Part".
	for i := range 8 {
		c.ek[i] = binary.BigEndian.Uint16(key[2*i:])
	}
	for i := range 8 {
		k := c.ek[(i+1)%8]
		c.ek[i+8] = misty1FI(c.ek[i], k>>9, k&0x1ff)
		c.ek[i+16] = c.ek[i+8] & 0x1ff
		c.ek[i+24] = c.ek[i+8] >> 9
	}
	return c, nil
}

// BlockSize returns the MISTY1 block size, 8 bytes.
func (c *misty1Cipher) BlockSize() int { return misty1BlockSize }

// Encrypt encrypts the first block of src into dst. The whole block is read before dst is
// written, so dst and src may be the same slice.
func (c *misty1Cipher) Encrypt(dst, src []byte) {
	if len(src) < misty1BlockSize {
		panic("sts/misty1: input not full block")
	}
	if len(dst) < misty1BlockSize {
		panic("sts/misty1: output not full block")
	}
	// RFC 2994, "Data Randomizing Part", encryption: the plaintext is D0 || D1.
	d0 := binary.BigEndian.Uint32(src[0:4])
	d1 := binary.BigEndian.Uint32(src[4:8])

	// Rounds 0 to 7: before every even round i, FL number i on D0 and FL number i+1 on D1;
	// round i then XORs FO(D0, i) into D1 and round i+1 XORs FO(D1, i+1) into D0.
	for j := range 4 {
		d0 = c.flEven(d0, j)
		d1 = c.flOdd(d1, j)
		d1 ^= c.fo(d0, 2*j)
		d0 ^= c.fo(d1, 2*j+1)
	}
	// Final FL numbers 8 and 9.
	d0 = c.flEven(d0, 4)
	d1 = c.flOdd(d1, 4)

	// The ciphertext is D1 || D0.
	binary.BigEndian.PutUint32(dst[0:4], d1)
	binary.BigEndian.PutUint32(dst[4:8], d0)
}

// Decrypt decrypts the first block of src into dst. The whole block is read before dst is
// written, so dst and src may be the same slice.
func (c *misty1Cipher) Decrypt(dst, src []byte) {
	if len(src) < misty1BlockSize {
		panic("sts/misty1: input not full block")
	}
	if len(dst) < misty1BlockSize {
		panic("sts/misty1: output not full block")
	}
	// RFC 2994, "Data Randomizing Part", decryption: the ciphertext is D1 || D0.
	d1 := binary.BigEndian.Uint32(src[0:4])
	d0 := binary.BigEndian.Uint32(src[4:8])

	// The encryption steps in reverse order, with FLINV in place of FL.
	d0 = c.flInvEven(d0, 4)
	d1 = c.flInvOdd(d1, 4)
	for j := 3; j >= 0; j-- {
		d0 ^= c.fo(d1, 2*j+1)
		d1 ^= c.fo(d0, 2*j)
		d0 = c.flInvEven(d0, j)
		d1 = c.flInvOdd(d1, j)
	}

	// The plaintext is D0 || D1.
	binary.BigEndian.PutUint32(dst[0:4], d0)
	binary.BigEndian.PutUint32(dst[4:8], d1)
}

// fo is function FO of RFC 2994 for round k (0..7): a three-round Feistel network on the two
// 16-bit halves of x, each round an FI, with KOi1..KOi4 = EK[k], EK[k+2], EK[k+7], EK[k+4] and
// KIi1..KIi3 = K'[k+5], K'[k+1], K'[k+3] (indices mod 8).
func (c *misty1Cipher) fo(x uint32, k int) uint32 {
	t0 := uint16(x >> 16)
	t1 := uint16(x)
	ki := (k + 5) & 7
	t0 = misty1FI(t0^c.ek[k&7], c.ek[ki+24], c.ek[ki+16]) ^ t1
	ki = (k + 1) & 7
	t1 = misty1FI(t1^c.ek[(k+2)&7], c.ek[ki+24], c.ek[ki+16]) ^ t0
	ki = (k + 3) & 7
	t0 = misty1FI(t0^c.ek[(k+7)&7], c.ek[ki+24], c.ek[ki+16]) ^ t1
	t1 ^= c.ek[(k+4)&7]
	return uint32(t1)<<16 | uint32(t0)
}

// The FL (and FLINV) functions are numbered k = 0..9 in RFC 2994. Number k = 2j (j = 0..4)
// takes KLi1 = EK[j] and KLi2 = K'[j+6]; number k = 2j+1 takes KLi1 = K'[j+2] and
// KLi2 = EK[j+4], K' indices mod 8.

// flEven is FL number 2j on x.
func (c *misty1Cipher) flEven(x uint32, j int) uint32 {
	return misty1FL(x, c.ek[j&7], c.ek[(j+6)&7+8])
}

// flOdd is FL number 2j+1 on x.
func (c *misty1Cipher) flOdd(x uint32, j int) uint32 {
	return misty1FL(x, c.ek[(j+2)&7+8], c.ek[(j+4)&7])
}

// flInvEven is FLINV number 2j on x.
func (c *misty1Cipher) flInvEven(x uint32, j int) uint32 {
	return misty1FLInv(x, c.ek[j&7], c.ek[(j+6)&7+8])
}

// flInvOdd is FLINV number 2j+1 on x.
func (c *misty1Cipher) flInvOdd(x uint32, j int) uint32 {
	return misty1FLInv(x, c.ek[(j+2)&7+8], c.ek[(j+4)&7])
}

// misty1FL is function FL of RFC 2994: it mixes the two 16-bit halves of x under KLi1 and
// KLi2 with AND, OR and XOR.
func misty1FL(x uint32, kl1, kl2 uint16) uint32 {
	d0 := uint16(x >> 16)
	d1 := uint16(x)
	d1 ^= d0 & kl1
	d0 ^= d1 | kl2
	return uint32(d0)<<16 | uint32(d1)
}

// misty1FLInv is function FLINV of RFC 2994, the inverse of FL under the same KLi1 and KLi2.
func misty1FLInv(x uint32, kl1, kl2 uint16) uint32 {
	d0 := uint16(x >> 16)
	d1 := uint16(x)
	d0 ^= d1 | kl2
	d1 ^= d0 & kl1
	return uint32(d0)<<16 | uint32(d1)
}

// misty1FI is function FI of RFC 2994 on the 16-bit input x under a 16-bit key given split into
// its high 7 bits (ki7) and low 9 bits (ki9). The input splits into a 9-bit half d9 (high) and
// a 7-bit half d7 (low) that pass through S9, S7 and S9 in turn.
func misty1FI(x, ki7, ki9 uint16) uint16 {
	d9 := x >> 7
	d7 := x & 0x7f
	d9 = misty1S9[d9&0x1ff] ^ d7
	d7 = (uint16(misty1S7[d7]) ^ d9) & 0x7f
	d7 ^= ki7
	d9 ^= ki9
	d9 = misty1S9[d9&0x1ff] ^ d7
	return d7<<9 | d9
}

// misty1S7 is the 7-bit S-box S7 of RFC 2994 (S7TABLE), in decimal, 16 entries a line.
var misty1S7 = [128]uint8{
	27, 50, 51, 90, 59, 16, 23, 84, 91, 26, 114, 115, 107, 44, 102, 73,
	31, 36, 19, 108, 55, 46, 63, 74, 93, 15, 64, 86, 37, 81, 28, 4,
	11, 70, 32, 13, 123, 53, 68, 66, 43, 30, 65, 20, 75, 121, 21, 111,
	14, 85, 9, 54, 116, 12, 103, 83, 40, 10, 126, 56, 2, 7, 96, 41,
	25, 18, 101, 47, 48, 57, 8, 104, 95, 120, 42, 76, 100, 69, 117, 61,
	89, 72, 3, 87, 124, 79, 98, 60, 29, 33, 94, 39, 106, 112, 77, 58,
	1, 109, 110, 99, 24, 119, 35, 5, 38, 118, 0, 49, 45, 122, 127, 97,
	80, 34, 17, 6, 71, 22, 82, 78, 113, 62, 105, 67, 52, 92, 88, 125,
}

// misty1S9 is the 9-bit S-box S9 of RFC 2994 (S9TABLE), in decimal, 16 entries a line.
var misty1S9 = [512]uint16{
	451, 203, 339, 415, 483, 233, 251, 53, 385, 185, 279, 491, 307, 9, 45, 211,
	199, 330, 55, 126, 235, 356, 403, 472, 163, 286, 85, 44, 29, 418, 355, 280,
	331, 338, 466, 15, 43, 48, 314, 229, 273, 312, 398, 99, 227, 200, 500, 27,
	1, 157, 248, 416, 365, 499, 28, 326, 125, 209, 130, 490, 387, 301, 244, 414,
	467, 221, 482, 296, 480, 236, 89, 145, 17, 303, 38, 220, 176, 396, 271, 503,
	231, 364, 182, 249, 216, 337, 257, 332, 259, 184, 340, 299, 430, 23, 113, 12,
	71, 88, 127, 420, 308, 297, 132, 349, 413, 434, 419, 72, 124, 81, 458, 35,
	317, 423, 357, 59, 66, 218, 402, 206, 193, 107, 159, 497, 300, 388, 250, 406,
	481, 361, 381, 49, 384, 266, 148, 474, 390, 318, 284, 96, 373, 463, 103, 281,
	101, 104, 153, 336, 8, 7, 380, 183, 36, 25, 222, 295, 219, 228, 425, 82,
	265, 144, 412, 449, 40, 435, 309, 362, 374, 223, 485, 392, 197, 366, 478, 433,
	195, 479, 54, 238, 494, 240, 147, 73, 154, 438, 105, 129, 293, 11, 94, 180,
	329, 455, 372, 62, 315, 439, 142, 454, 174, 16, 149, 495, 78, 242, 509, 133,
	253, 246, 160, 367, 131, 138, 342, 155, 316, 263, 359, 152, 464, 489, 3, 510,
	189, 290, 137, 210, 399, 18, 51, 106, 322, 237, 368, 283, 226, 335, 344, 305,
	327, 93, 275, 461, 121, 353, 421, 377, 158, 436, 204, 34, 306, 26, 232, 4,
	391, 493, 407, 57, 447, 471, 39, 395, 198, 156, 208, 334, 108, 52, 498, 110,
	202, 37, 186, 401, 254, 19, 262, 47, 429, 370, 475, 192, 267, 470, 245, 492,
	269, 118, 276, 427, 117, 268, 484, 345, 84, 287, 75, 196, 446, 247, 41, 164,
	14, 496, 119, 77, 378, 134, 139, 179, 369, 191, 270, 260, 151, 347, 352, 360,
	215, 187, 102, 462, 252, 146, 453, 111, 22, 74, 161, 313, 175, 241, 400, 10,
	426, 323, 379, 86, 397, 358, 212, 507, 333, 404, 410, 135, 504, 291, 167, 440,
	321, 60, 505, 320, 42, 341, 282, 417, 408, 213, 294, 431, 97, 302, 343, 476,
	114, 394, 170, 150, 277, 239, 69, 123, 141, 325, 83, 95, 376, 178, 46, 32,
	469, 63, 457, 487, 428, 68, 56, 20, 177, 363, 171, 181, 90, 386, 456, 468,
	24, 375, 100, 207, 109, 256, 409, 304, 346, 5, 288, 443, 445, 224, 79, 214,
	319, 452, 298, 21, 6, 255, 411, 166, 67, 136, 80, 351, 488, 289, 115, 382,
	188, 194, 201, 371, 393, 501, 116, 460, 486, 424, 405, 31, 65, 13, 442, 50,
	61, 465, 128, 168, 87, 441, 354, 328, 217, 261, 98, 122, 33, 511, 274, 264,
	448, 169, 285, 432, 422, 205, 243, 92, 258, 91, 473, 324, 502, 173, 165, 58,
	459, 310, 383, 70, 225, 30, 477, 230, 311, 506, 389, 140, 143, 64, 437, 190,
	120, 0, 172, 272, 350, 292, 2, 444, 162, 234, 112, 508, 278, 348, 76, 450,
}
