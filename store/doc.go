// Package store persists Vendgate's domain with bun on PostgreSQL and on the embedded SQLite, and
// implements the storage interfaces core declares (core.MeterReader, core.AgentReader,
// core.SealedKeys, core.APIKeyReader, core.VendStore with core.VendTx, core.VendReader,
// core.VendReverser).
//
// The vend transaction follows docs/design.md, "One vend, one transaction": the meters' rows are
// locked first by the SELECT that reads their counters (FOR NO KEY UPDATE on PostgreSQL), the
// idempotency keys are claimed with INSERT ... ON CONFLICT DO NOTHING RETURNING, and the agent's
// float moves last with a guarded UPDATE. The same SQL runs on both databases (SQLite 3.35 or
// later for RETURNING); what differs between them (drivers, error codes, pool sizes, the
// migration lock) is in dialect.go.
//
// Row structs carry the bun tags and named converters (toCoreMeter, fromCoreMeter, ...) turn them
// into core's types, which carry none. Decimals are stored as TEXT in exact form, tariff blocks as
// a JSON TEXT column, tokens as their 20 digits, times as timestamps in UTC.
package store
