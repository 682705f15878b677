package sts

import "testing"

// TestMISTY1SBoxes checks properties every correct copy of RFC 2994's S7 and S9 has: each is a
// permutation, and each has the algebraic degree the design gives it (S7 cubic, S9 quadratic, as
// Boolean functions of the input bits). A mistyped entry breaks both with near certainty, including
// entries the known-answer vectors never reach.
func TestMISTY1SBoxes(t *testing.T) {
	check := func(name string, bits int, sbox func(int) int, wantDegree int) {
		n := 1 << bits
		seen := make([]bool, n)
		for x := range n {
			y := sbox(x)
			if y < 0 || y >= n || seen[y] {
				t.Fatalf("%s: got a repeated or out-of-range output %d at %d, want a permutation", name, y, x)
			}
			seen[y] = true
		}
		// The algebraic normal form of each output bit by the Möbius transform; the degree is the
		// largest weight of a monomial with a non-zero coefficient.
		degree := 0
		for bit := range bits {
			anf := make([]int, n)
			for x := range n {
				anf[x] = sbox(x) >> bit & 1
			}
			for i := 0; i < bits; i++ {
				for x := range n {
					if x>>i&1 == 1 {
						anf[x] ^= anf[x^1<<i]
					}
				}
			}
			for x, c := range anf {
				if c == 1 {
					w := 0
					for v := x; v != 0; v &= v - 1 {
						w++
					}
					degree = max(degree, w)
				}
			}
		}
		if degree != wantDegree {
			t.Fatalf("%s: got algebraic degree %d, want %d", name, degree, wantDegree)
		}
	}
	check("S7", 7, func(x int) int { return int(misty1S7[x]) }, 3)
	check("S9", 9, func(x int) int { return int(misty1S9[x]) }, 2)
}
