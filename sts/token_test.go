package sts_test

import (
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/vendgate/vendgate/sts"
)

// tokenDigits builds the 20-digit token of a class and an encrypted block as docs/sts.md §1 step 3
// describes it, with math/big, independently of the package's own transposition.
func tokenDigits(class sts.Class, e uint64) string {
	b28, b27 := e>>28&1, e>>27&1
	lo := e&^(3<<27) | uint64(class&3)<<27
	t := new(big.Int).SetUint64(b28<<1 | b27)
	t.Lsh(t, 64)
	t.Or(t, new(big.Int).SetUint64(lo))
	return fmt.Sprintf("%020s", t.String())
}

// tokenFromBlock encrypts a plaintext block with c (nil for class 1) and returns its token,
// without going through sts.Encode: for tokens Encode refuses to build.
func tokenFromBlock(tb testing.TB, class sts.Class, block uint64, c interface{ Encrypt(dst, src []byte) }) sts.Token {
	tb.Helper()
	e := block
	if c != nil {
		var buf [8]byte
		for i := range buf {
			buf[i] = byte(block >> (56 - 8*i))
		}
		c.Encrypt(buf[:], buf[:])
		e = 0
		for _, x := range buf {
			e = e<<8 | uint64(x)
		}
	}
	t, err := sts.ParseToken(tokenDigits(class, e))
	if err != nil {
		tb.Fatalf("ParseToken(%s): %v", tokenDigits(class, e), err)
	}
	return t
}

func TestParseToken(t *testing.T) {
	// CTSA02 of STS 531-1-0-02 (docs/sts.md §3, class 1 example).
	const ctsa02 = "56493153725450313471"
	ok := []struct {
		name, in, want string
	}{
		{"OK", ctsa02, ctsa02},
		{"OKDashes", "5649-3153-7254-5031-3471", ctsa02},
		{"OKSpaces", "5649 3153 7254 5031 3471", ctsa02},
		{"OKMixedSeparators", " 5649-3153 7254--5031  3471 ", ctsa02},
		{"OKZero", "00000000000000000000", "00000000000000000000"},
		{"OKMax", "73786976294838206463", "73786976294838206463"}, // 2^66 - 1
		{"OKMaxDisplay", "7378-6976-2948-3820-6463", "73786976294838206463"},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := sts.ParseToken(tc.in)
			if err != nil {
				t.Fatalf("ParseToken(%q): got error %v, want nil", tc.in, err)
			}
			if got := tok.String(); got != tc.want {
				t.Errorf("ParseToken(%q).String(): got %s, want %s", tc.in, got, tc.want)
			}
		})
	}

	bad := []struct {
		name, in string
		// wantText is a fragment of the error that names the problem.
		wantText string
	}{
		{"ErrEmpty", "", "0 digits"},
		{"ErrOnlySeparators", "---- ----", "0 digits"},
		{"Err19Digits", "5649315372545031347", "19 digits"},
		{"Err21Digits", "564931537254503134712", "21 digits"},
		{"Err40Digits", ctsa02 + ctsa02, "40 digits"},
		{"ErrLetter", "5649315372545031347a", "character 20"},
		{"ErrLetterO", "5649-3153-7254-5O31-3471", "character 17"},
		{"ErrPlus", "+56493153725450313471", "character 1"},
		{"ErrTab", "5649\t3153725450313471", "character 5"},
		{"ErrUnicodeDigit", "５6493153725450313471", "character 1"},
		{"ErrPow66", "73786976294838206464", "2^66"},
		{"ErrPow66Display", "7378-6976-2948-3820-6464", "2^66"},
		{"ErrAllNines", "99999999999999999999", "2^66"},
		{"ErrJustAbove2Pow64Times4", "73786976294838206465", "2^66"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := sts.ParseToken(tc.in)
			if !errors.Is(err, sts.ErrFormat) {
				t.Fatalf("ParseToken(%q): got %v, %v, want an error wrapping sts.ErrFormat", tc.in, tok, err)
			}
			if tok != (sts.Token{}) {
				t.Errorf("ParseToken(%q): got token %s with the error, want the zero token", tc.in, tok)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.wantText) {
				t.Errorf("ParseToken(%q): got error %q, want it to mention %q", tc.in, msg, tc.wantText)
			}
			// The token is a secret until entered: the error must not repeat it.
			digits := strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' {
					return r
				}
				return -1
			}, tc.in)
			if len(digits) >= 8 && strings.Contains(msg, digits) {
				t.Errorf("ParseToken(%q): error %q contains the input digits", tc.in, msg)
			}
			if len(digits) >= 8 && strings.Contains(msg, digits[:8]) {
				t.Errorf("ParseToken(%q): error %q contains the first 8 input digits", tc.in, msg)
			}
		})
	}
}

func TestMustParseToken(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		if got := sts.MustParseToken("5649-3153-7254-5031-3471").String(); got != "56493153725450313471" {
			t.Errorf("got %s, want 56493153725450313471", got)
		}
	})
	t.Run("PanicErrFormat", func(t *testing.T) {
		defer func() {
			err, _ := recover().(error)
			if !errors.Is(err, sts.ErrFormat) {
				t.Errorf("got panic %v, want an error wrapping sts.ErrFormat", err)
			}
		}()
		sts.MustParseToken("123")
	})
}

func TestTokenStringDisplay(t *testing.T) {
	// Tokens across the whole 66-bit range, checked against math/big.
	r := rand.New(rand.NewPCG(66, 20))
	check := func(t *testing.T, s string) {
		t.Helper()
		tok, err := sts.ParseToken(s)
		if err != nil {
			t.Fatalf("ParseToken(%s): %v", s, err)
		}
		if got := tok.String(); got != s {
			t.Fatalf("String(): got %s, want %s", got, s)
		}
		disp := tok.Display()
		want := s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20]
		if disp != want {
			t.Fatalf("Display(): got %s, want %s", disp, want)
		}
		back, err := sts.ParseToken(disp)
		if err != nil || back != tok {
			t.Fatalf("ParseToken(Display()): got %v, %v, want %s", back, err, s)
		}
	}
	t.Run("OKEdges", func(t *testing.T) {
		for _, s := range []string{
			"00000000000000000000", "00000000000000000001", "00000000009999999999",
			"00000000010000000000", "18446744073709551615", "18446744073709551616",
			"36893488147419103231", "36893488147419103232", "73786976294838206463",
		} {
			check(t, s)
		}
	})
	t.Run("OKRandom", func(t *testing.T) {
		for range 10000 {
			check(t, tokenDigits(sts.Class(r.IntN(4)), r.Uint64()))
			// Also uniformly random over [0, 2^66).
			n := new(big.Int).SetUint64(r.Uint64N(4))
			n.Lsh(n, 64).Or(n, new(big.Int).SetUint64(r.Uint64()))
			check(t, fmt.Sprintf("%020s", n.String()))
		}
	})
	t.Run("OKZeroValue", func(t *testing.T) {
		var tok sts.Token
		if got := tok.String(); got != "00000000000000000000" {
			t.Errorf("zero Token String(): got %s, want 00000000000000000000", got)
		}
		if got := tok.Display(); got != "0000-0000-0000-0000-0000" {
			t.Errorf("zero Token Display(): got %s, want 0000-0000-0000-0000-0000", got)
		}
	})
}

// TestTokenClassCipher checks Class and Cipher on the published vectors (testdata, STS 531-1-0-02
// and -04 as transcribed by NectarAPI/tokens-service).
func TestTokenClassCipher(t *testing.T) {
	for _, v := range loadVectors(t) {
		tok, err := sts.ParseToken(v.Token)
		if err != nil {
			t.Fatalf("%s: ParseToken: %v", v.ID, err)
		}
		if got := tok.Class(); got != sts.Class(v.Class) {
			t.Errorf("%s: Class(): got %d, want %d", v.ID, got, v.Class)
		}
		if got := hex16(tok.Cipher()); got != v.Encrypted {
			t.Errorf("%s: Cipher(): got %s, want %s", v.ID, got, v.Encrypted)
		}
		if got := tokenDigits(tok.Class(), tok.Cipher()); got != v.Token {
			t.Errorf("%s: class insertion of Cipher(): got %s, want %s", v.ID, got, v.Token)
		}
	}
	// docs/sts.md §7: CTSA01 step 1, E = 492083c0ae7ce455 → token 23716100501183194197.
	tok := sts.MustParseToken("23716100501183194197")
	if got := hex16(tok.Cipher()); got != "492083c0ae7ce455" {
		t.Errorf("CTSA01 Cipher(): got %s, want 492083c0ae7ce455", got)
	}
	if tok.Class() != sts.ClassCredit {
		t.Errorf("CTSA01 Class(): got %d, want 0", tok.Class())
	}
}

// TestAssemble: Assemble is the inverse of Class and Cipher, and matches docs/sts.md §1 step 3.
func TestAssemble(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 27))
	for range 10000 {
		class, e := sts.Class(r.IntN(4)), r.Uint64()
		tok := sts.Assemble(class, e)
		if tok.Class() != class || tok.Cipher() != e {
			t.Fatalf("Assemble(%d, %016x): got class %d, cipher %016x", class, e, tok.Class(), tok.Cipher())
		}
		if got, want := tok.String(), tokenDigits(class, e); got != want {
			t.Fatalf("Assemble(%d, %016x): got %s, want %s", class, e, got, want)
		}
	}
	for _, v := range loadVectors(t) {
		tok := sts.MustParseToken(v.Token)
		if got := sts.Assemble(tok.Class(), tok.Cipher()); got != tok {
			t.Errorf("%s: Assemble(Class(), Cipher()): got %s, want %s", v.ID, got, v.Token)
		}
	}
}

// crcModbusRef is CRC-16/MODBUS bit by bit (reveng catalogue: poly 0x8005 reflected, init 0xFFFF,
// no final XOR; check value 0x4B37 over "123456789").
func crcModbusRef(data []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, b := range data {
		crc ^= uint16(b)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0xA001
			} else {
				crc >>= 1
			}
		}
	}
	return crc
}

// crcFieldRef is docs/sts.md §2 written out: 7 big-endian bytes of class<<48 | D>>16, byte-swapped.
func crcFieldRef(class sts.Class, d uint64) uint16 {
	x := uint64(class)<<48 | d>>16
	var buf [7]byte
	for i := range buf {
		buf[i] = byte(x >> (48 - 8*i))
	}
	c := crcModbusRef(buf[:])
	return c<<8 | c>>8
}

func TestCRC(t *testing.T) {
	t.Run("OKReference", func(t *testing.T) {
		if got := crcModbusRef([]byte("123456789")); got != 0x4B37 {
			t.Fatalf("reference CRC-16/MODBUS check value: got %#04x, want 0x4b37", got)
		}
	})
	examples := []struct {
		name   string
		source string
		class  sts.Class
		block  uint64
	}{
		{"OKCTSA01", "docs/sts.md §2, CTSA01 step 1: X = 0x055998630001 -> CRC field 0x19E6", 0, 0x05599863000119e6},
		{"OKTIDPage", "docs/sts.md §2 [S1]: RND 5, TID 12593749, amount 10000 -> CRC 0x1970", 0, 0x05c02a5527101970},
	}
	for _, ex := range examples {
		t.Run(ex.name, func(t *testing.T) {
			if got, want := sts.CRC(ex.class, ex.block&^0xFFFF), uint16(ex.block); got != want {
				t.Errorf("%s: CRC: got %#04x, want %#04x", ex.source, got, want)
			}
			if !sts.CRCOK(ex.class, ex.block) {
				t.Errorf("%s: CRCOK(%016x): got false, want true", ex.source, ex.block)
			}
		})
	}
	t.Run("OKVectors", func(t *testing.T) {
		for _, v := range loadVectors(t) {
			b, err := strconv.ParseUint(v.Plaintext, 16, 64)
			if err != nil {
				t.Fatal(err)
			}
			if !sts.CRCOK(sts.Class(v.Class), b) {
				t.Errorf("%s: CRCOK(%d, %s): got false, want true", v.ID, v.Class, v.Plaintext)
			}
			if got := sts.CRC(sts.Class(v.Class), b); got != v.Fields.CRC {
				t.Errorf("%s: CRC: got %#04x, want %#04x", v.ID, got, v.Fields.CRC)
			}
		}
	})
	t.Run("OKMatchesReference", func(t *testing.T) {
		r := rand.New(rand.NewPCG(0xA001, 0x8005))
		for range 20000 {
			class, d := sts.Class(r.IntN(4)), r.Uint64()
			if got, want := sts.CRC(class, d), crcFieldRef(class, d); got != want {
				t.Fatalf("CRC(%d, %016x): got %#04x, want %#04x", class, d, got, want)
			}
		}
	})
	t.Run("ErrCRCBitFlip", func(t *testing.T) {
		blocks := []struct {
			class sts.Class
			block uint64
		}{{0, 0x05599863000119e6}, {0, 0x05c02a5527101970}}
		vs := loadVectors(t)
		for _, i := range []int{0, 1, len(vs) / 3, len(vs) / 2, len(vs) - 1} {
			b, _ := strconv.ParseUint(vs[i].Plaintext, 16, 64)
			blocks = append(blocks, struct {
				class sts.Class
				block uint64
			}{sts.Class(vs[i].Class), b})
		}
		for _, ex := range blocks {
			if !sts.CRCOK(ex.class, ex.block) {
				t.Fatalf("CRCOK(%d, %016x): got false, want true", ex.class, ex.block)
			}
			for bit := range 64 { // bits 63..16 are covered by the CRC, 15..0 are the CRC
				if sts.CRCOK(ex.class, ex.block^1<<bit) {
					t.Errorf("CRCOK(%d, %016x with bit %d flipped): got true, want false", ex.class, ex.block, bit)
				}
			}
			for flip := sts.Class(1); flip <= 3; flip++ {
				if sts.CRCOK(ex.class^flip, ex.block) {
					t.Errorf("CRCOK(class %d instead of %d, %016x): got true, want false", ex.class^flip, ex.class, ex.block)
				}
			}
		}
	})
	t.Run("OKIgnoresCRCField", func(t *testing.T) {
		if a, b := sts.CRC(0, 0x0559986300010000), sts.CRC(0, 0x055998630001ffff); a != b || a != 0x19e6 {
			t.Errorf("CRC with different bits 15..0: got %#04x and %#04x, want 0x19e6 both", a, b)
		}
	})
}
