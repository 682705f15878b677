package core_test

import (
	"net/netip"
	"testing"

	"github.com/vendgate/vendgate/core"
)

func TestNormalizePhone(t *testing.T) {
	for in, want := range map[string]string{
		"+27 82 123-4567": "27821234567", "0027821234567": "27821234567", "(082) 123.4567": "0821234567", " 27821234567 ": "27821234567",
	} {
		if got, err := core.NormalizePhone(in); err != nil || got != want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "12345", "1234567890123456", "27 82 abc", "+27#821234567"} {
		_, err := core.NormalizePhone(in)
		wantReason(t, err, core.CodeInvalid, "invalid_phone")
	}
	if got := core.MaskPhone("27821234567"); got != "*******4567" {
		t.Errorf("MaskPhone = %q", got)
	}
	if got := core.MaskPhone("123"); got != "***" {
		t.Errorf("MaskPhone(123) = %q", got)
	}
}

func TestCheckServiceCode(t *testing.T) {
	for _, sc := range []core.ServiceCode{
		{Code: "*404#", Channel: core.ChannelUSSD}, {Code: " *120 * 404 # ", Channel: core.ChannelUSSD}, {Code: "40404", Channel: core.ChannelSMS},
	} {
		if err := core.CheckServiceCode(sc); err != nil {
			t.Errorf("CheckServiceCode(%+v): %v", sc, err)
		}
	}
	for _, sc := range []core.ServiceCode{
		{Code: "*#", Channel: core.ChannelUSSD}, {Code: "*404#a", Channel: core.ChannelUSSD}, {Code: "4", Channel: core.ChannelSMS},
		{Code: "*404#", Channel: core.ChannelSMS}, {Code: "40404", Channel: "email"},
	} {
		wantReason(t, core.CheckServiceCode(sc), core.CodeInvalid, "invalid_service_code")
	}
	if got := core.NormalizeServiceCode(" *120 * 404 # "); got != "*120*404#" {
		t.Errorf("NormalizeServiceCode = %q", got)
	}
}

func TestInstitution(t *testing.T) {
	nets, err := core.ParseNetworks("10.0.0.0/8, 192.168.1.7 ::1")
	if err != nil || len(nets) != 3 {
		t.Fatalf("ParseNetworks: %v, %v", nets, err)
	}
	in := core.Institution{Allowed: nets}
	for addr, want := range map[string]bool{"10.1.2.3": true, "192.168.1.7": true, "192.168.1.8": false, "::1": true, "::ffff:10.0.0.1": true} {
		if got := in.Allows(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Allows(%s) = %v, want %v", addr, got, want)
		}
	}
	if _, err := core.ParseNetworks("10.0.0.0/33"); err == nil {
		t.Error("ParseNetworks accepted 10.0.0.0/33")
	}
	if err := core.CheckInstitutionCode("123456"); err != nil {
		t.Error(err)
	}
	for _, c := range []string{"", "123456789012", "12a4"} {
		wantReason(t, core.CheckInstitutionCode(c), core.CodeInvalid, "invalid_institution")
	}
}

func TestErrors(t *testing.T) {
	e := core.Internal(errDown, "reading")
	if e.Error() != "reading: connection refused" || core.ErrorCode(e) != core.CodeInternal || core.ErrorCode(errDown) != core.CodeInternal {
		t.Fatalf("Internal: %q %s", e.Error(), core.ErrorCode(e))
	}
	if got := core.AsError(errDown); got.Code != core.CodeInternal || got.Unwrap() != errDown {
		t.Fatalf("AsError: %+v", got)
	}
	if got := core.Errorf(core.CodeConflict, "", "x"); got.Reason != "conflict" {
		t.Fatalf("Errorf without a reason: %q", got.Reason)
	}
	if got := core.Energy(-25).String(); got != "-2.5" {
		t.Fatalf("Energy(-25) = %q", got)
	}
}
