package vendgate_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// TestNoReasonLiterals checks that every error reason in non-test code is a constant (core's in
// core/reasons.go, an adapter's in that adapter), never a string written at the site: a string
// literal passed as the reason of core.Errorf (Errorf inside core), as the Reason of a
// core.Error literal, or as the reason of rest's badRequest and transportError, and a reason
// compared with, or switched on against, a string literal. A literal escapes the closed list and
// the adapters' tables, which are tested against the constants.
func TestNoReasonLiterals(t *testing.T) {
	files := parseSourceFiles(t, 0)
	if len(files) == 0 {
		t.Fatal("found no Go files; run from the module root")
	}
	for _, f := range files {
		for _, problem := range reasonLiterals(f.file) {
			t.Errorf("%s: %s", f.path, problem)
		}
	}
}

// TestReasonLiteralsBite proves the check finds each kind of literal reason, and passes
// constants, variables and the empty-string tests of free text.
func TestReasonLiteralsBite(t *testing.T) {
	const src = `package rest

import "github.com/vendgate/vendgate/core"

const reasonOwn core.Reason = "own"

func f(err error, e *core.Error, reason core.Reason, r struct{ Reason string }) {
	_ = core.Errorf(core.CodeInvalid, "meter_blocked", "meter %s is blocked", "x")
	_ = core.Errorf(core.CodeInvalid, core.ReasonMeterBlocked, "fine")
	_ = core.Errorf(core.CodeInvalid, reason, "fine")
	_ = &core.Error{Code: core.CodeInvalid, Reason: "unknown_reference"}
	_ = core.Error{Code: core.CodeInvalid, Reason: reasonOwn}
	_ = badRequest("field", "malformed_json", "bad")
	_ = badRequest("field", reasonOwn, "fine")
	_ = transportError(415, "unsupported_media_type", "bad")
	_ = fmt.Errorf("%s", "not a reason")
	if e.Reason == "already_reversed" || "x" != e.Reason {
	}
	if r.Reason == "" {
	}
	switch e.Reason {
	case core.ReasonMeterBlocked, "meter_decommissioned":
	}
}
`
	const coreSrc = `package core

func g() { _ = Errorf(CodeInternal, "", "x"); _ = &Error{Reason: ReasonInternal}; _ = Error{Reason: "internal"} }
`
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"rest", src, []string{`Errorf reason "meter_blocked"`, `core.Error Reason "unknown_reference"`,
			`badRequest reason "malformed_json"`, `transportError reason "unsupported_media_type"`,
			`reason compared with "already_reversed"`, `reason compared with "x"`, `reason switched on against "meter_decommissioned"`}},
		{"core", coreSrc, []string{`Errorf reason ""`, `core.Error Reason "internal"`}},
	} {
		f, err := parser.ParseFile(token.NewFileSet(), tc.name+".go", tc.src, 0)
		if err != nil {
			t.Fatal(err)
		}
		got := reasonLiterals(f)
		if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%s: found\n%s\nwant\n%s", tc.name, strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
		}
	}
}

// reasonLiterals returns the reasons written as string literals in a file, in source order.
func reasonLiterals(f *ast.File) []string {
	inCore := f.Name.Name == "core"
	var out []string
	literal := func(e ast.Expr, what string) {
		if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			out = append(out, fmt.Sprintf("%s %s", what, lit.Value))
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.CallExpr:
			if len(x.Args) < 2 {
				break
			}
			switch name := calledName(x.Fun, inCore); name {
			case "core.Errorf":
				literal(x.Args[1], "Errorf reason")
			case "badRequest", "transportError":
				literal(x.Args[1], name+" reason")
			}
		case *ast.CompositeLit:
			if calledName(x.Type, inCore) != "core.Error" {
				break
			}
			for _, el := range x.Elts {
				if kv, ok := el.(*ast.KeyValueExpr); ok && isIdent(kv.Key, "Reason") {
					literal(kv.Value, "core.Error Reason")
				}
			}
		case *ast.BinaryExpr:
			if x.Op != token.EQL && x.Op != token.NEQ {
				break
			}
			for _, pair := range [][2]ast.Expr{{x.X, x.Y}, {x.Y, x.X}} {
				if isReasonField(pair[0]) && !isEmptyString(pair[1]) {
					literal(pair[1], "reason compared with")
				}
			}
		case *ast.SwitchStmt:
			if !isReasonField(x.Tag) {
				break
			}
			for _, st := range x.Body.List {
				for _, e := range st.(*ast.CaseClause).List {
					literal(e, "reason switched on against")
				}
			}
		}
		return true
	})
	return out
}

// calledName names a function or type as "core.X" when it is core's (core.X outside core, X
// inside), else by its own name.
func calledName(e ast.Expr, inCore bool) string {
	switch x := e.(type) {
	case *ast.Ident:
		if inCore {
			return "core." + x.Name
		}
		return x.Name
	case *ast.SelectorExpr:
		if isIdent(x.X, "core") {
			return "core." + x.Sel.Name
		}
	}
	return ""
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// isReasonField reports whether e reads a field named Reason (e.Reason, core.AsError(err).Reason).
func isReasonField(e ast.Expr) bool {
	s, ok := e.(*ast.SelectorExpr)
	return ok && s.Sel.Name == "Reason"
}

func isEmptyString(e ast.Expr) bool {
	lit, ok := e.(*ast.BasicLit)
	return ok && lit.Kind == token.STRING && (lit.Value == `""` || lit.Value == "``")
}
