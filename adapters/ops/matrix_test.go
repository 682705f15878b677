package ops_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/internal/demo"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/testkit"
)

// TestPermissionMatrix sends every route that needs a permission, by an API token of an operator
// of each built-in role, on both databases. A role without the permission gets 403 naming it,
// and the only entry the request adds to the audit trail is its refusal; a role with it is never
// refused for it.
func TestPermissionMatrix(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnvOn(t, db)
		ctx := context.Background()
		targetID := createdID(t, e, "target", backoffice.RoleReadOnly)
		if _, err := e.bo.Svc.CreateRole(ctx, e.bo.Admin, backoffice.NewRole{Name: "custom", Summary: "x", Permissions: []backoffice.Permission{backoffice.PermMetersRead}}); err != nil {
			t.Fatal(err)
		}
		id := strconv.FormatInt(targetID, 10)
		f := matrixFixtures(t, e, db)
		routes := []struct {
			method, path string
			body         any
			perm         backoffice.Permission
			// pattern is the route's pattern when the path is not the operator's or the role's.
			pattern string
			headers []string
		}{
			{"GET", "/ops/v1/operators", nil, backoffice.PermOperatorsRead, "", nil},
			{"POST", "/ops/v1/operators", map[string]any{"username": "newcomer", "roles": []string{"read_only"}}, backoffice.PermOperatorsManage, "", nil},
			{"GET", "/ops/v1/operators/" + id, nil, backoffice.PermOperatorsRead, "", nil},
			{"PATCH", "/ops/v1/operators/" + id, map[string]any{"version": 1, "full_name": "T", "email": "", "roles": []string{"read_only"}, "utility_id": 0, "hall_id": 0}, backoffice.PermOperatorsManage, "", nil},
			{"POST", "/ops/v1/operators/" + id + "/deactivate", nil, backoffice.PermOperatorsManage, "", nil},
			{"POST", "/ops/v1/operators/" + id + "/reactivate", nil, backoffice.PermOperatorsManage, "", nil},
			{"POST", "/ops/v1/operators/" + id + "/unlock", nil, backoffice.PermOperatorsManage, "", nil},
			{"POST", "/ops/v1/operators/" + id + "/reset-totp", nil, backoffice.PermOperatorsManage, "", nil},
			{"POST", "/ops/v1/operators/" + id + "/reset-password", nil, backoffice.PermOperatorsManage, "", nil},
			{"GET", "/ops/v1/operators/" + id + "/sessions", nil, backoffice.PermOperatorsManage, "", nil},
			{"DELETE", "/ops/v1/operators/" + id + "/sessions", nil, backoffice.PermOperatorsManage, "", nil},
			{"GET", "/ops/v1/operators/" + id + "/tokens", nil, backoffice.PermOperatorsManage, "", nil},
			{"GET", "/ops/v1/roles", nil, backoffice.PermOperatorsRead, "", nil},
			{"POST", "/ops/v1/roles", map[string]any{"name": "another", "permissions": []string{"meters.read"}}, backoffice.PermRolesManage, "", nil},
			{"PATCH", "/ops/v1/roles/custom", map[string]any{"version": 1, "summary": "y", "permissions": []string{"meters.read"}}, backoffice.PermRolesManage, "", nil},
			{"POST", "/ops/v1/roles/custom/deactivate", nil, backoffice.PermRolesManage, "", nil},
			{"GET", "/ops/v1/audit", nil, backoffice.PermAuditRead, "", nil},
			{"GET", "/ops/v1/audit/verify", nil, backoffice.PermAuditRead, "", nil},
			{"GET", "/ops/v1/audit/export?format=json", nil, backoffice.PermAuditRead, "", nil},
		}
		routes = append(routes, []struct {
			method, path string
			body         any
			perm         backoffice.Permission
			pattern      string
			headers      []string
		}{
			{"GET", "/ops/v1/approvals?status=pending", nil, backoffice.PermApprovalsRead, "/ops/v1/approvals", nil},
			{"GET", "/ops/v1/approvals/" + f.approval, nil, backoffice.PermApprovalsRead, "/ops/v1/approvals/{id}", nil},
			{"POST", "/ops/v1/approvals/" + f.approval + "/approve", nil, backoffice.PermFloatAdjust, "/ops/v1/approvals/{id}/approve", nil},
			{"POST", "/ops/v1/approvals/" + f.approval + "/reject", map[string]any{"reason": "matrix"}, backoffice.PermFloatAdjust, "/ops/v1/approvals/{id}/reject", nil},
			{"GET", "/ops/v1/approval-policies", nil, backoffice.PermApprovalsRead, "", nil},
			{"PUT", "/ops/v1/approval-policies/agent.adjust_float", map[string]any{"required": true, "version": 0}, backoffice.PermApprovalsPolicy, "/ops/v1/approval-policies/{action}", nil},
			{"POST", "/ops/v1/agents/" + f.agent + "/float-adjustments", map[string]any{"amount": 100, "reason": "matrix"}, backoffice.PermFloatAdjust, "/ops/v1/agents/{id}/float-adjustments", nil},
			{"PUT", "/ops/v1/agents/" + f.agent + "/credit-limit", map[string]any{"credit_limit": 5000}, backoffice.PermCreditLimit, "/ops/v1/agents/{id}/credit-limit", nil},
			{"PUT", "/ops/v1/agents/" + f.agent + "/commission-rate", map[string]any{"commission_rate": "0.03"}, backoffice.PermCreditLimit, "/ops/v1/agents/{id}/commission-rate", nil},
			{"POST", "/ops/v1/vends/999/reversal", map[string]any{"reason": "matrix"}, backoffice.PermVendsReverse, "/ops/v1/vends/{id}/reversal", nil},
			{"GET", "/ops/v1/departments", nil, backoffice.PermOrganisationRead, "", nil},
			{"POST", "/ops/v1/departments", map[string]any{"utility_id": f.utilityID, "code": "REV", "name": "Revenue"}, backoffice.PermOrganisationManage, "", nil},
			{"GET", "/ops/v1/departments/999", nil, backoffice.PermOrganisationRead, "/ops/v1/departments/{id}", nil},
			{"PATCH", "/ops/v1/departments/999", map[string]any{"version": 1, "code": "X", "name": "X"}, backoffice.PermOrganisationManage, "/ops/v1/departments/{id}", nil},
			{"POST", "/ops/v1/departments/999/deactivate", map[string]any{"version": 1}, backoffice.PermOrganisationManage, "/ops/v1/departments/{id}/deactivate", nil},
			{"GET", "/ops/v1/halls", nil, backoffice.PermOrganisationRead, "", nil},
			{"POST", "/ops/v1/halls", map[string]any{"utility_id": f.utilityID, "code": "SOW", "name": "Soweto"}, backoffice.PermOrganisationManage, "", nil},
			{"GET", "/ops/v1/halls/999", nil, backoffice.PermOrganisationRead, "/ops/v1/halls/{id}", nil},
			{"PATCH", "/ops/v1/halls/999", map[string]any{"version": 1, "department_id": 0, "code": "X", "name": "X", "address": ""}, backoffice.PermOrganisationManage, "/ops/v1/halls/{id}", nil},
			{"POST", "/ops/v1/halls/999/deactivate", map[string]any{"version": 1}, backoffice.PermOrganisationManage, "/ops/v1/halls/{id}/deactivate", nil},
			{"GET", "/ops/v1/terminals", nil, backoffice.PermOrganisationRead, "", nil},
			{"POST", "/ops/v1/terminals", map[string]any{"utility_id": f.utilityID, "serial": "POS-1", "name": "Till 1", "agent_id": f.agentID}, backoffice.PermOrganisationManage, "", nil},
			{"GET", "/ops/v1/terminals/999", nil, backoffice.PermOrganisationRead, "/ops/v1/terminals/{id}", nil},
			{"PATCH", "/ops/v1/terminals/999", map[string]any{"version": 1, "serial": "X", "name": "X", "agent_id": 0, "hall_id": 0}, backoffice.PermOrganisationManage, "/ops/v1/terminals/{id}", nil},
			{"POST", "/ops/v1/terminals/999/deactivate", map[string]any{"version": 1}, backoffice.PermOrganisationManage, "/ops/v1/terminals/{id}/deactivate", nil},
			{"POST", "/ops/v1/terminals/999/keys", map[string]any{"label": "matrix"}, backoffice.PermOrganisationManage, "/ops/v1/terminals/{id}/keys", nil},
			{"GET", "/ops/v1/tariffs/" + f.tariff + "/versions", nil, backoffice.PermTariffsRead, "/ops/v1/tariffs/{id}/versions", nil},
			{"POST", "/ops/v1/tariffs/" + f.tariff + "/versions", map[string]any{"after_version": 1, "blocks": []map[string]any{{"up_to": 0, "price": "2.5"}}, "reason": "matrix"}, backoffice.PermTariffsManage, "/ops/v1/tariffs/{id}/versions", nil},
			{"GET", "/ops/v1/tariffs/" + f.tariff + "/versions/effective", nil, backoffice.PermTariffsRead, "/ops/v1/tariffs/{id}/versions/effective", nil},
			{"GET", "/ops/v1/utilities/" + f.utility + "/parameters", nil, backoffice.PermTariffsRead, "/ops/v1/utilities/{id}/parameters", nil},
			{"POST", "/ops/v1/utilities/" + f.utility + "/parameters", map[string]any{"after_version": 1, "tax_rate": "0.15", "reason": "matrix"}, backoffice.PermTariffsManage, "/ops/v1/utilities/{id}/parameters", nil},
			{"GET", "/ops/v1/utilities/" + f.utility + "/parameters/effective?at=2026-12-03T09:00:00Z", nil, backoffice.PermTariffsRead, "/ops/v1/utilities/{id}/parameters/effective", nil},
			{"GET", "/ops/v1/stock?state=in_store", nil, backoffice.PermMetersRead, "/ops/v1/stock", nil},
			{"GET", "/ops/v1/stock/" + matrixMeter, nil, backoffice.PermMetersRead, "/ops/v1/stock/{number}", nil},
			{"GET", "/ops/v1/stock/" + matrixMeter + "/movements", nil, backoffice.PermMetersRead, "/ops/v1/stock/{number}/movements", nil},
			{"POST", "/ops/v1/stock/" + matrixMeter + "/movements", map[string]any{"to": "faulty", "reason": "matrix"}, backoffice.PermMetersManage, "/ops/v1/stock/{number}/movements", nil},
			{"GET", "/ops/v1/meter-batches", nil, backoffice.PermMetersRead, "", nil},
			{"POST", "/ops/v1/meter-batches?reference=M1&manufacturer=Acme&dry_run=true", "number,kind\n", backoffice.PermMetersManage, "/ops/v1/meter-batches", []string{"Content-Type", "text/csv"}},
			{"GET", "/ops/v1/contracts", nil, backoffice.PermCustomersRead, "", nil},
			{"POST", "/ops/v1/contracts", map[string]any{"customer_id": f.customerID, "meter_number": matrixMeter, "tariff_id": f.tariffID}, backoffice.PermCustomersManage, "", nil},
			{"GET", "/ops/v1/contracts/999", nil, backoffice.PermCustomersRead, "/ops/v1/contracts/{id}", nil},
			{"POST", "/ops/v1/contracts/999/close", map[string]any{"closing_reading": 0, "arrears_outcome": "settled"}, backoffice.PermCustomersManage, "/ops/v1/contracts/{id}/close", nil},
			{"POST", "/ops/v1/engineering-tokens", map[string]any{"meter_number": matrixMeter, "kind": "clear_tamper", "reason": "matrix"}, backoffice.PermMetersEngineering, "", nil},
			{"GET", "/ops/v1/meters/" + matrixMeter + "/tokens", nil, backoffice.PermMetersRead, "/ops/v1/meters/{number}/tokens", nil},
			{"POST", "/ops/v1/token-reprints", map[string]any{"source": "vend", "record_id": 999, "seq": 1}, backoffice.PermVendsRead, "", nil},
			{"GET", "/ops/v1/utilities", nil, backoffice.PermOrganisationRead, "", nil},
			{"GET", "/ops/v1/utilities/" + f.utility, nil, backoffice.PermOrganisationRead, "/ops/v1/utilities/{id}", nil},
			{"PATCH", "/ops/v1/utilities/" + f.utility, map[string]any{"version": 1, "name": "City Power"}, backoffice.PermOrganisationManage, "/ops/v1/utilities/{id}", nil},
			{"GET", "/ops/v1/customers", nil, backoffice.PermCustomersRead, "/ops/v1/customers", nil},
			{"POST", "/ops/v1/customers", map[string]any{"utility_id": f.utilityID, "name": "Sipho", "language": "en"}, backoffice.PermCustomersManage, "/ops/v1/customers", nil},
			{"GET", "/ops/v1/customers/" + strconv.FormatInt(f.customerID, 10), nil, backoffice.PermCustomersRead, "/ops/v1/customers/{id}", nil},
			{"PATCH", "/ops/v1/customers/" + strconv.FormatInt(f.customerID, 10), map[string]any{"version": 1, "phone": "+27820000001"}, backoffice.PermCustomersManage, "/ops/v1/customers/{id}", nil},
			{"GET", "/ops/v1/meters", nil, backoffice.PermMetersRead, "", nil},
			{"GET", "/ops/v1/meters/999", nil, backoffice.PermMetersRead, "/ops/v1/meters/{id}", nil},
			{"PATCH", "/ops/v1/meters/999", map[string]any{"version": 1, "tariff_id": f.tariffID}, backoffice.PermMetersManage, "/ops/v1/meters/{id}", nil},
			{"POST", "/ops/v1/meters/999/status", map[string]any{"status": "blocked", "reason": "matrix"}, backoffice.PermMetersManage, "/ops/v1/meters/{id}/status", nil},
			{"GET", "/ops/v1/agents", nil, backoffice.PermAgentsRead, "", nil},
			{"POST", "/ops/v1/agents", map[string]any{"utility_id": f.utilityID, "name": "Spaza 2", "kind": "retail"}, backoffice.PermAgentsManage, "", nil},
			{"GET", "/ops/v1/agents/" + f.agent, nil, backoffice.PermAgentsRead, "/ops/v1/agents/{id}", nil},
			{"PATCH", "/ops/v1/agents/" + f.agent, map[string]any{"version": 1, "name": "Spaza"}, backoffice.PermAgentsManage, "/ops/v1/agents/{id}", nil},
			{"POST", "/ops/v1/agents/" + f.agent + "/top-ups", map[string]any{"amount": 100, "memo": "matrix"}, backoffice.PermFloatAdjust, "/ops/v1/agents/{id}/top-ups", nil},
			{"POST", "/ops/v1/agents/" + f.agent + "/api-keys", map[string]any{"label": "matrix"}, backoffice.PermAgentsManage, "/ops/v1/agents/{id}/api-keys", nil},
			{"POST", "/ops/v1/api-keys/999/revoke", nil, backoffice.PermAgentsManage, "/ops/v1/api-keys/{id}/revoke", nil},
			{"GET", "/ops/v1/ledger/check", nil, backoffice.PermLedgerCheck, "", nil},
			{"POST", "/ops/v1/utilities", map[string]any{"name": "Water Board", "currency": "ZAR"}, backoffice.PermOrganisationManage, "", nil},
			{"POST", "/ops/v1/tariffs", map[string]any{"utility_id": f.utilityID, "name": "Lifeline", "blocks": []map[string]any{{"up_to": 0, "price": "1.5"}}}, backoffice.PermTariffsManage, "", nil},
			{"POST", "/ops/v1/institutions", map[string]any{"code": "123456", "name": "Bank", "agent_id": f.agentID, "allowed": []string{"10.0.0.0/8"}}, backoffice.PermAgentsManage, "", nil},
			{"GET", "/ops/v1/service-codes", nil, backoffice.PermAgentsRead, "", nil},
			{"POST", "/ops/v1/service-codes", map[string]any{"channel": "ussd", "code": "*120*55#", "agent_id": f.agentID}, backoffice.PermAgentsManage, "", nil},
			{"GET", "/ops/v1/replies", nil, backoffice.PermVendsRead, "", nil},
			{"POST", "/ops/v1/replies/999/resend", nil, backoffice.PermRepliesSend, "/ops/v1/replies/{id}/resend", nil},
			{"GET", "/ops/v1/reversals", nil, backoffice.PermVendsRead, "", nil},
			{"POST", "/ops/v1/supply-groups", map[string]any{"utility_id": f.utilityID, "sgc": "654321", "dkga": "02", "vending_key": demo.VK02}, backoffice.PermKeysManage, "", nil},
		}...)
		const period = "?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z"
		routes = append(routes, []struct {
			method, path string
			body         any
			perm         backoffice.Permission
			pattern      string
			headers      []string
		}{
			{"GET", "/ops/v1/contracts/999/debt", nil, backoffice.PermCustomersRead, "/ops/v1/contracts/{id}/debt", nil},
			{"POST", "/ops/v1/contracts/999/debt/additions", map[string]any{"amount": 100, "reason": "matrix"}, backoffice.PermCustomersDebt, "/ops/v1/contracts/{id}/debt/additions", nil},
			{"POST", "/ops/v1/contracts/999/debt/adjustments", map[string]any{"amount": -100, "reason": "matrix"}, backoffice.PermCustomersDebt, "/ops/v1/contracts/{id}/debt/adjustments", nil},
			{"POST", "/ops/v1/contracts/999/debt/write-offs", map[string]any{"amount": 100, "reason": "matrix"}, backoffice.PermCustomersDebt, "/ops/v1/contracts/{id}/debt/write-offs", nil},
			{"GET", "/ops/v1/charge-types?all=true", nil, backoffice.PermCustomersRead, "/ops/v1/charge-types", nil},
			{"POST", "/ops/v1/charge-types", map[string]any{"utility_id": f.utilityID, "code": "RECON", "name": "Reconnection", "kind": "reconnection_fee", "amount": 150_00}, backoffice.PermChargesManage, "", nil},
			{"PATCH", "/ops/v1/charge-types/999", map[string]any{"version": 1, "code": "RECON", "name": "Reconnection", "kind": "reconnection_fee", "amount": 200_00}, backoffice.PermChargesManage, "/ops/v1/charge-types/{id}", nil},
			{"POST", "/ops/v1/charge-types/999/deactivate", map[string]any{"version": 1}, backoffice.PermChargesManage, "/ops/v1/charge-types/{id}/deactivate", nil},
			{"POST", "/ops/v1/charges", map[string]any{"contract_id": 999, "charge_type_id": 999, "method": "counter", "reason": "matrix"}, backoffice.PermChargesCollect, "", nil},
			{"POST", "/ops/v1/charges/999/collection", nil, backoffice.PermChargesCollect, "/ops/v1/charges/{id}/collection", nil},
			{"GET", "/ops/v1/contracts/999/charges", nil, backoffice.PermCustomersRead, "/ops/v1/contracts/{id}/charges", nil},
			{"POST", "/ops/v1/refunds", map[string]any{"contract_id": 999, "amount": 100, "method": "cash", "reason": "matrix"}, backoffice.PermRefundsRequest, "", nil},
			{"POST", "/ops/v1/meter-exchanges", map[string]any{"contract_id": 999, "new_meter_number": matrixMeter, "reason": "matrix"}, backoffice.PermMetersExchange, "", nil},
			{"GET", "/ops/v1/contracts/999/meters", nil, backoffice.PermCustomersRead, "/ops/v1/contracts/{id}/meters", nil},
			{"GET", "/ops/v1/contracts/999/exchanges", nil, backoffice.PermCustomersRead, "/ops/v1/contracts/{id}/exchanges", nil},
			{"POST", "/ops/v1/readings", map[string]any{"meter_number": matrixMeter, "reading": 100, "read_at": "2026-11-30T09:00:00Z"}, backoffice.PermMetersReadings, "", nil},
			{"POST", "/ops/v1/readings/import?dry_run=true", "meter_number,reading,read_at\n", backoffice.PermMetersReadings, "/ops/v1/readings/import", []string{"Content-Type", "text/csv"}},
			{"GET", "/ops/v1/meters/" + matrixMeter + "/readings" + period, nil, backoffice.PermMetersRead, "/ops/v1/meters/{number}/readings", nil},
			{"GET", "/ops/v1/meters/" + matrixMeter + "/consumption" + period, nil, backoffice.PermMetersRead, "/ops/v1/meters/{number}/consumption", nil},
			{"GET", "/ops/v1/consumption-exceptions" + period, nil, backoffice.PermMetersRead, "/ops/v1/consumption-exceptions", nil},
			{"GET", "/ops/v1/tamper-suspects" + period, nil, backoffice.PermMetersRead, "/ops/v1/tamper-suspects", nil},
			{"POST", "/ops/v1/tamper-cases", map[string]any{"meter_number": matrixMeter, "reason": "matrix"}, backoffice.PermMetersTamper, "", nil},
			{"GET", "/ops/v1/tamper-cases?status=open", nil, backoffice.PermMetersRead, "/ops/v1/tamper-cases", nil},
			{"GET", "/ops/v1/tamper-cases/999", nil, backoffice.PermMetersRead, "/ops/v1/tamper-cases/{id}", nil},
			{"POST", "/ops/v1/tamper-cases/999/resolve", map[string]any{"resolution": "matrix"}, backoffice.PermMetersTamper, "/ops/v1/tamper-cases/{id}/resolve", nil},
			{"GET", "/ops/v1/meter-orders", nil, backoffice.PermMetersRead, "", nil},
			{"POST", "/ops/v1/meter-orders/999/complete", map[string]any{"note": "matrix"}, backoffice.PermMetersTamper, "/ops/v1/meter-orders/{id}/complete", nil},
			{"GET", "/ops/v1/meters/" + matrixMeter + "/status-history", nil, backoffice.PermMetersRead, "/ops/v1/meters/{number}/status-history", nil},
			{"POST", "/ops/v1/agents/" + f.agent + "/contracts", map[string]any{"start_date": "2026-12-01", "commission_rate": "0.02", "credit_limit": 100_00}, backoffice.PermCreditLimit, "/ops/v1/agents/{id}/contracts", nil},
			{"GET", "/ops/v1/agents/" + f.agent + "/contracts", nil, backoffice.PermAgentsRead, "/ops/v1/agents/{id}/contracts", nil},
			{"POST", "/ops/v1/agents/" + f.agent + "/contract/cancel", map[string]any{"reason": "matrix"}, backoffice.PermAgentsManage, "/ops/v1/agents/{id}/contract/cancel", nil},
			{"PUT", "/ops/v1/agents/" + f.agent + "/sales-limits", map[string]any{"daily_limit": 1000_00, "monthly_limit": 0}, backoffice.PermCreditLimit, "/ops/v1/agents/{id}/sales-limits", nil},
			{"GET", "/ops/v1/agents/" + f.agent + "/sales-limits", nil, backoffice.PermAgentsRead, "/ops/v1/agents/{id}/sales-limits", nil},
			{"GET", "/ops/v1/agents/" + f.agent + "/commission-statements/2026-11", nil, backoffice.PermAgentsRead, "/ops/v1/agents/{id}/commission-statements/{period}", nil},
			{"POST", "/ops/v1/commission-runs", map[string]any{"utility_id": f.utilityID, "period": "2026-11"}, backoffice.PermCommissionPay, "", nil},
			{"GET", "/ops/v1/commission-runs?utility_id=" + f.utility + "&period=2026-11", nil, backoffice.PermAgentsRead, "/ops/v1/commission-runs", nil},
			{"GET", "/ops/v1/commission-statements/999", nil, backoffice.PermAgentsRead, "/ops/v1/commission-statements/{id}", nil},
			{"GET", "/ops/v1/commission-statements/999/export", nil, backoffice.PermAgentsRead, "/ops/v1/commission-statements/{id}/export", nil},
		}...)
		denials := 0
		for _, role := range backoffice.BuiltInRoles() {
			actor := e.bo.Operator(t, strings.ReplaceAll(role.Name, "_", "-"), role.Name)
			c := e.client(t)
			c.bearer = e.token(t, actor)
			for _, r := range routes {
				before := auditHead(t, e)
				a := c.do(t, r.method, r.path, r.body, r.headers...)
				denied := a.status == http.StatusForbidden && strings.Contains(string(a.body), `"reason":"permission_denied"`)
				if role.Has(r.perm) {
					if denied {
						t.Errorf("%s: %s %s refused although the role holds %s: %s", role.Name, r.method, r.path, r.perm, a.body)
					}
					continue
				}
				if !denied {
					t.Errorf("%s: %s %s answered %d, want 403 for %s: %s", role.Name, r.method, r.path, a.status, r.perm, a.body)
					continue
				}
				denials++
				if p := a.problem(t); p["permission"] != string(r.perm) {
					t.Errorf("%s: %s %s names %v, want %s", role.Name, r.method, r.path, p["permission"], r.perm)
				}
				added, err := e.bo.Svc.AuditTrail(ctx, e.bo.Admin, backoffice.AuditQuery{AfterSeq: before})
				if err != nil {
					t.Fatal(err)
				}
				if len(added) != 1 || added[0].Outcome != backoffice.OutcomeDenied || added[0].ActorID != actor.ID() || added[0].Permission != r.perm {
					t.Errorf("%s: %s %s added %d audit entries, want only its refusal: %+v", role.Name, r.method, r.path, len(added), added)
				}
			}
		}
		if denials < len(routes) { // read_only alone is refused every route that changes something
			t.Errorf("%d refusals: the matrix refused too little to prove anything", denials)
		}
		// Every route of the table that no operator may call without a permission is above.
		var covered []string
		for _, r := range routes {
			if r.pattern != "" {
				covered = append(covered, r.method+" "+r.pattern)
				continue
			}
			covered = append(covered, r.method+" "+strings.Split(strings.Replace(strings.Replace(r.path, id, "{id}", 1), "custom", "{name}", 1), "?")[0])
		}
		for _, r := range e.srv.Routes() {
			if !slices.Contains(covered, r.Method+" "+r.Path) && !slices.Contains(selfService, r.Method+" "+r.Path) {
				t.Errorf("route %s %s is neither in the matrix nor self-service", r.Method, r.Path)
			}
		}
	})
}

// selfService are the routes any signed-in operator may call for themselves (or anyone, to sign
// in): they need no permission.
var selfService = []string{
	"GET /ops/v1/openapi.json", "POST /ops/v1/session", "DELETE /ops/v1/session",
	"GET /ops/v1/me", "POST /ops/v1/me/password", "POST /ops/v1/me/totp", "POST /ops/v1/me/totp/confirm",
	"GET /ops/v1/tokens", "POST /ops/v1/tokens", "DELETE /ops/v1/tokens/{id}",
}

// createdID creates an operator by the administrator and returns its ID.
func createdID(t *testing.T, e *env, username string, roles ...string) int64 {
	t.Helper()
	creds, err := e.bo.Svc.CreateOperator(context.Background(), e.bo.Admin, backoffice.NewOperator{Username: username, FullName: username, Roles: roles})
	if err != nil {
		t.Fatal(err)
	}
	return creds.Operator.ID
}

// auditHead is the sequence number of the audit trail's newest entry.
func auditHead(t *testing.T, e *env) int64 {
	t.Helper()
	v, err := e.bo.Svc.VerifyAudit(context.Background(), e.bo.Admin)
	if err != nil {
		t.Fatal(err)
	}
	return v.Head.Seq + 1 // the verification records itself
}

// matrixMeter is a meter number no store holds.
const matrixMeter = "01234567897"

// matrix are the records the matrix's routes name: a utility with a tariff, a customer and an
// agent, and a float adjustment of the administrator's waiting for a second operator.
type matrix struct {
	utility, tariff, agent, approval         string
	utilityID, tariffID, agentID, customerID int64
}

func matrixFixtures(t testing.TB, e *env, db *store.DB) matrix {
	t.Helper()
	ctx := context.Background()
	u := core.Utility{Name: "City Power", Currency: core.Currency{Code: "ZAR", Exponent: 2}, TaxRate: decimal.RequireFromString("0.15"),
		Location: time.UTC, DebtRecoveryRate: decimal.RequireFromString("0.25"), ReversalWindow: time.Hour}
	if err := db.CreateUtility(ctx, &u); err != nil {
		t.Fatal(err)
	}
	tariff := core.Tariff{UtilityID: u.ID, Name: "Homelight", Blocks: []core.TariffBlock{{Price: decimal.RequireFromString("250")}}}
	if err := db.CreateTariff(ctx, &tariff); err != nil {
		t.Fatal(err)
	}
	customer := core.Customer{Name: "Thandi Mokoena", Address: "12 Vilakazi St", Phone: "+27821234567", Language: "zu"}
	if err := db.CreateCustomer(ctx, &customer); err != nil {
		t.Fatal(err)
	}
	agent := core.Agent{UtilityID: u.ID, Name: "Spaza", Kind: core.AgentRetail, CreditLimit: 100_00, CommissionRate: decimal.RequireFromString("0.02"), Active: true}
	if err := db.CreateAgent(ctx, &agent); err != nil {
		t.Fatal(err)
	}
	r, err := e.bo.Svc.AdjustFloat(ctx, e.bo.Admin, agent.ID, 500_00, "opening float")
	if err != nil || r.Pending == nil {
		t.Fatalf("a float adjustment: %+v, %v; want a pending request", r, err)
	}
	i := func(v int64) string { return strconv.FormatInt(v, 10) }
	return matrix{utility: i(u.ID), tariff: i(tariff.ID), agent: i(agent.ID), approval: i(r.Pending.ID),
		utilityID: u.ID, tariffID: tariff.ID, agentID: agent.ID, customerID: customer.ID}
}
