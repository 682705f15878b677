// Package rest is Vendgate's agent REST API: JSON over HTTP through which agents and
// point-of-sale terminals confirm a meter's customer, buy STS tokens exactly once per
// Idempotency-Key, reprint and reverse their vends, and read their float and statement.
//
// It speaks in core's terms and nothing else: each handler calls one small interface this
// package declares (Vendor, Reverser, Meters, Vends, Agents, Health), which cmd/vendgate wires to
// core and the store, and which tests replace with fakes. Wire structs and their converters
// (toVendJSON, toMeterJSON ...) live here; core types carry no JSON tags.
//
// The contract is openapi.json (OpenAPI 3.1, served at GET /openapi.json); a test keeps it and the
// registered routes identical, and every response in the tests is validated against it.
// Errors are RFC 9457 problem details (application/problem+json) with core's code and reason;
// statusOf is the one table from core.Code to HTTP status. Authentication is
// "Authorization: Bearer <API key>" (RFC 6750) checked by core.Authenticate.
package rest
