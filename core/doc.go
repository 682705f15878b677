// Package core is Vendgate's vending domain: the types of a vend, its pipeline, the closed set of
// error codes, and the small interfaces it needs from storage and channels. It imports the standard
// library and sts; technology packages (store, adapters) import it, never the reverse.
package core
