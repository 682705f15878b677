package rest_test

import (
	"testing"

	"github.com/vendgate/vendgate/adapters/rest"
	"github.com/vendgate/vendgate/core"
)

// TestEveryCoreReasonHasAStatus checks that the code of every reason in core's closed list, and
// every code, has an HTTP status: a reason with a code statusOf lacks would be answered 500.
func TestEveryCoreReasonHasAStatus(t *testing.T) {
	for reason, code := range core.Reasons() {
		if rest.StatusOf[code] == 0 {
			t.Errorf("reason %s: code %s has no HTTP status", reason, code)
		}
	}
	for _, code := range core.Codes() {
		if rest.StatusOf[code] == 0 {
			t.Errorf("code %s has no HTTP status", code)
		}
	}
}
