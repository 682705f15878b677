package sts_test

import (
	"crypto/cipher"
	"testing"

	"github.com/vendgate/vendgate/sts"
)

// Sinks keep the compiler from discarding benchmarked work.
var (
	benchTokenSink   string
	benchKeySink     []byte
	benchPayloadSink sts.Payload
)

// BenchmarkSTA encrypts one block with EA07.
func BenchmarkSTA(b *testing.B) { benchBlockCipher(b, sts.NewSTA, 8, false) }

// BenchmarkMISTY1 encrypts one block with EA11.
func BenchmarkMISTY1(b *testing.B) { benchBlockCipher(b, sts.NewMISTY1, 16, false) }

// BenchmarkDKGA02 derives the docs/sts.md §8 DKGA02 vector key.
func BenchmarkDKGA02(b *testing.B) {
	vk := mustHex(b, vectorVK02)
	p := baseKeyParams(b)
	b.ReportAllocs()
	for b.Loop() {
		dk, err := sts.DeriveKey(sts.DKGA02, vk, p)
		if err != nil {
			b.Fatal(err)
		}
		benchKeySink = dk
	}
}

// BenchmarkDKGA04 derives the docs/sts.md §8 DKGA04 vector key for each EA.
func BenchmarkDKGA04(b *testing.B) {
	for _, ea := range []sts.EA{sts.EA07, sts.EA11} {
		b.Run("EA"+ea.String(), func(b *testing.B) {
			vk := mustHex(b, vectorVK04)
			p := baseKeyParams(b)
			p.SGC, p.EA = 123457, ea
			b.ReportAllocs()
			for b.Loop() {
				dk, err := sts.DeriveKey(sts.DKGA04, vk, p)
				if err != nil {
					b.Fatal(err)
				}
				benchKeySink = dk
			}
		})
	}
}

// BenchmarkCreditToken measures one electricity credit token, payload to 20 digits: with a
// decoder key cipher already built (cached_*), or deriving the key and building the cipher for
// every token (DKGA02 with EA07, DKGA04 with EA11).
func BenchmarkCreditToken(b *testing.B) {
	const amount = 0x416A // 2000.4 kWh, docs/sts.md §5
	cached := func(b *testing.B, c cipher.Block) {
		b.ReportAllocs()
		var tid sts.TID
		for b.Loop() {
			tok, err := sts.Encode(sts.Transfer{K: sts.KindElectricity, RND: uint8(tid & 15), TID: tid, Value: amount}, c)
			if err != nil {
				b.Fatal(err)
			}
			benchTokenSink = tok.String()
			tid = (tid + 1) & sts.MaxTID
		}
	}
	b.Run("cached_STA", func(b *testing.B) {
		cached(b, mustCipher(b, sts.NewSTA, mustHex(b, "e653341f9d5bf36f")))
	})
	b.Run("cached_MISTY1", func(b *testing.B) {
		cached(b, mustCipher(b, sts.NewMISTY1, mustHex(b, "f94b6ed353c3bfdb113e2d3a7ea3c41d")))
	})
	// derived derives the meter's decoder key for every token. The vending key's state is either
	// held in a Deriver, as a vending server holds its loaded keys, or rebuilt each time (cold).
	derived := func(b *testing.B, dkga sts.DKGA, vk []byte, p sts.KeyParams, cold bool) {
		d, err := sts.NewDeriver(dkga, vk)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		var tid sts.TID
		for b.Loop() {
			if cold {
				d, _ = sts.NewDeriver(dkga, vk)
			}
			dk, err := d.Derive(p)
			if err != nil {
				b.Fatal(err)
			}
			c, err := sts.NewCipher(p.EA, dk)
			if err != nil {
				b.Fatal(err)
			}
			tok, err := sts.Encode(sts.Transfer{K: sts.KindElectricity, RND: uint8(tid & 15), TID: tid, Value: amount}, c)
			if err != nil {
				b.Fatal(err)
			}
			benchTokenSink = tok.String()
			tid = (tid + 1) & sts.MaxTID
		}
	}
	for _, cold := range []bool{false, true} {
		suffix := ""
		if cold {
			suffix = "_cold"
		}
		b.Run("DKGA02"+suffix, func(b *testing.B) {
			derived(b, sts.DKGA02, mustHex(b, vectorVK02), baseKeyParams(b), cold)
		})
		b.Run("DKGA04"+suffix, func(b *testing.B) {
			p := baseKeyParams(b)
			p.SGC, p.EA = 123457, sts.EA11
			derived(b, sts.DKGA04, mustHex(b, vectorVK04), p, cold)
		})
	}
}

// BenchmarkDecode parses and decodes the CTSA01 step 1 token (docs/sts.md §7) under a cached STA key.
func BenchmarkDecode(b *testing.B) {
	c := mustCipher(b, sts.NewSTA, mustHex(b, "e653341f9d5bf36f"))
	const s = "23716100501183194197"
	if _, err := sts.Decode(sts.MustParseToken(s), c); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		tok, err := sts.ParseToken(s)
		if err != nil {
			b.Fatal(err)
		}
		p, err := sts.Decode(tok, c)
		if err != nil {
			b.Fatal(err)
		}
		benchPayloadSink = p
	}
}
