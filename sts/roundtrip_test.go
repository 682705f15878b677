package sts_test

import (
	"bytes"
	"crypto/cipher"
	"errors"
	"math/rand/v2"
	"regexp"
	"strconv"
	"testing"

	"github.com/vendgate/vendgate/sts"
)

const roundTripIterations = 2000

// tokenCiphers are the two verified algorithms with their key sizes.
var tokenCiphers = []struct {
	name    string
	keySize int
	newFn   func([]byte) (cipher.Block, error)
}{
	{"STA", 8, sts.NewSTA},
	{"MISTY1", 16, sts.NewMISTY1},
}

// randField returns a random n-bit value, with the edges 0 and 2^n-1 more likely than uniform.
func randField(r *rand.Rand, n uint) uint64 {
	max := uint64(1)<<n - 1
	switch r.IntN(16) {
	case 0:
		return 0
	case 1:
		return max
	}
	return r.Uint64() & max
}

// payloadGens generates a random valid payload of every kind the package encodes.
var payloadGens = func() []struct {
	kind sts.Kind
	gen  func(*rand.Rand) sts.Payload
} {
	type g = struct {
		kind sts.Kind
		gen  func(*rand.Rand) sts.Payload
	}
	var gens []g
	for _, k := range []sts.Kind{
		sts.KindElectricity, sts.KindWater, sts.KindGas, sts.KindTime, sts.KindCurrency,
		sts.KindPowerLimit, sts.KindClearCredit, sts.KindTariffRate, sts.KindClearTamper,
		sts.KindPhaseUnbalance, sts.KindWaterFactor,
	} {
		gens = append(gens, g{k, func(r *rand.Rand) sts.Payload {
			return sts.Transfer{K: k, RND: uint8(randField(r, 4)), TID: sts.TID(randField(r, 24)), Value: uint16(randField(r, 16))}
		}})
	}
	return append(gens,
		g{sts.KindTest, func(r *rand.Rand) sts.Payload {
			return sts.Test{Control: randField(r, 36), Manufacturer: uint16(randField(r, 8))}
		}},
		g{sts.KindTestWide, func(r *rand.Rand) sts.Payload {
			return sts.Test{Wide: true, Control: randField(r, 28), Manufacturer: uint16(randField(r, 16))}
		}},
		g{sts.KindKeyChange1, func(r *rand.Rand) sts.Payload {
			return sts.KeyChange1{KENHO: uint8(randField(r, 4)), KRN: uint8(randField(r, 4)), RO: r.IntN(2) == 1,
				Res: r.IntN(2) == 1, KT: sts.KeyType(randField(r, 2)), NKHO: uint32(randField(r, 32))}
		}},
		g{sts.KindKeyChange2, func(r *rand.Rand) sts.Payload {
			return sts.KeyChange2{KENLO: uint8(randField(r, 4)), TI: uint8(randField(r, 8)), NKLO: uint32(randField(r, 32))}
		}},
		g{sts.KindKeyChange3, func(r *rand.Rand) sts.Payload {
			return sts.KeyChange3{SGCLow: uint16(randField(r, 12)), NKMO2: uint32(randField(r, 32))}
		}},
		g{sts.KindKeyChange4, func(r *rand.Rand) sts.Payload {
			return sts.KeyChange4{SGCHigh: uint16(randField(r, 12)), NKMO1: uint32(randField(r, 32))}
		}},
	)
}()

// TestRoundTrip: Encode -> String -> ParseToken -> Decode gives the payload back, for every kind,
// random fields and random keys; and a token decoded under another key fails its CRC.
func TestRoundTrip(t *testing.T) {
	var wrongKeyTries, wrongKeyAccepted int
	for gi, pg := range payloadGens {
		for ci, tc := range tokenCiphers {
			t.Run(pg.kind.String()+"/"+tc.name, func(t *testing.T) {
				r := rand.New(rand.NewPCG(uint64(gi), uint64(ci)))
				key := make([]byte, tc.keySize)
				other := make([]byte, tc.keySize)
				for range roundTripIterations {
					fillRand(r, key)
					fillRand(r, other)
					c := mustCipher(t, tc.newFn, key)
					p := pg.gen(r)
					if p.Kind() != pg.kind {
						t.Fatalf("%+v: Kind(): got %s, want %s", p, p.Kind(), pg.kind)
					}
					tok, err := sts.Encode(p, c)
					if err != nil {
						t.Fatalf("Encode(%+v): %v", p, err)
					}
					if tok.Class() != pg.kind.Class {
						t.Fatalf("Encode(%+v): got class %d, want %d", p, tok.Class(), pg.kind.Class)
					}
					for _, s := range []string{tok.String(), tok.Display()} {
						parsed, err := sts.ParseToken(s)
						if err != nil || parsed != tok {
							t.Fatalf("ParseToken(%s): got %v, %v, want %v", s, parsed, err, tok)
						}
						back, err := sts.Decode(parsed, c)
						if err != nil {
							t.Fatalf("key %x: Decode(Encode(%+v) = %s): %v", key, p, s, err)
						}
						if back != p {
							t.Fatalf("key %x: Decode(Encode(%+v) = %s): got %+v, want %+v", key, p, s, back, p)
						}
					}
					if pg.kind.Class == sts.ClassTest {
						// Class 1 is not encrypted: any cipher, or none, gives the same token.
						plain, err := sts.Encode(p, nil)
						if err != nil || plain != tok {
							t.Fatalf("Encode(%+v, nil): got %v, %v, want %v", p, plain, err, tok)
						}
						if back, err := sts.Decode(tok, nil); err != nil || back != p {
							t.Fatalf("Decode(%v, nil): got %+v, %v, want %+v", tok, back, err, p)
						}
						continue
					}
					if bytes.Equal(key, other) {
						continue
					}
					wrongKeyTries++
					_, err = sts.Decode(tok, mustCipher(t, tc.newFn, other))
					switch {
					case errors.Is(err, sts.ErrCRC):
					case err == nil, errors.Is(err, sts.ErrUnknownKind):
						// The CRC matched by chance (about 1 in 65536).
						wrongKeyAccepted++
					default:
						t.Fatalf("Decode under another key: got error %v, want sts.ErrCRC", err)
					}
				}
			})
		}
	}
	t.Run("ErrCRCWrongKey", func(t *testing.T) {
		if wrongKeyTries < 10000 {
			t.Fatalf("wrong-key decodes: got %d, want at least 10000", wrongKeyTries)
		}
		if wrongKeyAccepted*1000 >= wrongKeyTries {
			t.Errorf("wrong-key decodes passing the CRC: got %d of %d, want below 1/1000", wrongKeyAccepted, wrongKeyTries)
		}
		t.Logf("wrong-key decodes passing the CRC by chance: %d of %d", wrongKeyAccepted, wrongKeyTries)
	})
}

func fillRand(r *rand.Rand, b []byte) {
	for i := range b {
		b[i] = byte(r.Uint32())
	}
}

func mustCipher(tb testing.TB, newFn func([]byte) (cipher.Block, error), key []byte) cipher.Block {
	tb.Helper()
	c, err := newFn(key)
	if err != nil {
		tb.Fatalf("cipher for key %x: %v", key, err)
	}
	return c
}

// TestKeyChangeRoundTrip: a key change split into its tokens, encoded under the current key,
// entered in any order and put back together, is the same key change.
func TestKeyChangeRoundTrip(t *testing.T) {
	for _, newKeySize := range []int{8, 16} {
		for ci, tc := range tokenCiphers {
			t.Run("OK"+strconv.Itoa(8*newKeySize)+"BitKey/Under"+tc.name, func(t *testing.T) {
				r := rand.New(rand.NewPCG(uint64(newKeySize), uint64(ci)+100))
				current := make([]byte, tc.keySize)
				for range roundTripIterations {
					fillRand(r, current)
					c := mustCipher(t, tc.newFn, current)
					kc := sts.KeyChange{
						NewKey: make([]byte, newKeySize),
						KEN:    sts.KEN(r.Uint32N(256)),
						KRN:    uint8(1 + r.IntN(15)),
						KT:     sts.KeyType(1 + r.IntN(3)), // a DITK (KT 0) is never sent to a meter
						TI:     uint8(r.Uint32N(100)),
						RO:     r.IntN(2) == 1,
						SGC:    sts.SGC(r.Uint32N(1_000_000)),
					}
					fillRand(r, kc.NewKey)
					ps, err := kc.Payloads()
					if err != nil {
						t.Fatalf("Payloads(%+v): %v", kc, err)
					}
					wantKinds := []sts.Kind{sts.KindKeyChange1, sts.KindKeyChange2, sts.KindKeyChange3, sts.KindKeyChange4}[:newKeySize/4]
					if len(ps) != len(wantKinds) {
						t.Fatalf("Payloads(): got %d payloads, want %d", len(ps), len(wantKinds))
					}
					for i, p := range ps {
						if p.Kind() != wantKinds[i] {
							t.Fatalf("Payloads()[%d]: got %s, want %s", i, p.Kind(), wantKinds[i])
						}
					}
					tokens := make([]string, len(ps))
					for i, p := range ps {
						tok, err := sts.Encode(p, c)
						if err != nil {
							t.Fatalf("Encode(%+v): %v", p, err)
						}
						tokens[i] = tok.String()
					}
					r.Shuffle(len(tokens), func(i, j int) { tokens[i], tokens[j] = tokens[j], tokens[i] })
					parts := make([]sts.Payload, len(tokens))
					for i, s := range tokens {
						p, err := sts.Decode(sts.MustParseToken(s), c)
						if err != nil {
							t.Fatalf("Decode(%s): %v", s, err)
						}
						parts[i] = p
					}
					got, err := sts.AssembleKeyChange(newKeySize, parts)
					if err != nil {
						t.Fatalf("AssembleKeyChange(%+v): %v", parts, err)
					}
					want := kc
					if newKeySize == 8 {
						want.SGC = 0 // a 64-bit key change does not carry the SGC
					}
					if !bytes.Equal(got.NewKey, want.NewKey) || got.KEN != want.KEN || got.KRN != want.KRN ||
						got.KT != want.KT || got.TI != want.TI || got.RO != want.RO || got.SGC != want.SGC {
						t.Fatalf("AssembleKeyChange: got %+v, want %+v", got, want)
					}
					// Any one section missing.
					drop := r.IntN(len(parts))
					partial := append(append([]sts.Payload{}, parts[:drop]...), parts[drop+1:]...)
					if _, err := sts.AssembleKeyChange(newKeySize, partial); !errors.Is(err, sts.ErrKeyChangeIncomplete) {
						t.Fatalf("AssembleKeyChange without %s: got error %v, want ErrKeyChangeIncomplete", parts[drop].Kind(), err)
					}
				}
			})
		}
	}
	t.Run("ErrKeyChangeIncomplete", func(t *testing.T) {
		kc := sts.KeyChange{NewKey: make([]byte, 16), KEN: sts.NoExpiry, KRN: 1, KT: sts.KeyTypeUnique}
		ps, err := kc.Payloads()
		if err != nil {
			t.Fatal(err)
		}
		for _, parts := range [][]sts.Payload{nil, ps[:1], ps[1:2], ps[:2], ps[:3], {ps[0], ps[0], ps[2], ps[3]}} {
			if _, err := sts.AssembleKeyChange(16, parts); !errors.Is(err, sts.ErrKeyChangeIncomplete) {
				t.Errorf("AssembleKeyChange(16, %d parts): got error %v, want ErrKeyChangeIncomplete", len(parts), err)
			}
		}
		if _, err := sts.AssembleKeyChange(8, ps[:1]); !errors.Is(err, sts.ErrKeyChangeIncomplete) {
			t.Errorf("AssembleKeyChange(8, KCT1 only): got error %v, want ErrKeyChangeIncomplete", err)
		}
	})
	t.Run("ErrAssembleKeyChange", func(t *testing.T) {
		kc := sts.KeyChange{NewKey: make([]byte, 8), KEN: sts.NoExpiry, KRN: 1, KT: sts.KeyTypeUnique}
		ps, err := kc.Payloads()
		if err != nil {
			t.Fatal(err)
		}
		for _, size := range []int{0, 4, 12, 32} {
			if _, err := sts.AssembleKeyChange(size, ps); err == nil || errors.Is(err, sts.ErrKeyChangeIncomplete) {
				t.Errorf("AssembleKeyChange(%d, ...): got error %v, want a key size error", size, err)
			}
		}
		withCredit := append(ps, sts.Transfer{K: sts.KindElectricity})
		if _, err := sts.AssembleKeyChange(8, withCredit); err == nil {
			t.Errorf("AssembleKeyChange with a credit payload: got nil error, want an error")
		}
	})
	t.Run("ErrPayloads", func(t *testing.T) {
		ok := sts.KeyChange{NewKey: make([]byte, 16), KEN: sts.NoExpiry, KRN: 1, KT: sts.KeyTypeUnique, SGC: 999999}
		for _, edit := range []func(*sts.KeyChange){
			func(*sts.KeyChange) {},
			func(k *sts.KeyChange) { k.KRN, k.KT, k.TI = 15, sts.KeyTypeCommon, 99 },
			func(k *sts.KeyChange) { k.KT, k.TI, k.NewKey = sts.KeyTypeDefault, 0, make([]byte, 8) },
		} {
			kc := ok
			edit(&kc)
			if _, err := kc.Payloads(); err != nil {
				t.Fatalf("Payloads(%+v): %v", kc, err)
			}
		}
		cases := []struct {
			name      string
			edit      func(*sts.KeyChange)
			wantField bool
		}{
			{"ErrField/KRN0", func(k *sts.KeyChange) { k.KRN = 0 }, true},
			{"ErrField/KRN16", func(k *sts.KeyChange) { k.KRN = 16 }, true},
			{"ErrField/KT0", func(k *sts.KeyChange) { k.KT = sts.KeyTypeInit }, true},
			{"ErrField/KT4", func(k *sts.KeyChange) { k.KT = 4 }, true},
			{"ErrField/TI100", func(k *sts.KeyChange) { k.TI = 100 }, true},
			{"ErrField/SGC7Digits", func(k *sts.KeyChange) { k.SGC = 1_000_000 }, true},
			{"ErrKeySize/0", func(k *sts.KeyChange) { k.NewKey = nil }, false},
			{"ErrKeySize/7", func(k *sts.KeyChange) { k.NewKey = make([]byte, 7) }, false},
			{"ErrKeySize/12", func(k *sts.KeyChange) { k.NewKey = make([]byte, 12) }, false},
			{"ErrKeySize/20", func(k *sts.KeyChange) { k.NewKey = make([]byte, 20) }, false},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				kc := ok
				tc.edit(&kc)
				ps, err := kc.Payloads()
				if err == nil {
					t.Fatalf("Payloads(%+v): got %v, nil, want an error", kc, ps)
				}
				if errors.Is(err, sts.ErrField) != tc.wantField {
					t.Errorf("Payloads(%+v): got error %v, errors.Is(ErrField) = %v, want %v", kc, err, !tc.wantField, tc.wantField)
				}
			})
		}
	})
}

func TestEncodeErrField(t *testing.T) {
	c := mustCipher(t, sts.NewSTA, mustHex(t, "e653341f9d5bf36f"))
	cases := []struct {
		name string
		p    sts.Payload
	}{
		{"RND16", sts.Transfer{K: sts.KindElectricity, RND: 16}},
		{"RND255", sts.Transfer{K: sts.KindPowerLimit, RND: 255}},
		{"TIDMaxPlus1", sts.Transfer{K: sts.KindElectricity, TID: sts.MaxTID + 1}},
		{"TIDMaxUint32", sts.Transfer{K: sts.KindClearCredit, TID: 1<<32 - 1}},
		{"TestControl2Pow36", sts.Test{Control: 1 << 36}},
		{"TestControlMaxUint64", sts.Test{Control: 1<<64 - 1}},
		{"TestWideControl2Pow28", sts.Test{Wide: true, Control: 1 << 28}},
		{"TestManufacturer256", sts.Test{Manufacturer: 256}},
		{"TestManufacturerMax", sts.Test{Manufacturer: 0xFFFF}},
		{"KCT1KRN16", sts.KeyChange1{KRN: 16}},
		{"KCT1KENHO16", sts.KeyChange1{KENHO: 16}},
		{"KCT1KT4", sts.KeyChange1{KT: 4}},
		{"KCT2KENLO16", sts.KeyChange2{KENLO: 16}},
		{"KCT3SGCLow4096", sts.KeyChange3{SGCLow: 0x1000}},
		{"KCT4SGCHigh4096", sts.KeyChange4{SGCHigh: 0x1000}},
		{"KCT4SGCHighMax", sts.KeyChange4{SGCHigh: 0xFFFF}},
	}
	for _, tc := range cases {
		t.Run("ErrField/"+tc.name, func(t *testing.T) {
			if b, err := sts.Block(tc.p); !errors.Is(err, sts.ErrField) {
				t.Errorf("Block(%+v): got %016x, %v, want sts.ErrField", tc.p, b, err)
			}
			if tok, err := sts.Encode(tc.p, c); !errors.Is(err, sts.ErrField) || tok != (sts.Token{}) {
				t.Errorf("Encode(%+v): got %v, %v, want the zero token and sts.ErrField", tc.p, tok, err)
			}
		})
	}
	// The largest values that fit are accepted.
	for _, p := range []sts.Payload{
		sts.Transfer{K: sts.KindElectricity, RND: 15, TID: sts.MaxTID, Value: 0xFFFF},
		sts.Test{Control: 1<<36 - 1, Manufacturer: 255},
		sts.Test{Wide: true, Control: 1<<28 - 1, Manufacturer: 0xFFFF},
		sts.KeyChange1{KENHO: 15, KRN: 15, RO: true, Res: true, KT: 3, NKHO: 1<<32 - 1},
		sts.KeyChange2{KENLO: 15, TI: 255, NKLO: 1<<32 - 1},
		sts.KeyChange3{SGCLow: 0xFFF, NKMO2: 1<<32 - 1},
		sts.KeyChange4{SGCHigh: 0xFFF, NKMO1: 1<<32 - 1},
	} {
		t.Run("OKMax/"+p.Kind().String(), func(t *testing.T) {
			b, err := sts.Block(p)
			if err != nil {
				t.Fatalf("Block(%+v): %v", p, err)
			}
			// Every payload bit 59..16 is set.
			if got := b >> 16 & (1<<44 - 1); got != 1<<44-1 {
				t.Errorf("Block(%+v) bits 59..16: got %011x, want all ones", p, got)
			}
		})
	}
}

func TestEncodeDecodeErrors(t *testing.T) {
	c := mustCipher(t, sts.NewSTA, mustHex(t, "e653341f9d5bf36f"))
	t.Run("ErrNoCipher", func(t *testing.T) {
		for _, p := range []sts.Payload{
			sts.Transfer{K: sts.KindElectricity, RND: 5, TID: 1, Value: 10},
			sts.Transfer{K: sts.KindPowerLimit},
			sts.KeyChange1{KRN: 1},
			sts.KeyChange2{},
			sts.KeyChange3{},
			sts.KeyChange4{},
		} {
			if tok, err := sts.Encode(p, nil); !errors.Is(err, sts.ErrNoCipher) || tok != (sts.Token{}) {
				t.Errorf("Encode(%+v, nil): got %v, %v, want the zero token and ErrNoCipher", p, tok, err)
			}
			tok, err := sts.Encode(p, c)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := sts.Decode(tok, nil); !errors.Is(err, sts.ErrNoCipher) || got != nil {
				t.Errorf("Decode(%s, nil): got %v, %v, want nil and ErrNoCipher", tok, got, err)
			}
		}
	})
	t.Run("ErrReservedClass", func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 3))
		for range 100 {
			tok := sts.MustParseToken(tokenDigits(3, r.Uint64()))
			if tok.Class() != 3 {
				t.Fatalf("Class(): got %d, want 3", tok.Class())
			}
			for _, cc := range []cipher.Block{c, nil} {
				if got, err := sts.Decode(tok, cc); !errors.Is(err, sts.ErrReservedClass) || got != nil {
					t.Fatalf("Decode(%s): got %v, %v, want nil and ErrReservedClass", tok, got, err)
				}
			}
			b := r.Uint64()
			b = b&^0xFFFF | uint64(sts.CRC(3, b))
			if got, err := sts.ParseBlock(3, b); !errors.Is(err, sts.ErrReservedClass) {
				t.Fatalf("ParseBlock(3, %016x): got %v, %v, want ErrReservedClass", b, got, err)
			}
		}
	})
	t.Run("ErrUnknownKindDecode", func(t *testing.T) {
		// Every reserved class 0, 1 and 2 subclass, with a correct CRC, built without Encode.
		for _, k := range undefinedKinds() {
			b := uint64(k.Subclass)<<60 | 0x5_123456_2710<<16
			b |= uint64(sts.CRC(k.Class, b))
			var enc cipher.Block
			if k.Class != sts.ClassTest {
				enc = c
			}
			tok := tokenFromBlock(t, k.Class, b, enc)
			got, err := sts.Decode(tok, c)
			if !errors.Is(err, sts.ErrUnknownKind) || got != nil {
				t.Errorf("Decode(%s token): got %v, %v, want nil and ErrUnknownKind", k, got, err)
			}
			if got, err := sts.ParseBlock(k.Class, b); !errors.Is(err, sts.ErrUnknownKind) {
				t.Errorf("ParseBlock(%s block): got %v, %v, want ErrUnknownKind", k, got, err)
			}
		}
	})
	t.Run("ErrUnknownKindEncode", func(t *testing.T) {
		// A Transfer carrying a kind the standard does not define must not become a token
		// that Decode then rejects.
		kinds := append(undefinedKinds(),
			sts.Kind{Class: 3, Subclass: 0}, sts.Kind{Class: 0, Subclass: 16}, sts.Kind{Class: 2, Subclass: 255},
			sts.KindTest, sts.KindTestWide, sts.KindKeyChange1, sts.KindKeyChange2, sts.KindKeyChange3, sts.KindKeyChange4)
		var encoded []string
		for _, k := range kinds {
			p := sts.Transfer{K: k, RND: 5, TID: 1, Value: 1}
			tok, err := sts.Encode(p, c)
			if errors.Is(err, sts.ErrUnknownKind) {
				continue
			}
			if len(encoded) == 0 {
				t.Errorf("Encode(%+v): got %v, %v, want ErrUnknownKind", p, tok, err)
			}
			encoded = append(encoded, k.String())
		}
		if len(encoded) > 1 {
			t.Errorf("Encode(Transfer) also accepted %d more reserved kinds: %v", len(encoded)-1, encoded[1:])
		}
	})
	t.Run("ErrCRCDecode", func(t *testing.T) {
		tok, err := sts.Encode(sts.Transfer{K: sts.KindElectricity, RND: 5, TID: 12593749, Value: 10000}, c)
		if err != nil {
			t.Fatal(err)
		}
		// A mistyped digit.
		s := []byte(tok.String())
		s[7] = '0' + (s[7]-'0'+1)%10
		if got, err := sts.Decode(sts.MustParseToken(string(s)), c); !errors.Is(err, sts.ErrCRC) {
			t.Errorf("Decode(mistyped token): got %v, %v, want ErrCRC", got, err)
		}
	})
}

// undefinedKinds lists the subclasses the standard reserves in classes 0, 1 and 2 (docs/sts.md §3).
func undefinedKinds() []sts.Kind {
	var ks []sts.Kind
	for sub := uint8(5); sub <= 15; sub++ {
		ks = append(ks, sts.Kind{Class: sts.ClassCredit, Subclass: sub})
	}
	for sub := uint8(2); sub <= 15; sub++ {
		ks = append(ks, sts.Kind{Class: sts.ClassTest, Subclass: sub})
	}
	for sub := uint8(10); sub <= 15; sub++ {
		ks = append(ks, sts.Kind{Class: sts.ClassManagement, Subclass: sub})
	}
	return ks
}

func TestKindString(t *testing.T) {
	snake := regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	known := []sts.Kind{
		sts.KindElectricity, sts.KindWater, sts.KindGas, sts.KindTime, sts.KindCurrency,
		sts.KindTest, sts.KindTestWide,
		sts.KindPowerLimit, sts.KindClearCredit, sts.KindTariffRate, sts.KindKeyChange1, sts.KindKeyChange2,
		sts.KindClearTamper, sts.KindPhaseUnbalance, sts.KindWaterFactor, sts.KindKeyChange3, sts.KindKeyChange4,
	}
	t.Run("OKKnown", func(t *testing.T) {
		if len(known) != 17 {
			t.Fatalf("known kinds: got %d, want 17", len(known))
		}
		seen := map[string]sts.Kind{}
		for _, k := range known {
			s := k.String()
			if !k.Known() {
				t.Errorf("%+v.Known(): got false, want true", k)
			}
			if !snake.MatchString(s) {
				t.Errorf("%+v.String(): got %q, want snake_case", k, s)
			}
			if prev, dup := seen[s]; dup {
				t.Errorf("%+v.String(): got %q, also the name of %+v", k, s, prev)
			}
			seen[s] = k
		}
		// Every kind has a generator in the round trip test.
		gens := map[sts.Kind]bool{}
		for _, pg := range payloadGens {
			gens[pg.kind] = true
		}
		for _, k := range known {
			if !gens[k] {
				t.Errorf("kind %s has no round trip generator", k)
			}
		}
	})
	t.Run("OKUnknown", func(t *testing.T) {
		for _, k := range append(undefinedKinds(), sts.Kind{Class: 3}, sts.Kind{Class: 3, Subclass: 15}, sts.Kind{Class: 0, Subclass: 16}) {
			if k.Known() {
				t.Errorf("%+v.Known(): got true, want false", k)
			}
			want := "class_" + strconv.Itoa(int(k.Class)) + "_subclass_" + strconv.Itoa(int(k.Subclass))
			if got := k.String(); got != want {
				t.Errorf("%+v.String(): got %q, want %q", k, got, want)
			}
		}
	})
	t.Run("OKCarriesAmount", func(t *testing.T) {
		want := map[sts.Kind]bool{
			sts.KindElectricity: true, sts.KindWater: true, sts.KindGas: true, sts.KindTime: true,
			sts.KindCurrency: true, sts.KindPowerLimit: true, sts.KindPhaseUnbalance: true,
		}
		for _, k := range append(known, undefinedKinds()...) {
			if got := k.CarriesAmount(); got != want[k] {
				t.Errorf("%s.CarriesAmount(): got %v, want %v", k, got, want[k])
			}
		}
	})
	t.Run("OKNames", func(t *testing.T) {
		if got := sts.KindElectricity.String(); got != "electricity_credit" {
			t.Errorf("KindElectricity.String(): got %q, want electricity_credit", got)
		}
		if got := sts.KindKeyChange3.String(); got != "key_change_3" {
			t.Errorf("KindKeyChange3.String(): got %q, want key_change_3", got)
		}
	})
}
