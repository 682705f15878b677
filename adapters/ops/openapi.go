package ops

import (
	_ "embed"
	"net/http"
)

//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the operator API's OpenAPI 3.1 document.
func OpenAPI() []byte { return openAPI }

// openAPI is GET /ops/v1/openapi.json.
func (s *Server) openAPI(x *exchange) error {
	x.w.Header().Set("Content-Type", "application/json")
	x.w.WriteHeader(http.StatusOK)
	_, _ = x.w.Write(openAPI)
	return nil
}
