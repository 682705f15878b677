package core_test

import (
	"strings"
	"testing"

	"github.com/vendgate/vendgate/core"
)

// TestCheckMeterNumberMessage refuses bad meter numbers with a message that names the problem
// and shows at most 13 characters of what was sent, however long it is.
func TestCheckMeterNumberMessage(t *testing.T) {
	long := strings.Repeat("1234567890", 200) // 2,000 digits
	tests := []struct {
		name, number, want string
	}{
		{"ErrCheckDigit", "01234567890", `meter number "01234567890" fails its check digit`},
		{"ErrLegacyCheckDigit", "0000123456780", `meter number "0000123456780" fails its check digit`},
		{"ErrShort", "12345", `meter number "12345" is not 11 digits (13 with IIN 0000)`},
		{"ErrLetters", "0123456789x", `meter number "0123456789x" is not 11 digits (13 with IIN 0000)`},
		{"ErrLong", long, `meter number "1234567890123"... (2000 characters) is not 11 digits (13 with IIN 0000)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := core.CheckMeterNumber(tt.number)
			if e := core.AsError(err); err == nil || e.Reason != "invalid_meter_number" || e.Message != tt.want {
				t.Errorf("got %v, want invalid_meter_number %q", err, tt.want)
			}
		})
	}
	for _, ok := range []string{"01234567897", "0000123456782"} {
		if err := core.CheckMeterNumber(ok); err != nil {
			t.Errorf("%s: got %v, want nil", ok, err)
		}
	}
}
