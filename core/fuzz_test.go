package core_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/vendgate/vendgate/core"
)

// fuzzSeeds are testdata/fuzz-seeds.json.
type fuzzSeeds struct {
	MeterNumbers []string `json:"meter_numbers"`
	Phones       []string `json:"phones"`
	ServiceCodes []string `json:"service_codes"`
}

func loadFuzzSeeds(f *testing.F) fuzzSeeds {
	f.Helper()
	b, err := os.ReadFile("testdata/fuzz-seeds.json")
	if err != nil {
		f.Fatal(err)
	}
	var s fuzzSeeds
	if err := json.Unmarshal(b, &s); err != nil {
		f.Fatal(err)
	}
	if len(s.MeterNumbers) == 0 || len(s.Phones) == 0 || len(s.ServiceCodes) == 0 {
		f.Fatal("testdata/fuzz-seeds.json lacks seeds")
	}
	return s
}

func onlyDigits(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }

// refusedAs checks that err is an invalid error of reason whose message names what was refused
// (word) and is short, whatever the input's length.
func refusedAs(t *testing.T, what string, err error, reason core.Reason, word string) {
	t.Helper()
	e := core.AsError(err)
	if core.ErrorCode(err) != core.CodeInvalid || e.Reason != reason || !strings.Contains(e.Message, word) {
		t.Errorf("%s: got %v (%s, %s), want invalid %s naming the %s", what, err, core.ErrorCode(err), e.Reason, reason, word)
	}
}

// FuzzCheckMeterNumber: an accepted number is 11 or 13 digits whose check digit is the only one
// that passes (any other last digit is refused); a refused one is invalid_meter_number with a
// message that names the meter number and stays short, however long the input.
func FuzzCheckMeterNumber(f *testing.F) {
	for _, s := range loadFuzzSeeds(f).MeterNumbers {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, n string) {
		err := core.CheckMeterNumber(n)
		if err != nil {
			refusedAs(t, n, err, "invalid_meter_number", "meter number")
			// 13 characters quoted (10 bytes each at worst, \U0010FFFF) and the words.
			if m := core.AsError(err).Message; len(m) > 13*10+80 {
				t.Errorf("CheckMeterNumber(%d characters): a message of %d bytes: %.200s", len(n), len(m), m)
			}
			return
		}
		if len(n) != 11 && len(n) != 13 || !onlyDigits(n) {
			t.Fatalf("CheckMeterNumber(%q) accepted it", n)
		}
		for d := byte('0'); d <= '9'; d++ {
			if other := n[:len(n)-1] + string(d); d != n[len(n)-1] && core.CheckMeterNumber(other) == nil {
				t.Errorf("both %s and %s pass the check digit", n, other)
			}
		}
	})
}

// FuzzNormalizePhone: an accepted phone becomes 6 to 15 digits, normalizing it again changes
// nothing, and its "+"-prefixed, spaced form normalizes to it too; a refused one is invalid_phone
// naming the phone number.
func FuzzNormalizePhone(f *testing.F) {
	for _, s := range loadFuzzSeeds(f).Phones {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := core.NormalizePhone(s)
		if err != nil {
			refusedAs(t, s, err, "invalid_phone", "phone number")
			return
		}
		if len(n) < 6 || len(n) > 15 || !onlyDigits(n) {
			t.Fatalf("NormalizePhone(%q) = %q", s, n)
		}
		if again, err := core.NormalizePhone(n); err != nil || again != n {
			t.Errorf("NormalizePhone(%q) = %q, %v; want it unchanged", n, again, err)
		}
		spaced := "+" + n[:3] + " " + n[3:]
		if again, err := core.NormalizePhone(spaced); err != nil || again != n && !strings.HasPrefix(n, "00") {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", spaced, again, err, n)
		}
	})
}

// FuzzServiceCode: NormalizeServiceCode leaves no white space and is idempotent; CheckServiceCode
// accepts for SMS only 2 to 15 digits and for USSD only 2 to 32 of digits, * and # with a digit
// among them, so every SMS code is a valid USSD code; a refusal is invalid_service_code naming
// the code, and an unknown channel is refused.
func FuzzServiceCode(f *testing.F) {
	for _, s := range loadFuzzSeeds(f).ServiceCodes {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code := core.NormalizeServiceCode(s)
		if strings.ContainsAny(code, " \t\r\n\v\f") || core.NormalizeServiceCode(code) != code {
			t.Fatalf("NormalizeServiceCode(%q) = %q", s, code)
		}
		smsErr := core.CheckServiceCode(core.ServiceCode{Code: s, Channel: core.ChannelSMS})
		ussdErr := core.CheckServiceCode(core.ServiceCode{Code: s, Channel: core.ChannelUSSD})
		switch {
		case smsErr == nil && (len(code) < 2 || len(code) > 15 || !onlyDigits(code)):
			t.Errorf("SMS short code %q accepted", code)
		case ussdErr == nil && (len(code) < 2 || len(code) > 32 || strings.Trim(code, "0123456789*#") != "" || strings.Trim(code, "*#") == ""):
			t.Errorf("USSD code %q accepted", code)
		case smsErr == nil && ussdErr != nil:
			t.Errorf("SMS code %q is refused as a USSD code: %v", code, ussdErr)
		}
		if smsErr != nil {
			refusedAs(t, s, smsErr, "invalid_service_code", "short code")
		}
		if ussdErr != nil {
			refusedAs(t, s, ussdErr, "invalid_service_code", "service code")
		}
		refusedAs(t, s, core.CheckServiceCode(core.ServiceCode{Code: s, Channel: "fax"}), "invalid_service_code", "channel")
	})
}
