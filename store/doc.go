// Package store persists Vendgate's domain with bun on PostgreSQL and on the embedded SQLite, and
// implements the storage interfaces core declares.
package store
