// Package ops is Vendgate's operator API: JSON over HTTP under /ops/v1, beside the agents' /v1
// (adapters/rest), through which the web console and operators' scripts run the back office.
//
// It is thin. Each route calls one method of a small interface this package declares beside the
// handler (server.go: Account, Sessions, Tokens, Operators, Roles, Audit, Approvals, Agents,
// Vends, Organisation, Versions, Stock, Contracts, MeterTokens, Records, Network), which
// *backoffice.Service implements; every rule, permission check and audit entry is the back
// office's. The routes are one table (routes.go): adding a use case is one line there and its
// handler. An action under the approval policy answers 200 with its result when it ran and 202
// with the approval request when it waits for a second operator (gated, approval.go).
//
// Callers authenticate in one of two ways (auth.go): a browser signs in with POST
// /ops/v1/session and holds the vg_session cookie (HttpOnly, SameSite=Strict, Path=/ops), and
// every unsafe request it makes carries the session's CSRF token in X-CSRF-Token; a script sends
// "Authorization: Bearer vgo_..." (an API token) and needs no CSRF token.
//
// Errors are RFC 9457 problem details (application/problem+json) with core's code and reason,
// the field at fault and, for 403, the permission needed; httpkit.StatusOf is the one table from
// core.Code to HTTP status. The contract is openapi.json (OpenAPI 3.1), which a test keeps equal
// to the route table.
package ops
