// Package vendgate_test holds the tests that guard the project's architecture: the import rules of
// the README's Architecture and Layout sections, written as a table so that review does not depend
// on memory.
package vendgate_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/vendgate/vendgate"

// A rule forbids packages under From (a path relative to the module, "" for all) but not under
// Except to import what Forbid matches in non-test files, and says why.
type rule struct {
	from   string
	forbid func(imp string) bool
	why    string
	except string
}

// applies reports whether the rule governs the package in dir.
func (r rule) applies(dir string) bool {
	return under(dir, r.from) && (r.except == "" || !under(dir, r.except))
}

func project(prefixes ...string) func(string) bool {
	return func(imp string) bool {
		rel, ok := strings.CutPrefix(imp, module+"/")
		if !ok {
			return false
		}
		for _, p := range prefixes {
			if rel == p || strings.HasPrefix(rel, p+"/") {
				return true
			}
		}
		return false
	}
}

// ofProject matches every package of the module.
func ofProject(imp string) bool { return strings.HasPrefix(imp, module+"/") }

func notStdlib(imp string) bool {
	first, _, _ := strings.Cut(imp, "/")
	return strings.Contains(first, ".")
}

// beyondSTS matches every import that is neither the standard library nor sts and its packages.
func beyondSTS(imp string) bool {
	return notStdlib(imp) && !project("sts")(imp)
}

func oneOf(list ...string) func(string) bool {
	return func(imp string) bool {
		for _, l := range list {
			if imp == l {
				return true
			}
		}
		return false
	}
}

// otherAdapter matches an import of an adapter other than own. adapters/internal and adapters/lang
// are shared by every adapter.
func otherAdapter(own string) func(string) bool {
	return func(imp string) bool {
		rel, ok := strings.CutPrefix(imp, module+"/adapters/")
		target, _, _ := strings.Cut(rel, "/")
		return ok && target != own && target != "internal" && target != "lang"
	}
}

// adapterRules forbid each adapter in adapters/ to import another: a channel reaches another only
// through interfaces core declares.
func adapterRules() []rule {
	entries, _ := os.ReadDir("adapters")
	var out []rule
	for _, e := range entries {
		if e.IsDir() && e.Name() != "internal" && e.Name() != "lang" {
			out = append(out, rule{"adapters/" + e.Name(), otherAdapter(e.Name()),
				"no adapter imports another: cross-channel work goes through core's interfaces", ""})
		}
	}
	return out
}

var rules = append(adapterRules(), []rule{
	{"sts", beyondSTS, "sts is the pure token engine: the standard library only", ""},
	{"sts", oneOf("os", "net", "net/http", "log", "log/slog", "syscall", "math/rand", "math/rand/v2", "crypto/rand", "unsafe"),
		"sts does no I/O and no logging; randomness is passed in", ""},
	{"smstext", notStdlib, "smstext is the SMS text codec that several channels share: the standard library only", ""},
	{"smstext", oneOf("os", "net", "net/http", "log", "log/slog", "syscall", "unsafe"),
		"smstext is pure: no I/O and no logging (dropped parts are reported to a callback)", ""},
	{"cmd/stsctl", beyondSTS, "stsctl is the offline tool: it imports sts only", ""},
	{"core", project("store", "adapters", "config", "cmd", "backoffice"), "core is the centre: technology packages depend on it, not the reverse; core is the sale and knows nothing of operators", ""},
	{"backoffice", project("store", "adapters", "config", "cmd"), "backoffice is the operator domain: it imports core and declares what it needs from storage", ""},
	{"store", project("adapters", "config", "cmd"), "store implements core's interfaces and knows no transport", ""},
	{"adapters", project("store", "config", "cmd"), "adapters speak to core only; storage is behind core's interfaces", ""},
	{"config", ofProject, "config parses and validates settings into standard types and imports nothing of the project; cmd wires them", ""},
	// testkit's own programs (the SMS load command, testkit/cmd/smsload) are built from its
	// simulators; testkit's helpers take a testing.TB.
	{"", project("testkit"), "non-test code never imports the simulators", "testkit"},
	{"", oneOf("testing"), "non-test code never imports testing", "testkit"},
}...)

type pkgFile struct {
	dir  string // relative to the module root, slash-separated
	path string
	file *ast.File
}

func sourceFiles(t *testing.T) []pkgFile {
	t.Helper()
	return parseSourceFiles(t, parser.ImportsOnly|parser.ParseComments)
}

// parseSourceFiles parses every non-test Go file of the module with mode.
func parseSourceFiles(t *testing.T, mode parser.Mode) []pkgFile {
	t.Helper()
	var out []pkgFile
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "data" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, mode)
		if err != nil {
			return err
		}
		out = append(out, pkgFile{dir: filepath.ToSlash(filepath.Dir(path)), path: path, file: f})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func under(dir, from string) bool {
	return from == "" || dir == from || strings.HasPrefix(dir, from+"/")
}

func TestImportRules(t *testing.T) {
	files := sourceFiles(t)
	if len(files) == 0 {
		t.Fatal("found no Go files; run from the module root")
	}
	for _, f := range files {
		for _, spec := range f.file.Imports {
			imp, _ := strconv.Unquote(spec.Path.Value)
			for _, r := range rules {
				if r.applies(f.dir) && r.forbid(imp) {
					t.Errorf("%s imports %s: %s", f.path, imp, r.why)
				}
			}
		}
	}
}

// TestRulesBite proves each rule rejects what it is meant to: a rule that matches nothing guards
// nothing.
func TestRulesBite(t *testing.T) {
	cases := []struct {
		dir, imp string
	}{
		{"sts", "github.com/shopspring/decimal"},
		{"sts/meter", "os"},
		{"sts", module + "/core"},
		{"cmd/stsctl", module + "/core"},
		{"smstext", "github.com/linxGnu/gosmpp/pdu"},
		{"smstext", module + "/core"},
		{"smstext", "net"},
		{"core", module + "/store"},
		{"store", module + "/adapters/rest"},
		{"adapters/rest", module + "/store"},
		{"adapters/rest", module + "/config"},
		{"config", module + "/cmd/vendgate"},
		{"config", module + "/core"},
		{"core", module + "/testkit"},
		{"cmd/vendgate", module + "/testkit/smsc"},
		{"adapters/smpp", module + "/testkit/smsc"},
		{"testkitx", module + "/testkit/smsc"},
		{"store", "testing"},
		{"adapters/ussd", module + "/adapters/smpp"},
		{"adapters/iso8583/atm", module + "/adapters/rest"},
		{"adapters/rest", module + "/adapters/queue/x"},
		{"adapters/ops", module + "/store"},
		{"adapters/ops", module + "/adapters/rest"},
	}
	for _, c := range cases {
		hit := false
		for _, r := range rules {
			if r.applies(c.dir) && r.forbid(c.imp) {
				hit = true
			}
		}
		if !hit {
			t.Errorf("%s importing %s: got allowed, want forbidden", c.dir, c.imp)
		}
	}
	for _, ok := range []struct{ dir, imp string }{
		{"cmd/stsctl", module + "/sts/meter"},
		{"sts/meter", module + "/sts"},
		{"adapters/rest", module + "/core"},
		{"store", module + "/core"},
		{"testkit/cmd/smsload", module + "/testkit/smsc"},
		{"testkit", "testing"},
		{"adapters/lang", module + "/smstext"},
		{"smstext", "unicode/utf16"},
		{"adapters/ussd", module + "/adapters/lang"},
		{"adapters/rest", module + "/adapters/internal/httpkit"},
		{"adapters/iso8583/atm", module + "/adapters/iso8583"},
		{"adapters/ops", module + "/backoffice"},
		{"adapters/ops", module + "/adapters/internal/httpkit"},
	} {
		for _, r := range rules {
			if r.applies(ok.dir) && r.forbid(ok.imp) {
				t.Errorf("%s importing %s: got forbidden (%s), want allowed", ok.dir, ok.imp, r.why)
			}
		}
	}
}

// TestSTSReadsNoClock keeps time.Now and friends out of sts (times are passed in) and floating
// point out of its arithmetic (amounts are integer tenths).
func TestSTSReadsNoClock(t *testing.T) {
	fset := token.NewFileSet()
	err := filepath.WalkDir("sts", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, path, src, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "time" && (sel.Sel.Name == "Now" || sel.Sel.Name == "Since" || sel.Sel.Name == "Until") {
				t.Errorf("%s: time.%s: sts takes times as arguments", fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
		if strings.Contains(string(src), "float64") || strings.Contains(string(src), "float32") {
			t.Errorf("%s: sts counts amounts in integers; no floating point", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
