package core_test

import (
	"testing"

	"github.com/vendgate/vendgate/core"
)

func TestMaskTokens(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"Display", "Token: 1234-5678-9012-3456-7890.", "Token: ****-****-****-****-7890."},
		{"Plain", "Token 12345678901234567890", "Token ****************7890"},
		{"Spaces", "1234 5678 9012 3456 7890 ok", "**** **** **** **** 7890 ok"},
		{"Several", "a 1111-2222-3333-4444-5555\nb 6666-7777-8888-9999-0000", "a ****-****-****-****-5555\nb ****-****-****-****-0000"},
		{"InsideLongerNumber", "x123456789012345678901234", "x********************1234"},
		{"AfterDigits", "12345-6789-0123-4567-8901", "1****-****-****-****-8901"},
		{"ShortNumbersKept", "meter 01234567897, KES 116.00, ref 2026-11-24", "meter 01234567897, KES 116.00, ref 2026-11-24"},
		{"Empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := core.MaskTokens(tc.in); got != tc.want {
				t.Fatalf("MaskTokens(%q): got %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestMaskPhone(t *testing.T) {
	if got := core.MaskPhone("27821234567"); got != "*******4567" {
		t.Errorf("MaskPhone = %q", got)
	}
	if got := core.MaskPhone("123"); got != "***" {
		t.Errorf("MaskPhone(123) = %q", got)
	}
}
