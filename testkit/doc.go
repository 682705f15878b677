// Package testkit holds simulators and fakes for Vendgate's tests and demos. Non-test code never
// imports it; the virtual STS meter lives in sts/meter so that stsctl can use it.
package testkit
