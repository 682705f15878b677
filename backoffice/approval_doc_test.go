package backoffice_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vendgate/vendgate/backoffice"
)

// policyTable renders the default approval policies as docs/backoffice.md shows them.
func policyTable() string {
	var b strings.Builder
	b.WriteString("| action | permission | a second operator | expires after |\n|---|---|---|---|\n")
	for _, p := range backoffice.DefaultApprovalPolicies() {
		need := "never"
		switch {
		case p.Required && p.Threshold == 0:
			need = "always"
		case p.Required:
			need = "above " + p.Threshold.String()
		}
		b.WriteString("| `" + string(p.Action) + "` | `" + string(p.Permission) + "` | " + need + " | " + (time.Duration(p.View().ExpirySeconds) * time.Second).String() + " |\n")
	}
	return b.String()
}

// TestDocListsApprovalPolicies keeps docs/backoffice.md's table of default policies true.
func TestDocListsApprovalPolicies(t *testing.T) {
	doc, err := os.ReadFile("../docs/backoffice.md")
	if err != nil {
		t.Fatal(err)
	}
	if want := policyTable(); !strings.Contains(string(doc), want) {
		t.Errorf("docs/backoffice.md does not hold the current table of approval policies; replace it with:\n%s", want)
	}
}
