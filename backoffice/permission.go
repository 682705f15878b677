package backoffice

import (
	"slices"
	"strings"
)

// Permission names one thing an operator may do: "object.verb". Roles are sets of permissions;
// every Service method checks exactly one.
type Permission string

// The permissions. Reads are "*.read"; each change names what it changes.
const (
	PermOperatorsRead   Permission = "operators.read"   // list and show operators and roles
	PermOperatorsManage Permission = "operators.manage" // create, change, lock, deactivate operators; their sessions and tokens
	PermRolesManage     Permission = "roles.manage"     // create and change custom roles

	PermAuditRead Permission = "audit.read" // read, verify and export the audit trail

	PermApprovalsRead   Permission = "approvals.read"   // see the approvals queue
	PermApprovalsPolicy Permission = "approvals.policy" // set which actions need a second operator

	PermOrganisationRead   Permission = "organisation.read"   // the utility, departments, halls, terminals
	PermOrganisationManage Permission = "organisation.manage" // create and change them

	PermTariffsRead   Permission = "tariffs.read"
	PermTariffsManage Permission = "tariffs.manage" // tariffs, tax rates, system parameters

	PermCustomersRead   Permission = "customers.read"
	PermCustomersManage Permission = "customers.manage" // customers and contracts
	PermCustomersDebt   Permission = "customers.debt"   // add to, adjust and write off customers' debts

	PermChargesManage  Permission = "charges.manage"  // the catalogue of charges
	PermChargesCollect Permission = "charges.collect" // charge a customer from the catalogue; collect it at the counter
	PermRefundsRequest Permission = "refunds.request" // ask to pay a customer back for credit not used
	PermRefundsApprove Permission = "refunds.approve" // approve a refund (the gate's permission)

	PermMetersRead        Permission = "meters.read"
	PermMetersManage      Permission = "meters.manage"      // register meters, move them in the store, set their status
	PermMetersEngineering Permission = "meters.engineering" // issue engineering and test tokens for a meter
	PermMetersExchange    Permission = "meters.exchange"    // exchange a contract's meter, carrying its credit
	PermMetersReadings    Permission = "meters.readings"    // record and import meter readings
	PermMetersTamper      Permission = "meters.tamper"      // open and resolve tamper cases; their orders

	PermKeysManage Permission = "keys.manage" // supply groups and their vending keys, key changes

	PermAgentsRead    Permission = "agents.read"
	PermAgentsManage  Permission = "agents.manage"     // agents, institutions, service codes, API keys
	PermFloatAdjust   Permission = "agents.float"      // top up and adjust floats
	PermCreditLimit   Permission = "agents.credit"     // change credit limits and commission rates
	PermCommissionPay Permission = "agents.commission" // run commission payments
	PermVendsRead     Permission = "vends.read"        // vends, tokens, replies, the ledger
	PermVendsReverse  Permission = "vends.reverse"     // reverse a vend
	PermRepliesSend   Permission = "replies.resend"    // resend a failed reply
	PermLedgerCheck   Permission = "ledger.check"      // recompute every balance from the ledger
)

// permissionInfo is what the catalogue says of a permission.
type permissionInfo struct {
	summary string
	// sensitive permissions move money or keys: an operator holding one must sign in with a
	// second factor.
	sensitive bool
}

var catalogue = map[Permission]permissionInfo{
	PermOperatorsRead:      {"list and show operators and roles", false},
	PermOperatorsManage:    {"create, change, lock and deactivate operators; revoke their sessions and tokens", true},
	PermRolesManage:        {"create and change custom roles", true},
	PermAuditRead:          {"read, verify and export the audit trail", false},
	PermApprovalsRead:      {"see the approvals queue", false},
	PermApprovalsPolicy:    {"set which actions need a second operator, above which amount, and how long a request waits", true},
	PermOrganisationRead:   {"read the utility, departments, vending halls and terminals", false},
	PermOrganisationManage: {"create and change the utility, departments, vending halls and terminals", false},
	PermTariffsRead:        {"read tariffs, tax rates and system parameters", false},
	PermTariffsManage:      {"change tariffs, tax rates and system parameters", true},
	PermCustomersRead:      {"read customers and contracts", false},
	PermCustomersManage:    {"create and change customers and contracts", false},
	PermCustomersDebt:      {"add to, adjust and write off customers' debts", true},
	PermChargesManage:      {"keep the catalogue of charges", false},
	PermChargesCollect:     {"charge a customer from the catalogue and collect charges at the counter", false},
	PermRefundsRequest:     {"ask to refund a customer for credit not used", false},
	PermRefundsApprove:     {"approve a refund requested by another operator", true},
	PermMetersRead:         {"read meters, their history and their tokens", false},
	PermMetersManage:       {"register meters, move them through the store, set their status", false},
	PermMetersEngineering:  {"issue engineering and test tokens for a meter", true},
	PermMetersExchange:     {"exchange a contract's meter, carrying its credit to the new one (approved by a second operator)", false},
	PermMetersReadings:     {"record and import meter readings", false},
	PermMetersTamper:       {"open and resolve tamper cases: block and unblock vending, disconnection and reconnection orders", false},
	PermKeysManage:         {"create supply groups with their vending keys; key changes", true},
	PermAgentsRead:         {"read agents, institutions, service codes and their statements", false},
	PermAgentsManage:       {"create and change agents, institutions, service codes and API keys", false},
	PermFloatAdjust:        {"top up and adjust agents' floats", true},
	PermCreditLimit:        {"change agents' credit limits and commission rates", true},
	PermCommissionPay:      {"run agents' commission payments for a period", true},
	PermVendsRead:          {"read vends, tokens, replies and the ledger", false},
	PermVendsReverse:       {"reverse a vend", true},
	PermRepliesSend:        {"resend a failed reply", false},
	PermLedgerCheck:        {"recompute every balance from the ledger", false},
}

// Permissions returns every permission, sorted.
func Permissions() []Permission {
	out := make([]Permission, 0, len(catalogue))
	for p := range catalogue {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// Known reports whether p is in the catalogue.
func (p Permission) Known() bool { _, ok := catalogue[p]; return ok }

// Summary says in a line what p allows.
func (p Permission) Summary() string { return catalogue[p].summary }

// Sensitive reports whether p moves money or keys: whoever holds it signs in with a second factor.
func (p Permission) Sensitive() bool { return catalogue[p].sensitive }

// ReadOnly reports whether p only reads.
func (p Permission) ReadOnly() bool { return strings.HasSuffix(string(p), ".read") }
