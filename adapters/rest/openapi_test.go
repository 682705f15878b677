package rest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/vendgate/vendgate/adapters/rest"
)

// TestOpenAPIMatchesRoutes keeps openapi.json true: every route echo has is in the document with
// the same method and path, and every operation in the document is a route.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc, err := document()
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi.json is OpenAPI %s, want 3.1", doc.OpenAPI)
	}
	var documented []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	var registered []string
	for _, r := range newEnv(t).srv.Routes() {
		registered = append(registered, r.Method+" "+r.Path)
	}
	slices.Sort(documented)
	slices.Sort(registered)
	for _, r := range registered {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(registered, d) {
			t.Errorf("openapi.json has %s, which is not a route", d)
		}
	}
	if len(registered) != 11 {
		t.Errorf("%d routes: %s", len(registered), strings.Join(registered, ", "))
	}
}

// TestOpenAPIServed checks GET /openapi.json answers the embedded document.
func TestOpenAPIServed(t *testing.T) {
	rec := newEnv(t).do(t, request(http.MethodGet, "/openapi.json", "", "Authorization", ""))
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, Content-Type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if !json.Valid(rec.Body.Bytes()) || rec.Body.String() != string(rest.OpenAPI()) {
		t.Error("GET /openapi.json is not the embedded document")
	}
}
