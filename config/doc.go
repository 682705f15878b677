// Package config loads and validates Vendgate's configuration (file, VENDGATE_* environment
// variables, flags) for cmd/vendgate, the only package that imports it.
package config
