package smstext_test

import (
	"strings"
	"testing"

	"github.com/vendgate/vendgate/smstext"
)

func BenchmarkDecodeGSM7(b *testing.B) {
	parts, err := smstext.Encode(strings.Repeat("BUY 04123456789 500 ", 8), 1)
	if err != nil {
		b.Fatal(err)
	}
	sm := parts[0].ShortMessage
	b.SetBytes(int64(len(sm)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := smstext.Decode(0, 0, sm); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeUCS2Split(b *testing.B) {
	text := strings.Repeat("Токен 1234 😀 ", 30)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := smstext.Encode(text, 1); err != nil {
			b.Fatal(err)
		}
	}
}
