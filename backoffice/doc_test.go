package backoffice_test

import (
	"os"
	"strings"
	"testing"

	"github.com/vendgate/vendgate/backoffice"
)

// permissionTable renders the permissions and the built-in roles that hold them, as
// docs/backoffice.md shows them.
func permissionTable() string {
	roles := backoffice.BuiltInRoles()
	var b strings.Builder
	b.WriteString("| permission | what it allows | 2FA |")
	for _, r := range roles {
		b.WriteString(" " + strings.ReplaceAll(r.Name, "_", " ") + " |")
	}
	b.WriteString("\n|---|---|---|" + strings.Repeat("---|", len(roles)) + "\n")
	for _, p := range backoffice.Permissions() {
		twoFA := "no"
		if p.Sensitive() {
			twoFA = "yes"
		}
		b.WriteString("| `" + string(p) + "` | " + p.Summary() + " | " + twoFA + " |")
		for _, r := range roles {
			if r.Has(p) {
				b.WriteString(" ✔ |")
			} else {
				b.WriteString("  |")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestDocListsPermissions keeps docs/backoffice.md's table of permissions and roles true.
func TestDocListsPermissions(t *testing.T) {
	doc, err := os.ReadFile("../docs/backoffice.md")
	if err != nil {
		t.Fatal(err)
	}
	if want := permissionTable(); !strings.Contains(string(doc), want) {
		t.Errorf("docs/backoffice.md does not hold the current table of permissions; replace it with:\n%s", want)
	}
}
