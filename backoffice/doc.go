// Package backoffice is Vendgate's operator domain: every use case of the people who run a
// utility on Vendgate (administrators, supervisors, cashiers, key officers, auditors), each with
// the one permission it needs, its four-eyes approval where the policy asks for one, and its
// entry in the hash-chained audit trail, written in the same transaction as the change.
//
// Every way in for operators (the `vendgate admin` CLI, the operator API under /ops/v1, the web
// console) calls a Service method with the acting Actor; none of them holds a rule, a permission
// check or an audit write of its own. The package imports core and the standard library; the
// store implements the interfaces it declares (Store), adapters call it. docs/backoffice.md
// describes the roles, the permissions and the audit chain.
package backoffice
