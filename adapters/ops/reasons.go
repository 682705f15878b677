package ops

import "github.com/vendgate/vendgate/core"

// The adapter's own reasons: problems of HTTP and its credentials that the back office never
// sees. The reasons of a request body are httpkit's (httpkit.BodyReasons).
const (
	reasonRouteNotFound        core.Reason = "route_not_found"       // not_found
	reasonMethodNotAllowed     core.Reason = "method_not_allowed"    // invalid, 405
	reasonMissingCredentials   core.Reason = "missing_credentials"   // unauthorized: neither a session cookie nor a bearer token
	reasonInvalidAuthorization core.Reason = "invalid_authorization" // unauthorized: an Authorization header that is not "Bearer <token>"
	reasonCSRFMissing          core.Reason = "csrf_missing"          // forbidden: an unsafe request by cookie without X-CSRF-Token
	reasonCSRFMismatch         core.Reason = "csrf_mismatch"         // forbidden: an X-CSRF-Token that is not the session's
	reasonInvalidParameter     core.Reason = "invalid_parameter"     // invalid: a query or path parameter
)

// ownReasons are the adapter's reasons with their codes, for the tests of the status table.
var ownReasons = map[core.Reason]core.Code{
	reasonRouteNotFound:        core.CodeNotFound,
	reasonMethodNotAllowed:     core.CodeInvalid,
	reasonMissingCredentials:   core.CodeUnauthorized,
	reasonInvalidAuthorization: core.CodeUnauthorized,
	reasonCSRFMissing:          core.CodeForbidden,
	reasonCSRFMismatch:         core.CodeForbidden,
	reasonInvalidParameter:     core.CodeInvalid,
}
