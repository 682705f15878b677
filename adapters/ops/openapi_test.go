package ops_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/vendgate/vendgate/adapters/ops"
)

// document is openapi.json, loaded and validated once.
var document = sync.OnceValues(func() (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(ops.OpenAPI())
	if err != nil {
		return nil, err
	}
	return doc, doc.Validate(context.Background())
})

var documentRouter = sync.OnceValues(func() (routers.Router, error) {
	doc, err := document()
	if err != nil {
		return nil, err
	}
	return legacy.NewRouter(doc)
})

// The audit export's JSON lines are checked line by line in TestAuditExport; against the
// document they are text.
func init() {
	openapi3filter.RegisterBodyDecoder("application/x-ndjson",
		func(r io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
			b, err := io.ReadAll(r)
			return string(b), err
		})
}

// TestOpenAPIMatchesRoutes keeps openapi.json true: every route of the table is in the document
// with its method and path, and every operation of the document is a route.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc, err := document()
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi.json is OpenAPI %s, want 3.1", doc.OpenAPI)
	}
	var documented, registered []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
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
	if len(registered) == 0 {
		t.Error("no routes")
	}
}

// TestOpenAPIServed: GET /ops/v1/openapi.json is the embedded document, without credentials.
func TestOpenAPIServed(t *testing.T) {
	a := newEnv(t).client(t).do(t, http.MethodGet, "/ops/v1/openapi.json", nil)
	if a.status != http.StatusOK || a.header.Get("Content-Type") != "application/json" || string(a.body) != string(ops.OpenAPI()) {
		t.Fatalf("status %d, Content-Type %q", a.status, a.header.Get("Content-Type"))
	}
}

// checkAgainstDocument validates an answer against openapi.json: status, headers and body of a
// documented route, or the Problem schema for what no route takes. Every request of the tests
// goes through it (client.do).
func checkAgainstDocument(tb testing.TB, req *http.Request, a answer) {
	tb.Helper()
	doc, err := document()
	if err != nil {
		tb.Fatalf("openapi.json: %v", err)
	}
	router, err := documentRouter()
	if err != nil {
		tb.Fatalf("openapi.json router: %v", err)
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		if a.status != http.StatusNotFound && a.status != http.StatusMethodNotAllowed {
			tb.Errorf("%s %s is not in openapi.json but answered %d", req.Method, req.URL.Path, a.status)
		}
		var v any
		if err := json.Unmarshal(a.body, &v); err != nil {
			tb.Fatalf("%s %s: body %q: %v", req.Method, req.URL, a.body, err)
		}
		if err := doc.Components.Schemas["Problem"].Value.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
			tb.Errorf("%s %s: the problem does not match the Problem schema: %v", req.Method, req.URL, err)
		}
		return
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts},
		Status:                 a.status,
		Header:                 a.header,
		Options:                opts,
	}
	in.SetBodyBytes(a.body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		tb.Errorf("%s %s: answer %d does not match openapi.json: %v\nbody: %s", req.Method, req.URL, a.status, err, a.body)
	}
}
