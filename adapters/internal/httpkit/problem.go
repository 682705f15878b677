package httpkit

import (
	"net/http"
	"strings"

	"github.com/vendgate/vendgate/core"
)

// StatusOf is the one table from core's error codes to HTTP status that the HTTP adapters (the
// agents' /v1, the operators' /ops/v1) share. The rule for invalid: every request refused as
// asked is 400, whether its shape is wrong (bad JSON, a mistyped meter number) or the domain
// refuses it (meter_blocked, weak_password); the problem's reason tells them apart, so 422 is not
// used. Insufficient funds is 402, a status no other code shares, so a terminal can tell "top up
// your float" from a conflict without reading the body. Unauthorized (who is asking is unknown) is
// 401 with WWW-Authenticate; forbidden (who is asking is known and lacks the permission) is 403.
var StatusOf = map[core.Code]int{
	core.CodeInvalid:           http.StatusBadRequest,          // 400
	core.CodeNotFound:          http.StatusNotFound,            // 404
	core.CodeInsufficientFunds: http.StatusPaymentRequired,     // 402
	core.CodeDuplicate:         http.StatusConflict,            // 409
	core.CodeConflict:          http.StatusConflict,            // 409
	core.CodeUnavailable:       http.StatusServiceUnavailable,  // 503, with Retry-After
	core.CodeUnauthorized:      http.StatusUnauthorized,        // 401, with WWW-Authenticate
	core.CodeForbidden:         http.StatusForbidden,           // 403
	core.CodeInternal:          http.StatusInternalServerError, // 500, logged with its cause
}

// ProblemTypeBase prefixes a problem's reason to make its type URI (RFC 9457 §3.1.1).
const ProblemTypeBase = "https://vendgate.dev/problems/"

// MimeProblem is the media type of a problem details answer (RFC 9457 §3).
const MimeProblem = "application/problem+json"

// Title makes a problem type's title from its reason: "meter_blocked" is "Meter blocked".
func Title(reason core.Reason) string {
	words := strings.Split(string(reason), "_")
	for i, w := range words {
		switch w {
		case "api", "json", "tid", "id", "url", "csrf", "totp":
			words[i] = strings.ToUpper(w)
		}
	}
	t := strings.Join(words, " ")
	if t == "" {
		return "Error"
	}
	return strings.ToUpper(t[:1]) + t[1:]
}
