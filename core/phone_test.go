package core_test

import (
	"testing"

	"github.com/vendgate/vendgate/core"
)

// TestNormalizePhone reads the forms customers and aggregators send; what it returns reads as
// itself again (a number after the international prefix 00 that starts with 0 again is refused:
// kept, it would normalize to yet another number next time, as "000000000" did).
func TestNormalizePhone(t *testing.T) {
	for in, want := range map[string]string{
		"27821234567": "27821234567", "+27 82 123-4567": "27821234567", "0027821234567": "27821234567",
		"(082) 123.4567": "0821234567",
	} {
		if got, err := core.NormalizePhone(in); err != nil || got != want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"000000000", "00027821234567", "12345", "27-82-ABC", "1234567890123456"} {
		if got, err := core.NormalizePhone(in); core.AsError(err).Reason != "invalid_phone" {
			t.Errorf("NormalizePhone(%q) = %q, %v; want invalid_phone", in, got, err)
		}
	}
}
