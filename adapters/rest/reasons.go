package rest

import "github.com/vendgate/vendgate/core"

// The adapter's own reasons: problems of HTTP and JSON that core never sees. They are not in
// core.Reasons; their codes are invalid, not_found, unauthorized or unavailable as each site says.
const (
	// The route and the method.
	reasonRouteNotFound    core.Reason = "route_not_found"
	reasonMethodNotAllowed core.Reason = "method_not_allowed"
	// The body.
	reasonUnsupportedMediaType core.Reason = "unsupported_media_type"
	reasonBodyTooLarge         core.Reason = "body_too_large"
	reasonUnreadableBody       core.Reason = "unreadable_body"
	reasonMalformedJSON        core.Reason = "malformed_json"
	reasonDuplicateField       core.Reason = "duplicate_field"
	reasonUnknownField         core.Reason = "unknown_field"
	reasonWrongType            core.Reason = "wrong_type"
	reasonMissingField         core.Reason = "missing_field"
	// Headers and parameters.
	reasonMissingIdempotencyKey core.Reason = "missing_idempotency_key"
	reasonInvalidParameter      core.Reason = "invalid_parameter"
	reasonInvalidVendID         core.Reason = "invalid_vend_id"
	reasonInvalidAuthorization  core.Reason = "invalid_authorization"
	reasonInvalidMetricsToken   core.Reason = "invalid_metrics_token"
	// The node itself.
	reasonNotReady core.Reason = "not_ready"
)
