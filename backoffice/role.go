package backoffice

import (
	"context"
	"slices"
)

// Role is a named set of permissions. The built-in roles (BuiltInRoles) are written to the
// store at bootstrap and cannot be changed; a utility adds custom roles of its own.
type Role struct {
	ID          int64
	Name        string
	Summary     string
	Permissions []Permission // sorted, each Known
	BuiltIn     bool
	Active      bool
	Version     int64
}

// Has reports whether the role grants p.
func (r Role) Has(p Permission) bool {
	_, found := slices.BinarySearch(r.Permissions, p)
	return found
}

// Sensitive reports whether the role grants a permission that moves money or keys.
func (r Role) Sensitive() bool {
	return slices.ContainsFunc(r.Permissions, Permission.Sensitive)
}

// The built-in roles' names.
const (
	RoleAdministrator = "administrator"
	RoleSupervisor    = "supervisor"
	RoleCashier       = "cashier"
	RoleKeyOfficer    = "key_officer"
	RoleAuditor       = "auditor"
	RoleVendorAdmin   = "vendor_administrator"
	RoleReadOnly      = "read_only"
)

// BuiltInRoles returns the roles every installation has, each with its sorted permissions.
func BuiltInRoles() []Role {
	reads := func(extra ...Permission) []Permission {
		var out []Permission
		for _, p := range Permissions() {
			if p.ReadOnly() && p != PermAuditRead {
				out = append(out, p)
			}
		}
		return append(out, extra...)
	}
	roles := []Role{
		{Name: RoleAdministrator, Summary: "runs the installation: operators, roles, the organisation and every record", Permissions: Permissions()},
		{Name: RoleSupervisor, Summary: "runs a utility's sales: customers, meters, debts, charges, refunds, reversals, floats, commissions, approvals", Permissions: reads(
			PermCustomersManage, PermMetersManage, PermMetersEngineering, PermMetersExchange, PermMetersReadings, PermMetersTamper, PermVendsReverse, PermRepliesSend, PermFloatAdjust, PermCreditLimit, PermCommissionPay, PermLedgerCheck,
			PermCustomersDebt, PermChargesManage, PermChargesCollect, PermRefundsRequest, PermRefundsApprove)},
		{Name: RoleCashier, Summary: "serves customers at a vending hall", Permissions: []Permission{
			PermCustomersRead, PermCustomersManage, PermMetersRead, PermMetersExchange, PermMetersReadings, PermTariffsRead, PermVendsRead, PermRepliesSend,
			PermChargesCollect, PermRefundsRequest}},
		{Name: RoleKeyOfficer, Summary: "holds the vending keys: supply groups and key changes", Permissions: []Permission{
			PermKeysManage, PermMetersRead, PermOrganisationRead, PermApprovalsRead}},
		{Name: RoleAuditor, Summary: "reads everything, the audit trail included; changes nothing", Permissions: reads(PermAuditRead)},
		{Name: RoleVendorAdmin, Summary: "runs the vending network: agents, banks, telcos, their keys and floats", Permissions: []Permission{
			PermAgentsRead, PermAgentsManage, PermFloatAdjust, PermCreditLimit, PermCommissionPay, PermVendsRead, PermApprovalsRead, PermOrganisationRead}},
		{Name: RoleReadOnly, Summary: "reads the records; changes nothing", Permissions: reads()},
	}
	for i := range roles {
		slices.Sort(roles[i].Permissions)
		roles[i].Permissions = slices.Compact(roles[i].Permissions)
		roles[i].BuiltIn, roles[i].Active = true, true
	}
	return roles
}

// RoleStore keeps roles.
type RoleStore interface {
	// Roles returns every role, by name.
	Roles(ctx context.Context) ([]Role, error)
	// RoleByName returns a role, or a not_found error.
	RoleByName(ctx context.Context, name string) (Role, error)
	// SaveRole creates a role (ID 0) or updates it if its Version is the stored one; it sets the
	// ID and the new Version. A stale version is a conflict.
	SaveRole(ctx context.Context, r *Role) error
}

// Role actions.
const (
	ActionRoleCreate Action = "role.create"
	ActionRoleUpdate Action = "role.update"
)

func roleTarget(id int64) string { return "role:" + itoa(id) }

// RoleView is a role as lists, the API and the audit trail show it.
type RoleView struct {
	ID          int64        `json:"id"`
	Name        string       `json:"name"`
	Summary     string       `json:"summary"`
	Permissions []Permission `json:"permissions"`
	BuiltIn     bool         `json:"built_in"`
	Active      bool         `json:"active"`
	Version     int64        `json:"version"`
}

// View returns the role's JSON form.
func (r Role) View() RoleView {
	return RoleView{r.ID, r.Name, r.Summary, slices.Clone(r.Permissions), r.BuiltIn, r.Active, r.Version}
}

func equalPerms(a, b []Permission) bool { return slices.Equal(a, b) }
