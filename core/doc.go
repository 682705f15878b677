// Package core is Vendgate's vending domain: utilities, meters, customers, tariffs, agents, the
// vend pipeline that turns one payment into STS tokens exactly once, the double-entry ledger, the
// closed set of error codes, and the small interfaces it needs from storage and key custody.
//
// It imports the standard library, sts and an exact decimal type; technology packages (store,
// adapters) import it, never the reverse. Money is int64 minor units of the utility's ISO 4217
// currency; units of service are int64 tenths of the meter kind's unit (kWh, kL, m3: the STS
// token's amount, MeterKind.Unit); prices and rates are exact decimals. Nothing here reads the wall clock or the global random source: both are injected.
package core
