package backoffice_test

import (
	"testing"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

func TestApprovalPolicyNeeds(t *testing.T) {
	cases := []struct {
		name   string
		policy backoffice.ApprovalPolicy
		amount core.Money
		want   bool
	}{
		{"NotRequired", backoffice.ApprovalPolicy{Threshold: 0}, 1_000_000, false},
		{"AlwaysZero", backoffice.ApprovalPolicy{Required: true}, 0, true},
		{"AlwaysAny", backoffice.ApprovalPolicy{Required: true}, 1, true},
		{"AtThreshold", backoffice.ApprovalPolicy{Required: true, Threshold: 500}, 500, false},
		{"AboveThreshold", backoffice.ApprovalPolicy{Required: true, Threshold: 500}, 501, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.policy.Needs(c.amount); got != c.want {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

// TestApprovalReasonsListed: the approval and agent-money reasons are in the closed list, with
// the code their errors carry.
func TestApprovalReasonsListed(t *testing.T) {
	all := backoffice.Reasons()
	for r, want := range map[core.Reason]core.Code{
		backoffice.ReasonOwnApproval:        core.CodeForbidden,
		backoffice.ReasonApprovalExpired:    core.CodeConflict,
		backoffice.ReasonApprovalNotPending: core.CodeConflict,
		backoffice.ReasonTermsChanged:       core.CodeConflict,
		backoffice.ReasonInvalidAdjustment:  core.CodeInvalid,
	} {
		if got, ok := all[r]; !ok || got != want {
			t.Errorf("%s: got %q (listed %v), want %s", r, got, ok, want)
		}
	}
}
