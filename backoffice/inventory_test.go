package backoffice_test

import (
	"strings"
	"testing"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

// TestCheckStockMove walks the table of moves: every pair of states is allowed or refused as the
// meter storage's rules say, and a refusal names both states.
func TestCheckStockMove(t *testing.T) {
	allowed := map[string]bool{
		"in_store>issued": true, "in_store>installed": true, "in_store>faulty": true, "in_store>scrapped": true,
		"issued>in_store": true, "issued>installed": true, "issued>faulty": true,
		"installed>removed": true,
		"removed>in_store":  true, "removed>faulty": true, "removed>scrapped": true,
		"faulty>in_store": true, "faulty>scrapped": true,
	}
	for _, from := range backoffice.StockStates() {
		for _, to := range backoffice.StockStates() {
			err := backoffice.CheckStockMove("01000000016", from, to)
			if want := allowed[string(from)+">"+string(to)]; want != (err == nil) {
				t.Errorf("%s to %s: got %v, want allowed=%v", from, to, err, want)
				continue
			}
			if err == nil {
				continue
			}
			if e := core.AsError(err); e.Code != core.CodeInvalid || e.Reason != backoffice.ReasonStockMoveRefused {
				t.Errorf("%s to %s: got %s/%s", from, to, e.Code, e.Reason)
			}
			if !strings.Contains(err.Error(), "from "+string(from)+" to "+string(to)) {
				t.Errorf("%s to %s: %q does not name both states", from, to, err)
			}
		}
	}
	if err := backoffice.CheckStockMove("01000000016", backoffice.StockScrapped, backoffice.StockInStore); err == nil || !strings.Contains(err.Error(), "scrapped is final") {
		t.Errorf("got %v, want scrapped called final", err)
	}
	if _, err := backoffice.ParseStockState("lost"); core.AsError(err).Reason != backoffice.ReasonInvalidStockState {
		t.Errorf("ParseStockState(lost): %v", err)
	}
}
