package sts_test

import (
	"bytes"
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/vendgate/vendgate/sts"
)

// blockCipherCase is one cipher.Block constructor the package offers, with its key length.
type blockCipherCase struct {
	name    string
	keySize int
	newFn   func(key []byte) (cipher.Block, error)
	// badKeySizes are key lengths the constructor must refuse with a KeySizeError.
	badKeySizes []int
}

func newCipherFor(ea sts.EA) func([]byte) (cipher.Block, error) {
	return func(key []byte) (cipher.Block, error) { return sts.NewCipher(ea, key) }
}

// blockCipherCases lists every cipher.Block of the package: the constructors and sts.NewCipher
// for each EA. EA09 (DEA) is unverified (docs/sts.md §7); only the cipher.Block contract is checked.
var blockCipherCases = []blockCipherCase{
	{"STA", 8, sts.NewSTA, []int{0, 1, 7, 9, 16}},
	{"MISTY1", 16, sts.NewMISTY1, []int{0, 8, 15, 17, 24, 32}},
	{"DEA", 8, sts.NewDEA, []int{0, 7, 9, 16, 24}},
	{"EA07", 8, newCipherFor(sts.EA07), []int{0, 7, 9, 16}},
	{"EA09", 8, newCipherFor(sts.EA09), []int{0, 7, 9, 16, 24}},
	{"EA11", 16, newCipherFor(sts.EA11), []int{0, 8, 15, 17}},
}

func (cc blockCipherCase) mustNew(tb testing.TB, key []byte) cipher.Block {
	tb.Helper()
	c, err := cc.newFn(key)
	if err != nil {
		tb.Fatalf("%s(%x): %v", cc.name, key, err)
	}
	return c
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// TestCipherConformance runs one cipher.Block conformance suite against every cipher.
func TestCipherConformance(t *testing.T) {
	for ci, cc := range blockCipherCases {
		t.Run(cc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(62055, uint64(ci)))
			key := randBytes(r, cc.keySize)
			c := cc.mustNew(t, key)

			t.Run("BlockSize8", func(t *testing.T) {
				if got := c.BlockSize(); got != 8 {
					t.Errorf("BlockSize(): got %d, want 8", got)
				}
			})

			t.Run("RoundTrip", func(t *testing.T) {
				ct := make([]byte, 8)
				back := make([]byte, 8)
				for range 1000 {
					key := randBytes(r, cc.keySize)
					pt := randBytes(r, 8)
					c := cc.mustNew(t, key)
					c.Encrypt(ct, pt)
					c.Decrypt(back, ct)
					if !bytes.Equal(back, pt) {
						t.Fatalf("key %x: Decrypt(Encrypt(%x)): got %x, want %x", key, pt, back, pt)
					}
				}
			})

			t.Run("InPlace", func(t *testing.T) {
				for range 100 {
					pt := randBytes(r, 8)
					want := make([]byte, 8)
					c.Encrypt(want, pt)
					buf := bytes.Clone(pt)
					c.Encrypt(buf, buf)
					if !bytes.Equal(buf, want) {
						t.Fatalf("in-place Encrypt(%x): got %x, want %x", pt, buf, want)
					}
					c.Decrypt(buf, buf)
					if !bytes.Equal(buf, pt) {
						t.Fatalf("in-place Decrypt(%x): got %x, want %x", want, buf, pt)
					}
				}
			})

			t.Run("SrcUnchanged", func(t *testing.T) {
				pt := randBytes(r, 8)
				src := bytes.Clone(pt)
				dst := make([]byte, 8)
				c.Encrypt(dst, src)
				if !bytes.Equal(src, pt) {
					t.Errorf("src after Encrypt: got %x, want %x", src, pt)
				}
				c.Decrypt(make([]byte, 8), src)
				if !bytes.Equal(src, pt) {
					t.Errorf("src after Decrypt: got %x, want %x", src, pt)
				}
			})

			t.Run("Deterministic", func(t *testing.T) {
				for range 100 {
					pt := randBytes(r, 8)
					a, b := make([]byte, 8), make([]byte, 8)
					c.Encrypt(a, pt)
					c.Encrypt(b, pt)
					if !bytes.Equal(a, b) {
						t.Fatalf("Encrypt(%x) twice: got %x and %x, want equal", pt, a, b)
					}
					// A second cipher under the same key agrees.
					c.Encrypt(a, pt)
					cc.mustNew(t, key).Encrypt(b, pt)
					if !bytes.Equal(a, b) {
						t.Fatalf("Encrypt(%x) by two ciphers under key %x: got %x and %x, want equal", pt, key, a, b)
					}
				}
			})

			t.Run("KeyChangesCiphertext", func(t *testing.T) {
				same := 0
				for range 1000 {
					k1 := randBytes(r, cc.keySize)
					k2 := randBytes(r, cc.keySize)
					if bytes.Equal(k1, k2) {
						continue
					}
					pt := randBytes(r, 8)
					a, b := make([]byte, 8), make([]byte, 8)
					cc.mustNew(t, k1).Encrypt(a, pt)
					cc.mustNew(t, k2).Encrypt(b, pt)
					if bytes.Equal(a, b) {
						same++
					}
				}
				if same > 0 {
					t.Errorf("different keys gave the same ciphertext: got %d of 1000, want 0", same)
				}
			})

			t.Run("PlaintextBitChangesCiphertext", func(t *testing.T) {
				for range 20 {
					pt := randBytes(r, 8)
					base := make([]byte, 8)
					c.Encrypt(base, pt)
					for bit := range 64 {
						flipped := bytes.Clone(pt)
						flipped[bit/8] ^= 1 << (bit % 8)
						got := make([]byte, 8)
						c.Encrypt(got, flipped)
						if bytes.Equal(got, base) {
							t.Fatalf("plaintext %x with bit %d flipped: got ciphertext %x, want a different one", pt, bit, got)
						}
					}
				}
			})

			t.Run("PanicShortBuffer", func(t *testing.T) {
				full := make([]byte, 8)
				for _, n := range []int{0, 7} {
					short := make([]byte, n)
					calls := []struct {
						name string
						call func()
					}{
						{"Encrypt short src", func() { c.Encrypt(full, short) }},
						{"Encrypt short dst", func() { c.Encrypt(short, full) }},
						{"Decrypt short src", func() { c.Decrypt(full, short) }},
						{"Decrypt short dst", func() { c.Decrypt(short, full) }},
					}
					for _, call := range calls {
						if !panics(call.call) {
							t.Errorf("%s of %d bytes: got no panic, want a panic", call.name, n)
						}
					}
				}
			})

			t.Run("ErrKeySize", func(t *testing.T) {
				for _, n := range cc.badKeySizes {
					got, err := cc.newFn(make([]byte, n))
					var kse sts.KeySizeError
					if !errors.As(err, &kse) {
						t.Errorf("%d-byte key: got error %v, want a sts.KeySizeError", n, err)
						continue
					}
					if int(kse) != n {
						t.Errorf("%d-byte key: got KeySizeError(%d), want KeySizeError(%d)", n, int(kse), n)
					}
					if got != nil {
						t.Errorf("%d-byte key: got cipher %v, want nil", n, got)
					}
				}
				if _, err := cc.newFn(nil); err == nil {
					t.Errorf("nil key: got nil error, want a KeySizeError")
				}
			})

			t.Run("ZeroAllocs", func(t *testing.T) {
				src := randBytes(r, 8)
				dst := make([]byte, 8)
				if got := testing.AllocsPerRun(100, func() { c.Encrypt(dst, src) }); got != 0 {
					t.Errorf("allocs per Encrypt: got %v, want 0", got)
				}
				if got := testing.AllocsPerRun(100, func() { c.Decrypt(dst, src) }); got != 0 {
					t.Errorf("allocs per Decrypt: got %v, want 0", got)
				}
				if got := testing.AllocsPerRun(100, func() { c.Encrypt(src, src) }); got != 0 {
					t.Errorf("allocs per in-place Encrypt: got %v, want 0", got)
				}
			})
		})
	}
}

func panics(f func()) (panicked bool) {
	defer func() {
		if recover() != nil {
			panicked = true
		}
	}()
	f()
	return false
}

func TestNewCipher(t *testing.T) {
	t.Run("ErrUnknownEA", func(t *testing.T) {
		for _, ea := range []sts.EA{0, 1, 8, 10, 12, 255} {
			c, err := sts.NewCipher(ea, make([]byte, 8))
			if err == nil || c != nil {
				t.Errorf("NewCipher(%d): got %v, %v, want nil and an error", uint8(ea), c, err)
			}
			var kse sts.KeySizeError
			if errors.As(err, &kse) {
				t.Errorf("NewCipher(%d): got KeySizeError, want an unknown-algorithm error", uint8(ea))
			}
		}
	})
	t.Run("SameAsConstructor", func(t *testing.T) {
		r := rand.New(rand.NewPCG(7, 11))
		pairs := []struct {
			ea   sts.EA
			ctor func([]byte) (cipher.Block, error)
		}{{sts.EA07, sts.NewSTA}, {sts.EA09, sts.NewDEA}, {sts.EA11, sts.NewMISTY1}}
		for _, p := range pairs {
			if got, want := p.ea.KeySize(), map[sts.EA]int{sts.EA07: 8, sts.EA09: 8, sts.EA11: 16}[p.ea]; got != want {
				t.Errorf("EA%s.KeySize(): got %d, want %d", p.ea, got, want)
			}
			key := randBytes(r, p.ea.KeySize())
			a, err := sts.NewCipher(p.ea, key)
			if err != nil {
				t.Fatal(err)
			}
			b, err := p.ctor(key)
			if err != nil {
				t.Fatal(err)
			}
			pt := randBytes(r, 8)
			ga, gb := make([]byte, 8), make([]byte, 8)
			a.Encrypt(ga, pt)
			b.Encrypt(gb, pt)
			if !bytes.Equal(ga, gb) {
				t.Errorf("EA%s: NewCipher got %x, constructor got %x, want equal", p.ea, ga, gb)
			}
		}
	})
}

// TestSTAKnownAnswer is CTSA01 step 1 of STS 531-1-0-02 as given in docs/sts.md §7.
func TestSTAKnownAnswer(t *testing.T) {
	const (
		source = "docs/sts.md §7, CTSA01 step 1 (STS 531-1-0-02 via NectarAPI/tokens-service)"
		key    = "e653341f9d5bf36f"
		pt     = "05599863000119e6"
		ct     = "492083c0ae7ce455"
	)
	for _, tc := range []struct {
		name  string
		newFn func([]byte) (cipher.Block, error)
	}{{"NewSTA", sts.NewSTA}, {"NewCipherEA07", newCipherFor(sts.EA07)}} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := tc.newFn(mustHex(t, key))
			if err != nil {
				t.Fatal(err)
			}
			got := make([]byte, 8)
			c.Encrypt(got, mustHex(t, pt))
			if fmt.Sprintf("%x", got) != ct {
				t.Errorf("%s: Encrypt(%s): got %x, want %s", source, pt, got, ct)
			}
			c.Decrypt(got, mustHex(t, ct))
			if fmt.Sprintf("%x", got) != pt {
				t.Errorf("%s: Decrypt(%s): got %x, want %s", source, ct, got, pt)
			}
		})
	}
}

// benchBlockCipher measures one Encrypt or Decrypt of a single block, in place.
func benchBlockCipher(b *testing.B, newFn func([]byte) (cipher.Block, error), keySize int, decrypt bool) {
	key := make([]byte, keySize)
	for i := range key {
		key[i] = byte(0x11 * (i + 1))
	}
	c, err := newFn(key)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 8)
	binary.BigEndian.PutUint64(buf, 0x05599863000119e6)
	op := c.Encrypt
	if decrypt {
		op = c.Decrypt
	}
	b.SetBytes(8)
	b.ReportAllocs()
	for b.Loop() {
		op(buf, buf)
	}
}

func BenchmarkCipher(b *testing.B) {
	for _, cc := range blockCipherCases[:3] { // STA, MISTY1, DEA
		b.Run(cc.name, func(b *testing.B) {
			b.Run("Encrypt", func(b *testing.B) { benchBlockCipher(b, cc.newFn, cc.keySize, false) })
			b.Run("Decrypt", func(b *testing.B) { benchBlockCipher(b, cc.newFn, cc.keySize, true) })
		})
	}
}
