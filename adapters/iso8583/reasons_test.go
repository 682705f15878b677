package iso8583_test

import (
	"testing"

	iso "github.com/vendgate/vendgate/adapters/iso8583"
	"github.com/vendgate/vendgate/core"
)

// TestEveryCoreReasonHasAResponseCode checks field 39's table lists every reason of core's
// closed list, those that answer as their code does too: a reason added to core fails here until
// someone decides what a bank's switch is told. Every code has an entry as well.
func TestEveryCoreReasonHasAResponseCode(t *testing.T) {
	for reason, code := range core.Reasons() {
		rc, ok := iso.ReasonOf[reason]
		if !ok {
			t.Errorf("reason %s (%s) has no field 39 entry", reason, code)
			continue
		}
		if got := iso.ResponseCode(core.Errorf(code, reason, "x")); got != rc {
			t.Errorf("reason %s: answered %s, want its entry %s", reason, got, rc)
		}
	}
	for _, code := range core.Codes() {
		if _, ok := iso.CodeOf[code]; !ok {
			t.Errorf("code %s has no field 39 entry", code)
		}
	}
}
