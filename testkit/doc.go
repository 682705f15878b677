// Package testkit holds what Vendgate's tests share: the test databases (EachDB, OpenDB), log
// capture and the secret check every channel's test runs on its logs (CaptureLogs,
// AssertNoSecrets), TLS helpers, and in its subpackages the test SMSC (smsc) and the in-memory
// stores with the real core.Vendor over them (memstore). Non-test code never imports it; the
// virtual STS meter lives in sts/meter so that stsctl can use it.
package testkit
