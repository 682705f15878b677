package ops

import (
	"net/http"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

// access says who may call a route.
type access int

const (
	public   access = iota // anyone: signing in, the contract
	signedIn               // an operator by session cookie (with the CSRF token when unsafe) or API token
)

// route is one line of the table: a method, a path pattern in http.ServeMux's form (its
// {name} parameters are OpenAPI's too), who may call it and its handler.
type route struct {
	method  string
	pattern string
	access  access
	handle  func(x *exchange) error
}

// routes is the table of the operator API. openapi.json describes exactly these
// (TestOpenAPIMatchesRoutes). A new use case is one line here and its handler.
func (s *Server) routes() []route {
	const get, post, put, patch, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete
	org := s.cfg.Organisation
	return []route{
		{get, "/ops/v1/openapi.json", public, s.openAPI},

		{post, "/ops/v1/session", public, s.openSession},
		{del, "/ops/v1/session", signedIn, s.closeSession},

		{get, "/ops/v1/me", signedIn, s.me},
		{post, "/ops/v1/me/password", signedIn, s.changePassword},
		{post, "/ops/v1/me/totp", signedIn, s.enrolTOTP},
		{post, "/ops/v1/me/totp/confirm", signedIn, s.confirmTOTP},

		{get, "/ops/v1/operators", signedIn, s.listOperators},
		{post, "/ops/v1/operators", signedIn, s.createOperator},
		{get, "/ops/v1/operators/{id}", signedIn, s.showOperator},
		{patch, "/ops/v1/operators/{id}", signedIn, s.updateOperator},
		{post, "/ops/v1/operators/{id}/deactivate", signedIn, s.operatorAction(s.cfg.Operators.DeactivateOperator)},
		{post, "/ops/v1/operators/{id}/reactivate", signedIn, s.operatorAction(s.cfg.Operators.ReactivateOperator)},
		{post, "/ops/v1/operators/{id}/unlock", signedIn, s.operatorAction(s.cfg.Operators.Unlock)},
		{post, "/ops/v1/operators/{id}/reset-totp", signedIn, s.operatorAction(s.cfg.Operators.ResetSecondFactor)},
		{post, "/ops/v1/operators/{id}/reset-password", signedIn, s.resetPassword},
		{get, "/ops/v1/operators/{id}/sessions", signedIn, s.operatorSessions},
		{del, "/ops/v1/operators/{id}/sessions", signedIn, s.revokeSessions},
		{get, "/ops/v1/operators/{id}/tokens", signedIn, s.operatorTokens},

		{get, "/ops/v1/tokens", signedIn, s.myTokens},
		{post, "/ops/v1/tokens", signedIn, s.issueToken},
		{del, "/ops/v1/tokens/{id}", signedIn, s.revokeToken},

		{get, "/ops/v1/roles", signedIn, s.listRoles},
		{post, "/ops/v1/roles", signedIn, s.createRole},
		{patch, "/ops/v1/roles/{name}", signedIn, s.updateRole},
		{post, "/ops/v1/roles/{name}/deactivate", signedIn, s.deactivateRole},

		{get, "/ops/v1/audit", signedIn, s.listAudit},
		{get, "/ops/v1/audit/verify", signedIn, s.verifyAudit},
		{get, "/ops/v1/audit/export", signedIn, s.exportAudit},

		{get, "/ops/v1/approvals", signedIn, s.listApprovals},
		{get, "/ops/v1/approvals/{id}", signedIn, s.showApproval},
		{post, "/ops/v1/approvals/{id}/approve", signedIn, s.approve},
		{post, "/ops/v1/approvals/{id}/reject", signedIn, s.reject},
		{get, "/ops/v1/approval-policies", signedIn, s.listApprovalPolicies},
		{put, "/ops/v1/approval-policies/{action}", signedIn, s.setApprovalPolicy},

		{post, "/ops/v1/agents/{id}/float-adjustments", signedIn, s.adjustFloat},
		{put, "/ops/v1/agents/{id}/credit-limit", signedIn, s.setCreditLimit},
		{put, "/ops/v1/agents/{id}/commission-rate", signedIn, s.setCommissionRate},

		{post, "/ops/v1/vends/{id}/reversal", signedIn, s.reverseVend},

		{get, "/ops/v1/departments", signedIn, orgList(org.Departments, func(d backoffice.Department) int64 { return d.ID })},
		{post, "/ops/v1/departments", signedIn, s.createDepartment},
		{get, "/ops/v1/departments/{id}", signedIn, showByID(org.Department)},
		{patch, "/ops/v1/departments/{id}", signedIn, s.updateDepartment},
		{post, "/ops/v1/departments/{id}/deactivate", signedIn, deactivateByID(s, "a department's deactivation", org.DeactivateDepartment)},
		{get, "/ops/v1/halls", signedIn, orgList(org.Halls, func(h backoffice.Hall) int64 { return h.ID })},
		{post, "/ops/v1/halls", signedIn, s.createHall},
		{get, "/ops/v1/halls/{id}", signedIn, showByID(org.Hall)},
		{patch, "/ops/v1/halls/{id}", signedIn, s.updateHall},
		{post, "/ops/v1/halls/{id}/deactivate", signedIn, deactivateByID(s, "a hall's deactivation", org.DeactivateHall)},
		{get, "/ops/v1/terminals", signedIn, orgList(org.Terminals, func(t backoffice.Terminal) int64 { return t.ID })},
		{post, "/ops/v1/terminals", signedIn, s.createTerminal},
		{get, "/ops/v1/terminals/{id}", signedIn, showByID(org.Terminal)},
		{patch, "/ops/v1/terminals/{id}", signedIn, s.updateTerminal},
		{post, "/ops/v1/terminals/{id}/deactivate", signedIn, deactivateByID(s, "a terminal's deactivation", org.DeactivateTerminal)},
		{post, "/ops/v1/terminals/{id}/keys", signedIn, s.issueTerminalKey},

		{get, "/ops/v1/tariffs/{id}/versions", signedIn, s.tariffHistory},
		{post, "/ops/v1/tariffs/{id}/versions", signedIn, s.changeTariff},
		{get, "/ops/v1/tariffs/{id}/versions/effective", signedIn, s.tariffAt},
		{get, "/ops/v1/utilities/{id}/parameters", signedIn, s.parameterHistory},
		{post, "/ops/v1/utilities/{id}/parameters", signedIn, s.changeParameters},
		{get, "/ops/v1/utilities/{id}/parameters/effective", signedIn, s.parametersAt},

		{get, "/ops/v1/stock", signedIn, s.listStock},
		{get, "/ops/v1/stock/{number}", signedIn, s.showStock},
		{get, "/ops/v1/stock/{number}/movements", signedIn, s.listMovements},
		{post, "/ops/v1/stock/{number}/movements", signedIn, s.moveMeter},
		{get, "/ops/v1/meter-batches", signedIn, s.listBatches},
		{post, "/ops/v1/meter-batches", signedIn, s.importBatch},

		{get, "/ops/v1/contracts", signedIn, s.listContracts},
		{post, "/ops/v1/contracts", signedIn, s.openContract},
		{get, "/ops/v1/contracts/{id}", signedIn, showByID(s.cfg.Contracts.ContractOf)},
		{post, "/ops/v1/contracts/{id}/close", signedIn, s.closeContract},

		{post, "/ops/v1/engineering-tokens", signedIn, s.issueEngineeringToken},
		{get, "/ops/v1/meters/{number}/tokens", signedIn, s.meterTokens},
		{post, "/ops/v1/token-reprints", signedIn, s.reprintToken},

		{get, "/ops/v1/utilities", signedIn, s.listUtilities},
		{get, "/ops/v1/utilities/{id}", signedIn, s.showUtility},
		{patch, "/ops/v1/utilities/{id}", signedIn, s.updateUtility},
		{get, "/ops/v1/customers", signedIn, s.listCustomers},
		{post, "/ops/v1/customers", signedIn, s.createCustomer},
		{get, "/ops/v1/customers/{id}", signedIn, s.showCustomer},
		{patch, "/ops/v1/customers/{id}", signedIn, s.updateCustomer},
		{get, "/ops/v1/meters", signedIn, s.listMeters},
		{get, "/ops/v1/meters/{id}", signedIn, s.showMeter},
		{patch, "/ops/v1/meters/{id}", signedIn, s.updateMeter},
		{post, "/ops/v1/meters/{id}/status", signedIn, s.setMeterStatus},
		{get, "/ops/v1/agents", signedIn, s.listAgents},
		{post, "/ops/v1/agents", signedIn, s.createAgent},
		{get, "/ops/v1/agents/{id}", signedIn, s.showAgent},
		{patch, "/ops/v1/agents/{id}", signedIn, s.updateAgent},
		{post, "/ops/v1/agents/{id}/top-ups", signedIn, s.topUp},
		{post, "/ops/v1/agents/{id}/api-keys", signedIn, s.issueAPIKey},
		{post, "/ops/v1/api-keys/{id}/revoke", signedIn, s.revokeAPIKey},
		{get, "/ops/v1/ledger/check", signedIn, s.checkLedger},

		{post, "/ops/v1/utilities", signedIn, s.createUtility},
		{post, "/ops/v1/tariffs", signedIn, s.createTariff},
		{post, "/ops/v1/institutions", signedIn, s.createInstitution},
		{get, "/ops/v1/service-codes", signedIn, s.listServiceCodes},
		{post, "/ops/v1/service-codes", signedIn, s.createServiceCode},
		{get, "/ops/v1/replies", signedIn, s.listReplies},
		{post, "/ops/v1/replies/{id}/resend", signedIn, s.resendReply},
		{get, "/ops/v1/reversals", signedIn, s.listReversals},
		{post, "/ops/v1/supply-groups", signedIn, s.createSupplyGroup},

		{get, "/ops/v1/contracts/{id}/debt", signedIn, s.showDebt},
		{post, "/ops/v1/contracts/{id}/debt/additions", signedIn, s.moveDebt("a debt added", s.cfg.Debts.AddDebt)},
		{post, "/ops/v1/contracts/{id}/debt/adjustments", signedIn, s.moveDebt("a debt adjustment", s.cfg.Debts.AdjustDebt)},
		{post, "/ops/v1/contracts/{id}/debt/write-offs", signedIn, s.writeOffDebt},

		{get, "/ops/v1/charge-types", signedIn, s.listChargeTypes},
		{post, "/ops/v1/charge-types", signedIn, s.createChargeType},
		{patch, "/ops/v1/charge-types/{id}", signedIn, s.updateChargeType},
		{post, "/ops/v1/charge-types/{id}/deactivate", signedIn, deactivateByID(s, "a charge type's deactivation", s.cfg.Charges.DeactivateChargeType)},
		{post, "/ops/v1/charges", signedIn, s.chargeCustomer},
		{post, "/ops/v1/charges/{id}/collection", signedIn, s.collectCharge},
		{get, "/ops/v1/contracts/{id}/charges", signedIn, s.contractCharges},

		{post, "/ops/v1/refunds", signedIn, s.requestRefund},

		{post, "/ops/v1/meter-exchanges", signedIn, s.exchangeMeter},
		{get, "/ops/v1/contracts/{id}/meters", signedIn, s.contractMeters},
		{get, "/ops/v1/contracts/{id}/exchanges", signedIn, s.contractExchanges},

		{post, "/ops/v1/readings", signedIn, s.recordReading},
		{post, "/ops/v1/readings/import", signedIn, s.importReadings},
		{get, "/ops/v1/meters/{number}/readings", signedIn, s.meterReadings},
		{get, "/ops/v1/meters/{number}/consumption", signedIn, s.meterConsumption},
		{get, "/ops/v1/consumption-exceptions", signedIn, s.consumptionExceptions},
		{get, "/ops/v1/tamper-suspects", signedIn, s.tamperSuspects},

		{post, "/ops/v1/tamper-cases", signedIn, s.reportTamper},
		{get, "/ops/v1/tamper-cases", signedIn, s.listTamperCases},
		{get, "/ops/v1/tamper-cases/{id}", signedIn, showByID(s.cfg.Tampering.TamperCaseOf)},
		{post, "/ops/v1/tamper-cases/{id}/resolve", signedIn, s.resolveTamper},
		{get, "/ops/v1/meter-orders", signedIn, s.listMeterOrders},
		{post, "/ops/v1/meter-orders/{id}/complete", signedIn, s.completeOrder},
		{get, "/ops/v1/meters/{number}/status-history", signedIn, s.meterStatusHistory},

		{post, "/ops/v1/agents/{id}/contracts", signedIn, s.signAgentContract},
		{get, "/ops/v1/agents/{id}/contracts", signedIn, s.agentContracts},
		{post, "/ops/v1/agents/{id}/contract/cancel", signedIn, s.cancelAgentContract},
		{put, "/ops/v1/agents/{id}/sales-limits", signedIn, s.setSalesLimits},
		{get, "/ops/v1/agents/{id}/sales-limits", signedIn, s.salesLimits},

		{get, "/ops/v1/agents/{id}/commission-statements/{period}", signedIn, s.commissionStatement},
		{post, "/ops/v1/commission-runs", signedIn, s.runCommission},
		{get, "/ops/v1/commission-runs", signedIn, s.commissionRun},
		{get, "/ops/v1/commission-statements/{id}", signedIn, s.runStatement},
		{get, "/ops/v1/commission-statements/{id}/export", signedIn, s.exportStatement},
	}
}

// handle runs a route: who is asking first (auth.go), then the handler; a panic in either is an
// internal error, and any error is answered as a problem.
func (s *Server) handle(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x, _ := r.Context().Value(exchangeKey{}).(*exchange)
		if x == nil { // the mux served alone, not through ServeHTTP
			s.ServeHTTP(w, r)
			return
		}
		x.r, x.route = r, rt.pattern // r carries the path's parameters
		if err := s.run(x, rt); err != nil {
			s.fail(x, err)
		}
	})
}

func (s *Server) run(x *exchange, rt route) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = core.Internal(recovered(v), "internal error")
		}
	}()
	if rt.access == signedIn {
		if err := s.authenticate(x); err != nil {
			return err
		}
	}
	return rt.handle(x)
}

// fail answers err as a problem, unless the answer has begun (then the log line tells), and
// keeps the problem for the log line.
func (s *Server) fail(x *exchange, err error) {
	p := toProblem(err)
	p.RequestID = x.id
	x.problem = &p
	if x.w.committed() {
		return
	}
	s.writeProblem(x.w, &p)
}

func errRouteNotFound() error {
	return core.Errorf(core.CodeNotFound, reasonRouteNotFound, "no route of the operator API matches the request")
}

func errMethodNotAllowed(allow string) *core.Error {
	return core.Errorf(core.CodeInvalid, reasonMethodNotAllowed, "the route takes %s", allow)
}
