package rest

import (
	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/core"
)

// The adapter's own reasons: problems of HTTP and JSON that core never sees. They are not in
// core.Reasons; their codes are invalid, not_found, unauthorized or unavailable as each site says.
const (
	// The route and the method.
	reasonRouteNotFound    core.Reason = "route_not_found"
	reasonMethodNotAllowed core.Reason = "method_not_allowed"
	// The body.
	reasonBodyTooLarge = httpkit.ReasonBodyTooLarge // the others of the body are httpkit's (body.go)
	// Headers and parameters.
	reasonMissingIdempotencyKey core.Reason = "missing_idempotency_key"
	reasonInvalidParameter      core.Reason = "invalid_parameter"
	reasonInvalidVendID         core.Reason = "invalid_vend_id"
	reasonInvalidAuthorization  core.Reason = "invalid_authorization"
	reasonInvalidMetricsToken   core.Reason = "invalid_metrics_token"
	// The node itself.
	reasonNotReady core.Reason = "not_ready"
)
