package sts_test

import (
	"bytes"
	"crypto/cipher"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/vendgate/vendgate/sts"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func newMISTY1(t testing.TB, key []byte) cipher.Block {
	t.Helper()
	c, err := sts.NewMISTY1(key)
	if err != nil {
		t.Fatalf("NewMISTY1(%x): %v", key, err)
	}
	return c
}

// misty1KAT are known-answer vectors: key, plaintext and ciphertext as big-endian hex.
var misty1KAT = []struct {
	source     string
	key        string
	plaintext  string
	ciphertext string
}{
	{"RFC 2994, section 'Test Data'", "00112233445566778899aabbccddeeff", "0123456789abcdef", "8b1da5f56ab3d07c"},
	{"RFC 2994, section 'Test Data'", "00112233445566778899aabbccddeeff", "fedcba9876543210", "04b68240b13be95d"},
}

func TestMISTY1_KnownAnswers(t *testing.T) {
	for _, v := range misty1KAT {
		key := mustHex(t, v.key)
		pt := mustHex(t, v.plaintext)
		ct := mustHex(t, v.ciphertext)
		c := newMISTY1(t, key)

		t.Run("encrypts "+v.plaintext+" to "+v.ciphertext, func(t *testing.T) {
			got := make([]byte, 8)
			c.Encrypt(got, pt)
			if !bytes.Equal(got, ct) {
				t.Errorf("%s: Encrypt(%x) got %x, want %x", v.source, pt, got, ct)
			}
		})
		t.Run("decrypts "+v.ciphertext+" to "+v.plaintext, func(t *testing.T) {
			got := make([]byte, 8)
			c.Decrypt(got, ct)
			if !bytes.Equal(got, pt) {
				t.Errorf("%s: Decrypt(%x) got %x, want %x", v.source, ct, got, pt)
			}
		})
		t.Run("encrypts "+v.plaintext+" in place", func(t *testing.T) {
			buf := bytes.Clone(pt)
			c.Encrypt(buf, buf)
			if !bytes.Equal(buf, ct) {
				t.Errorf("%s: in-place Encrypt(%x) got %x, want %x", v.source, pt, buf, ct)
			}
		})
		t.Run("decrypts "+v.ciphertext+" in place", func(t *testing.T) {
			buf := bytes.Clone(ct)
			c.Decrypt(buf, buf)
			if !bytes.Equal(buf, pt) {
				t.Errorf("%s: in-place Decrypt(%x) got %x, want %x", v.source, ct, buf, pt)
			}
		})
		t.Run("leaves src of "+v.plaintext+" unchanged", func(t *testing.T) {
			src := bytes.Clone(pt)
			c.Encrypt(make([]byte, 8), src)
			if !bytes.Equal(src, pt) {
				t.Errorf("%s: src after Encrypt got %x, want %x", v.source, src, pt)
			}
		})
	}
}

func TestMISTY1_BlockSize(t *testing.T) {
	c := newMISTY1(t, make([]byte, 16))
	if got, want := c.BlockSize(), 8; got != want {
		t.Errorf("BlockSize() got %d, want %d", got, want)
	}
}

func TestMISTY1_RandomRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(2994, 11))
	key := make([]byte, 16)
	pt := make([]byte, 8)
	ct := make([]byte, 8)
	back := make([]byte, 8)
	for range 1000 {
		binary.BigEndian.PutUint64(key[0:8], r.Uint64())
		binary.BigEndian.PutUint64(key[8:16], r.Uint64())
		binary.BigEndian.PutUint64(pt, r.Uint64())
		c := newMISTY1(t, key)
		c.Encrypt(ct, pt)
		c.Decrypt(back, ct)
		if !bytes.Equal(back, pt) {
			t.Fatalf("key %x: Decrypt(Encrypt(%x)) got %x, want %x", key, pt, back, pt)
		}
	}
}

func TestNewMISTY1_KeySize(t *testing.T) {
	for _, n := range []int{0, 8, 15, 17} {
		t.Run("rejects "+strconv.Itoa(n)+"-byte key", func(t *testing.T) {
			c, err := sts.NewMISTY1(make([]byte, n))
			var kse sts.KeySizeError
			if !errors.As(err, &kse) {
				t.Fatalf("NewMISTY1(%d bytes) error got %v, want a KeySizeError", n, err)
			}
			if int(kse) != n {
				t.Errorf("KeySizeError got %d, want %d", int(kse), n)
			}
			if c != nil {
				t.Errorf("cipher got %v, want nil", c)
			}
		})
	}
	t.Run("accepts 16-byte key", func(t *testing.T) {
		if _, err := sts.NewMISTY1(make([]byte, 16)); err != nil {
			t.Errorf("NewMISTY1(16 bytes) error got %v, want nil", err)
		}
	})
}

func TestMISTY1_ShortBuffers(t *testing.T) {
	c := newMISTY1(t, make([]byte, 16))
	full := make([]byte, 8)
	short := make([]byte, 7)
	cases := []struct {
		name string
		call func()
		want string
	}{
		{"Encrypt panics on short src", func() { c.Encrypt(full, short) }, "sts/misty1: input not full block"},
		{"Encrypt panics on short dst", func() { c.Encrypt(short, full) }, "sts/misty1: output not full block"},
		{"Decrypt panics on short src", func() { c.Decrypt(full, short) }, "sts/misty1: input not full block"},
		{"Decrypt panics on short dst", func() { c.Decrypt(short, full) }, "sts/misty1: output not full block"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				got := recover()
				if got != tc.want {
					t.Errorf("panic got %v, want %q", got, tc.want)
				}
			}()
			tc.call()
		})
	}
}

func TestMISTY1_ZeroAllocs(t *testing.T) {
	c := newMISTY1(t, mustHex(t, "00112233445566778899aabbccddeeff"))
	buf := mustHex(t, "0123456789abcdef")
	t.Run("Encrypt does not allocate", func(t *testing.T) {
		if got := testing.AllocsPerRun(100, func() { c.Encrypt(buf, buf) }); got != 0 {
			t.Errorf("allocs per Encrypt got %v, want 0", got)
		}
	})
	t.Run("Decrypt does not allocate", func(t *testing.T) {
		if got := testing.AllocsPerRun(100, func() { c.Decrypt(buf, buf) }); got != 0 {
			t.Errorf("allocs per Decrypt got %v, want 0", got)
		}
	})
}

func BenchmarkMISTY1Encrypt(b *testing.B) {
	c := newMISTY1(b, mustHex(b, "00112233445566778899aabbccddeeff"))
	buf := mustHex(b, "0123456789abcdef")
	b.SetBytes(8)
	b.ReportAllocs()
	for b.Loop() {
		c.Encrypt(buf, buf)
	}
}

func BenchmarkMISTY1Decrypt(b *testing.B) {
	c := newMISTY1(b, mustHex(b, "00112233445566778899aabbccddeeff"))
	buf := mustHex(b, "8b1da5f56ab3d07c")
	b.SetBytes(8)
	b.ReportAllocs()
	for b.Loop() {
		c.Decrypt(buf, buf)
	}
}
