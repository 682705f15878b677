package sts

import (
	"encoding/hex"
	"testing"
)

// staReference is docs/sts.md §7 written literally, bit by bit: the table-driven cipher must agree.
func staReference(key, d uint64) uint64 {
	k := ^key
	k = k>>12 | k<<52
	for range staRounds {
		var out uint64
		for n := range 16 {
			v := d >> (4 * n) & 15
			if k>>(4*n+3)&1 == 0 {
				out |= uint64(staS1[v]) << (4 * n)
			} else {
				out |= uint64(staS2[v]) << (4 * n)
			}
		}
		d = 0
		for i := range 64 {
			d |= (out >> i & 1) << staPerm[i]
		}
		k = k<<1 | k>>63
	}
	return d
}

func TestSTAMatchesReference(t *testing.T) {
	key, _ := hex.DecodeString("e653341f9d5bf36f")
	c, err := NewSTA(key)
	if err != nil {
		t.Fatal(err)
	}
	// CTSA01 step 1 (docs/sts.md §7).
	var ct [8]byte
	c.Encrypt(ct[:], []byte{0x05, 0x59, 0x98, 0x63, 0x00, 0x01, 0x19, 0xe6})
	if got := hex.EncodeToString(ct[:]); got != "492083c0ae7ce455" {
		t.Fatalf("CTSA01: got %s, want 492083c0ae7ce455", got)
	}
	x := uint64(0x05599863000119e6)
	for i := range 2000 {
		var src, dst, back [8]byte
		for b := range 8 {
			src[b] = byte(x >> (56 - 8*b))
		}
		c.Encrypt(dst[:], src[:])
		want := staReference(0xe653341f9d5bf36f, x)
		got := uint64(0)
		for b := range 8 {
			got = got<<8 | uint64(dst[b])
		}
		if got != want {
			t.Fatalf("block %d: got %016x, want %016x", i, got, want)
		}
		c.Decrypt(back[:], dst[:])
		if back != src {
			t.Fatalf("block %d: decrypt got %x, want %x", i, back, src)
		}
		x = x*6364136223846793005 + 1442695040888963407
	}
}
