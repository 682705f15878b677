package rest

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/vendgate/vendgate/core"
)

// Metrics returns GET /metrics alone (behind Config.MetricsToken when set), for an address of
// its own (Config.MetricsApart); its answers and log lines are the API's.
func (s *Server) Metrics() http.Handler { return s.metrics }

// guardMetrics serves h to requests that carry Config.MetricsToken as their bearer token, or to
// every request when no token is configured. The token is compared in constant time.
func (s *Server) guardMetrics(h http.Handler) echo.HandlerFunc {
	serve := echo.WrapHandler(h)
	if s.cfg.MetricsToken == "" {
		return serve
	}
	want := sha256.Sum256([]byte(s.cfg.MetricsToken))
	return func(c *echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		token, ok := bearer(c.Request().Header.Get("Authorization"))
		got := sha256.Sum256([]byte(token))
		if !ok || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			return core.Errorf(core.CodeUnauthorized, reasonInvalidMetricsToken, `GET /metrics needs "Authorization: Bearer <metrics token>"`)
		}
		return serve(c)
	}
}
