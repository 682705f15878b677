package rest

import (
	"context"
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/vendgate/vendgate/core"
)

type statusJSON struct {
	Status string `json:"status"`
}

// healthz is GET /healthz: the process answers.
func (s *Server) healthz(c *echo.Context) error {
	return c.JSON(http.StatusOK, statusJSON{Status: "ok"})
}

// readyz is GET /readyz: the database answers within ReadyTimeout, else 503.
func (s *Server) readyz(c *echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.ready)
	defer cancel()
	if err := s.cfg.Health.Ping(ctx); err != nil {
		return &core.Error{Code: core.CodeUnavailable, Reason: reasonNotReady, Message: "the database does not answer", Err: err}
	}
	return c.JSON(http.StatusOK, statusJSON{Status: "ready"})
}

// openAPIDocument is the API's contract, written by hand; tests keep it true.
//
//go:embed openapi.json
var openAPIDocument []byte

// OpenAPI returns the OpenAPI 3.1 document of the API.
func OpenAPI() []byte { return append([]byte(nil), openAPIDocument...) }

// openAPI is GET /openapi.json.
func (s *Server) openAPI(c *echo.Context) error {
	return c.Blob(http.StatusOK, "application/json", openAPIDocument)
}
