package ops

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

// The interfaces this adapter needs, each the few methods of *backoffice.Service its handlers
// call; cmd/vendgate wires the service to all of them, tests may wire fakes.
type (
	// Account is what an operator does to their own account (/ops/v1/me).
	Account interface {
		Me(ctx context.Context, a backoffice.Actor) (backoffice.OperatorView, error)
		ChangePassword(ctx context.Context, a backoffice.Actor, current, next string) error
		EnrolTOTP(ctx context.Context, a backoffice.Actor, issuer string) (backoffice.TOTPEnrolment, error)
		ConfirmTOTP(ctx context.Context, a backoffice.Actor, code string) error
	}
	// Sessions signs operators in and out, finds the actor of a session cookie, and lists and
	// revokes an operator's sessions.
	Sessions interface {
		OpenSession(ctx context.Context, req backoffice.SignInRequest) (backoffice.SessionGrant, error)
		SessionActor(ctx context.Context, token, from string) (backoffice.Actor, backoffice.Session, error)
		CloseSession(ctx context.Context, a backoffice.Actor) error
		Sessions(ctx context.Context, a backoffice.Actor, operatorID int64) ([]backoffice.SessionView, error)
		RevokeSessions(ctx context.Context, a backoffice.Actor, operatorID int64) (int, error)
	}
	// Tokens finds the actor of an API token, and issues, lists and revokes tokens.
	Tokens interface {
		TokenActor(ctx context.Context, bearer, from string) (backoffice.Actor, error)
		IssueToken(ctx context.Context, a backoffice.Actor, n backoffice.NewToken) (backoffice.TokenGrant, error)
		Tokens(ctx context.Context, a backoffice.Actor, operatorID int64) ([]backoffice.TokenView, error)
		RevokeToken(ctx context.Context, a backoffice.Actor, id int64) error
	}
	// Operators manages operator accounts.
	Operators interface {
		CreateOperator(ctx context.Context, a backoffice.Actor, n backoffice.NewOperator) (*backoffice.Credentials, error)
		ListOperators(ctx context.Context, a backoffice.Actor, q backoffice.OperatorQuery) ([]backoffice.OperatorView, error)
		ShowOperator(ctx context.Context, a backoffice.Actor, id int64) (backoffice.OperatorView, error)
		UpdateOperator(ctx context.Context, a backoffice.Actor, id int64, u backoffice.OperatorUpdate) (backoffice.OperatorView, error)
		DeactivateOperator(ctx context.Context, a backoffice.Actor, id int64) (backoffice.OperatorView, error)
		ReactivateOperator(ctx context.Context, a backoffice.Actor, id int64) (backoffice.OperatorView, error)
		ResetPassword(ctx context.Context, a backoffice.Actor, id int64) (*backoffice.Credentials, error)
		Unlock(ctx context.Context, a backoffice.Actor, id int64) (backoffice.OperatorView, error)
		ResetSecondFactor(ctx context.Context, a backoffice.Actor, id int64) (backoffice.OperatorView, error)
	}
	// Roles lists and manages roles.
	Roles interface {
		ListRoles(ctx context.Context, a backoffice.Actor) ([]backoffice.RoleView, error)
		CreateRole(ctx context.Context, a backoffice.Actor, n backoffice.NewRole) (backoffice.RoleView, error)
		UpdateRole(ctx context.Context, a backoffice.Actor, name string, u backoffice.RoleUpdate) (backoffice.RoleView, error)
		DeactivateRole(ctx context.Context, a backoffice.Actor, name string) (backoffice.RoleView, error)
	}
	// Audit reads, verifies and exports the audit trail.
	Audit interface {
		AuditTrail(ctx context.Context, a backoffice.Actor, q backoffice.AuditQuery) ([]backoffice.AuditEntry, error)
		VerifyAudit(ctx context.Context, a backoffice.Actor) (backoffice.AuditVerification, error)
		ExportAudit(ctx context.Context, a backoffice.Actor, q backoffice.AuditQuery, f backoffice.ExportFormat, w io.Writer) (int64, error)
	}
	// Approvals is the four-eyes queue and its policies.
	Approvals interface {
		Approvals(ctx context.Context, a backoffice.Actor, status backoffice.ApprovalStatus, afterID int64, limit int) ([]backoffice.ApprovalRequest, error)
		Approval(ctx context.Context, a backoffice.Actor, id int64) (backoffice.ApprovalRequest, error)
		Approve(ctx context.Context, checker backoffice.Actor, id int64) (backoffice.ApprovalRequest, error)
		Reject(ctx context.Context, checker backoffice.Actor, id int64, reason string) (backoffice.ApprovalRequest, error)
		ApprovalPolicies(ctx context.Context, a backoffice.Actor) ([]backoffice.ApprovalPolicy, error)
		SetApprovalPolicy(ctx context.Context, a backoffice.Actor, p backoffice.ApprovalPolicy) (backoffice.ApprovalPolicy, error)
	}
	// Agents changes an agent's money terms: its float, credit limit and commission rate, each
	// under the approval policy.
	Agents interface {
		AdjustFloat(ctx context.Context, a backoffice.Actor, agentID int64, amount core.Money, reason string) (backoffice.Result[backoffice.AgentView], error)
		SetCreditLimit(ctx context.Context, a backoffice.Actor, agentID int64, limit core.Money) (backoffice.Result[backoffice.AgentView], error)
		SetCommissionRate(ctx context.Context, a backoffice.Actor, agentID int64, rate decimal.Decimal) (backoffice.Result[backoffice.AgentView], error)
	}
	// Vends reverses vends as an operator.
	Vends interface {
		ReverseVend(ctx context.Context, a backoffice.Actor, vendID int64, reason string) (backoffice.Result[backoffice.VendView], error)
	}
	// Organisation keeps a utility's departments, vending halls and terminals.
	Organisation interface {
		Departments(ctx context.Context, a backoffice.Actor, q backoffice.OrgQuery) ([]backoffice.Department, error)
		Department(ctx context.Context, a backoffice.Actor, id int64) (backoffice.Department, error)
		CreateDepartment(ctx context.Context, a backoffice.Actor, n backoffice.NewDepartment) (backoffice.Department, error)
		UpdateDepartment(ctx context.Context, a backoffice.Actor, u backoffice.DepartmentUpdate) (backoffice.Department, error)
		DeactivateDepartment(ctx context.Context, a backoffice.Actor, id, version int64) (backoffice.Department, error)
		Halls(ctx context.Context, a backoffice.Actor, q backoffice.OrgQuery) ([]backoffice.Hall, error)
		Hall(ctx context.Context, a backoffice.Actor, id int64) (backoffice.Hall, error)
		CreateHall(ctx context.Context, a backoffice.Actor, n backoffice.NewHall) (backoffice.Hall, error)
		UpdateHall(ctx context.Context, a backoffice.Actor, u backoffice.HallUpdate) (backoffice.Hall, error)
		DeactivateHall(ctx context.Context, a backoffice.Actor, id, version int64) (backoffice.Hall, error)
		Terminals(ctx context.Context, a backoffice.Actor, q backoffice.OrgQuery) ([]backoffice.Terminal, error)
		Terminal(ctx context.Context, a backoffice.Actor, id int64) (backoffice.Terminal, error)
		CreateTerminal(ctx context.Context, a backoffice.Actor, n backoffice.NewTerminal) (backoffice.Terminal, error)
		UpdateTerminal(ctx context.Context, a backoffice.Actor, u backoffice.TerminalUpdate) (backoffice.Terminal, error)
		DeactivateTerminal(ctx context.Context, a backoffice.Actor, id, version int64) (backoffice.Terminal, error)
		IssueTerminalKey(ctx context.Context, a backoffice.Actor, terminalID int64, label string) (backoffice.TerminalKey, error)
	}
	// Versions keeps tariffs' prices and utilities' parameters as versions with effective dates.
	Versions interface {
		ChangeTariff(ctx context.Context, a backoffice.Actor, c backoffice.TariffChange) (backoffice.TariffVersion, error)
		TariffHistory(ctx context.Context, a backoffice.Actor, tariffID int64) ([]backoffice.TariffVersion, error)
		TariffVersionAt(ctx context.Context, a backoffice.Actor, tariffID int64, at time.Time) (backoffice.TariffVersion, error)
		ChangeParameters(ctx context.Context, a backoffice.Actor, c backoffice.ParameterChange) (backoffice.ParameterVersion, error)
		ParameterHistory(ctx context.Context, a backoffice.Actor, utilityID int64) ([]backoffice.ParameterVersion, error)
		ParametersAt(ctx context.Context, a backoffice.Actor, utilityID int64, at time.Time) (backoffice.ParameterVersion, error)
	}
	// Stock is meter storage: meters' stock states and moves, and the batches they came in.
	Stock interface {
		MoveMeter(ctx context.Context, a backoffice.Actor, m backoffice.StockMove) (backoffice.MeterStock, error)
		MeterStockOf(ctx context.Context, a backoffice.Actor, number string) (backoffice.MeterStock, error)
		MeterMovements(ctx context.Context, a backoffice.Actor, number string) ([]backoffice.Movement, error)
		StockMeters(ctx context.Context, a backoffice.Actor, q backoffice.StockQuery) ([]backoffice.MeterStock, error)
		MeterBatches(ctx context.Context, a backoffice.Actor, q backoffice.BatchQuery) ([]backoffice.Batch, error)
		ImportMeters(ctx context.Context, a backoffice.Actor, batch backoffice.BatchInfo, r io.Reader, dryRun bool, progress func(done, total int)) (backoffice.ImportResult, error)
	}
	// Contracts opens and closes the contracts that put meters on customers.
	Contracts interface {
		OpenContract(ctx context.Context, a backoffice.Actor, n backoffice.NewContract) (backoffice.Contract, error)
		CloseContract(ctx context.Context, a backoffice.Actor, id int64, reading core.Energy, outcome backoffice.ArrearsOutcome) (backoffice.Contract, error)
		ContractOf(ctx context.Context, a backoffice.Actor, id int64) (backoffice.Contract, error)
		Contracts(ctx context.Context, a backoffice.Actor, q backoffice.ContractQuery) ([]backoffice.Contract, error)
	}
	// Records keeps the records a utility runs: utilities, customers, meters and agents, and
	// checks the ledger.
	Records interface {
		Utilities(ctx context.Context, a backoffice.Actor, q backoffice.UtilityQuery) ([]backoffice.UtilityView, error)
		Utility(ctx context.Context, a backoffice.Actor, id int64) (backoffice.UtilityView, error)
		UpdateUtility(ctx context.Context, a backoffice.Actor, id, version int64, up backoffice.UtilityUpdate) (backoffice.UtilityView, error)
		Customers(ctx context.Context, a backoffice.Actor, q backoffice.CustomerQuery) ([]backoffice.CustomerView, error)
		Customer(ctx context.Context, a backoffice.Actor, id int64) (backoffice.CustomerView, error)
		CreateCustomer(ctx context.Context, a backoffice.Actor, c core.Customer, utilityID int64) (backoffice.CustomerView, error)
		UpdateCustomer(ctx context.Context, a backoffice.Actor, id, version int64, up backoffice.CustomerUpdate) (backoffice.CustomerView, error)
		Meters(ctx context.Context, a backoffice.Actor, q backoffice.MeterQuery) ([]backoffice.MeterView, error)
		Meter(ctx context.Context, a backoffice.Actor, id int64) (backoffice.MeterView, error)
		UpdateMeter(ctx context.Context, a backoffice.Actor, id, version int64, up backoffice.MeterUpdate) (backoffice.MeterView, error)
		SetMeterStatus(ctx context.Context, a backoffice.Actor, id int64, status core.MeterStatus, reason string) (backoffice.MeterView, error)
		Agents(ctx context.Context, a backoffice.Actor, q backoffice.AgentQuery) ([]backoffice.AgentView, error)
		Agent(ctx context.Context, a backoffice.Actor, id int64) (backoffice.AgentView, error)
		CreateAgent(ctx context.Context, a backoffice.Actor, ag core.Agent) (backoffice.AgentView, error)
		UpdateAgent(ctx context.Context, a backoffice.Actor, id, version int64, up backoffice.AgentUpdate) (backoffice.AgentView, error)
		TopUp(ctx context.Context, a backoffice.Actor, agentID int64, amount core.Money, memo string) (backoffice.TopUpView, error)
		IssueAPIKey(ctx context.Context, a backoffice.Actor, agentID int64, label string) (backoffice.IssuedAPIKey, error)
		RevokeAPIKey(ctx context.Context, a backoffice.Actor, id int64) (backoffice.APIKeyView, error)
		CheckLedger(ctx context.Context, a backoffice.Actor) (backoffice.LedgerReport, error)
	}
	// Network sets up utilities and tariffs and the vending network's banks and telcos, and reads
	// the replies and reversals.
	Network interface {
		CreateUtility(ctx context.Context, a backoffice.Actor, u core.Utility) (backoffice.UtilityView, error)
		CreateTariff(ctx context.Context, a backoffice.Actor, t core.Tariff) (backoffice.TariffView, error)
		CreateInstitution(ctx context.Context, a backoffice.Actor, in core.Institution) (backoffice.InstitutionView, error)
		ServiceCodes(ctx context.Context, a backoffice.Actor) ([]backoffice.ServiceCodeView, error)
		CreateServiceCode(ctx context.Context, a backoffice.Actor, sc core.ServiceCode) (backoffice.ServiceCodeView, error)
		Replies(ctx context.Context, a backoffice.Actor, q backoffice.ReplyQuery) ([]backoffice.ReplyView, error)
		ResendReply(ctx context.Context, a backoffice.Actor, id int64) (backoffice.ReplyView, error)
		ReversedVends(ctx context.Context, a backoffice.Actor, q core.VendQuery) ([]backoffice.ReversedVendView, error)
		CreateSupplyGroup(ctx context.Context, a backoffice.Actor, g core.SupplyGroup, vendingKey []byte) (backoffice.SupplyGroupView, error)
	}
	// MeterTokens issues engineering tokens and reads and reprints a meter's tokens.
	MeterTokens interface {
		IssueEngineeringToken(ctx context.Context, a backoffice.Actor, r backoffice.EngineeringRequest) (backoffice.Result[backoffice.ShownToken], error)
		MeterTokenHistory(ctx context.Context, a backoffice.Actor, meterNumber string, page backoffice.MeterTokenPage) ([]backoffice.MeterTokenView, error)
		ReprintToken(ctx context.Context, a backoffice.Actor, ref backoffice.MeterTokenRef) (backoffice.ShownToken, error)
	}
	// Debts reads and changes contracts' debts.
	Debts interface {
		ContractDebtOf(ctx context.Context, a backoffice.Actor, contractID int64) (core.Money, error)
		AddDebt(ctx context.Context, a backoffice.Actor, contractID int64, amount core.Money, reason string) (backoffice.ContractDebt, error)
		AdjustDebt(ctx context.Context, a backoffice.Actor, contractID int64, amount core.Money, reason string) (backoffice.ContractDebt, error)
		WriteOffDebt(ctx context.Context, a backoffice.Actor, contractID int64, amount core.Money, reason string) (backoffice.Result[backoffice.ContractDebt], error)
	}
	// Charges keeps the catalogue of charges and charges customers' contracts.
	Charges interface {
		ChargeTypes(ctx context.Context, a backoffice.Actor, utilityID int64, all bool) ([]backoffice.ChargeType, error)
		CreateChargeType(ctx context.Context, a backoffice.Actor, t backoffice.ChargeType) (backoffice.ChargeType, error)
		UpdateChargeType(ctx context.Context, a backoffice.Actor, t backoffice.ChargeType) (backoffice.ChargeType, error)
		DeactivateChargeType(ctx context.Context, a backoffice.Actor, id, version int64) (backoffice.ChargeType, error)
		ChargeCustomer(ctx context.Context, a backoffice.Actor, n backoffice.NewCharge) (backoffice.CustomerCharge, error)
		CollectCharge(ctx context.Context, a backoffice.Actor, chargeID int64) (backoffice.ChargeReceipt, error)
		ContractCharges(ctx context.Context, a backoffice.Actor, contractID int64) ([]backoffice.CustomerCharge, error)
	}
	// Refunds refunds customers, under the approval policy.
	Refunds interface {
		RequestRefund(ctx context.Context, a backoffice.Actor, r backoffice.RefundRequest) (backoffice.Result[backoffice.Refund], error)
	}
	// Exchanges exchanges contracts' meters and reads their history.
	Exchanges interface {
		ExchangeMeter(ctx context.Context, a backoffice.Actor, x backoffice.Exchange) (backoffice.Result[backoffice.ExchangeResult], error)
		ContractMeterHistory(ctx context.Context, a backoffice.Actor, contractID int64) ([]backoffice.ContractMeter, error)
		MeterExchanges(ctx context.Context, a backoffice.Actor, contractID int64) ([]backoffice.MeterExchange, error)
	}
	// Readings records and imports meter readings and reads what they tell.
	Readings interface {
		RecordReading(ctx context.Context, a backoffice.Actor, n backoffice.NewReading) (backoffice.MeterReading, error)
		ImportReadings(ctx context.Context, a backoffice.Actor, r io.Reader, dryRun bool) (backoffice.ReadingsImported, error)
		MeterReadingsOf(ctx context.Context, a backoffice.Actor, number string, from, to time.Time) ([]backoffice.MeterReading, error)
		MeterConsumption(ctx context.Context, a backoffice.Actor, number string, from, to time.Time) (backoffice.Consumption, error)
		Exceptions(ctx context.Context, a backoffice.Actor, utilityID int64, from, to time.Time) (backoffice.ConsumptionExceptions, error)
		TamperSuspects(ctx context.Context, a backoffice.Actor, utilityID int64, from, to time.Time, ratioPercent int64) ([]backoffice.Consumption, error)
	}
	// Tampering keeps tamper cases and the meter orders they issue, and meters' status history.
	Tampering interface {
		ReportTamper(ctx context.Context, a backoffice.Actor, n backoffice.NewTamperCase) (backoffice.TamperReport, error)
		ResolveTamper(ctx context.Context, a backoffice.Actor, id int64, resolution string) (backoffice.TamperResolution, error)
		CompleteOrder(ctx context.Context, a backoffice.Actor, id int64, note string) (backoffice.MeterOrder, error)
		TamperCases(ctx context.Context, a backoffice.Actor, q backoffice.TamperQuery) ([]backoffice.TamperCase, error)
		TamperCaseOf(ctx context.Context, a backoffice.Actor, id int64) (backoffice.TamperCase, error)
		MeterOrders(ctx context.Context, a backoffice.Actor, q backoffice.OrderQuery) ([]backoffice.MeterOrder, error)
		MeterStatusHistory(ctx context.Context, a backoffice.Actor, number string) ([]backoffice.MeterStatusChange, error)
	}
	// AgentTerms keeps agents' contracts and sales limits.
	AgentTerms interface {
		SignAgentContract(ctx context.Context, a backoffice.Actor, n backoffice.NewAgentContract) (backoffice.Result[backoffice.AgentContract], error)
		CancelAgentContract(ctx context.Context, a backoffice.Actor, agentID int64, reason string) (backoffice.AgentContract, error)
		AgentContracts(ctx context.Context, a backoffice.Actor, agentID int64) ([]backoffice.AgentContract, error)
		SetSalesLimits(ctx context.Context, a backoffice.Actor, agentID int64, daily, monthly core.Money) (backoffice.SalesLimitsView, error)
		SalesLimits(ctx context.Context, a backoffice.Actor, agentID int64) (backoffice.SalesLimitsView, error)
	}
	// Commissions computes agents' commission statements, makes payment runs and exports them.
	Commissions interface {
		CommissionStatementFor(ctx context.Context, a backoffice.Actor, agentID int64, period string) (backoffice.CommissionStatement, error)
		RunCommission(ctx context.Context, a backoffice.Actor, utilityID int64, period string) (backoffice.Result[backoffice.CommissionRun], error)
		CommissionRunOf(ctx context.Context, a backoffice.Actor, utilityID int64, period string) (backoffice.CommissionRun, error)
		RunStatement(ctx context.Context, a backoffice.Actor, id int64) (backoffice.CommissionStatement, error)
		ExportStatement(ctx context.Context, a backoffice.Actor, id int64) ([]byte, error)
	}
)

// Config is what New needs. Every interface is required; limits that are zero or negative take
// the defaults.
type Config struct {
	Account   Account
	Sessions  Sessions
	Tokens    Tokens
	Operators Operators
	Roles     Roles
	Audit     Audit

	Approvals    Approvals
	Agents       Agents
	Vends        Vends
	Organisation Organisation
	Versions     Versions
	Stock        Stock
	Contracts    Contracts
	MeterTokens  MeterTokens
	Records      Records
	Network      Network
	Debts        Debts
	Charges      Charges
	Refunds      Refunds
	Exchanges    Exchanges
	Readings     Readings
	Tampering    Tampering
	AgentTerms   AgentTerms
	Commissions  Commissions

	// Logger receives one line per request: never a body, a cookie, a token or a password.
	Logger zerolog.Logger
	// Issuer names the installation in authenticator apps (a second factor's otpauth URI).
	// Default "Vendgate".
	Issuer string
	// MaxBodyBytes bounds a request body: larger is 413. Default 16 KiB.
	MaxBodyBytes int64
	// RetryAfter is the Retry-After of 503 answers. Default 5 s.
	RetryAfter time.Duration
	// Clock is the time of a read "in effect at" that names none (?at= left out); it is the back
	// office's clock. Default time.Now.
	Clock func() time.Time
}

// Defaults of Config.
const (
	DefaultIssuer       = "Vendgate"
	DefaultMaxBodyBytes = 16 << 10
	DefaultRetryAfter   = 5 * time.Second
)

// Prefix is the path every route of the operator API starts with.
const Prefix = "/ops/v1/"

// Server is the operator API, an http.Handler for the paths under Prefix.
type Server struct {
	cfg        Config
	log        zerolog.Logger
	maxBody    int64
	retryAfter time.Duration
	issuer     string
	table      []route
	mux        *http.ServeMux
}

// New returns the server for cfg. A missing dependency is a programming error: New panics.
func New(cfg Config) *Server {
	for name, dep := range map[string]any{
		"Account": cfg.Account, "Sessions": cfg.Sessions, "Tokens": cfg.Tokens,
		"Operators": cfg.Operators, "Roles": cfg.Roles, "Audit": cfg.Audit,
		"Approvals": cfg.Approvals, "Agents": cfg.Agents, "Vends": cfg.Vends, "Organisation": cfg.Organisation,
		"Versions": cfg.Versions, "Stock": cfg.Stock, "Contracts": cfg.Contracts, "MeterTokens": cfg.MeterTokens, "Records": cfg.Records, "Network": cfg.Network,
		"Debts": cfg.Debts, "Charges": cfg.Charges, "Refunds": cfg.Refunds, "Exchanges": cfg.Exchanges, "Readings": cfg.Readings,
		"Tampering": cfg.Tampering, "AgentTerms": cfg.AgentTerms, "Commissions": cfg.Commissions,
	} {
		if dep == nil {
			panic("ops: Config." + name + " is nil")
		}
	}
	s := &Server{
		cfg:        cfg,
		log:        cfg.Logger,
		maxBody:    httpkit.OrDefault(cfg.MaxBodyBytes, DefaultMaxBodyBytes),
		retryAfter: httpkit.OrDefault(cfg.RetryAfter, DefaultRetryAfter),
		issuer:     cfg.Issuer,
		mux:        http.NewServeMux(),
	}
	if s.issuer == "" {
		s.issuer = DefaultIssuer
	}
	if s.cfg.Clock == nil {
		s.cfg.Clock = time.Now
	}
	s.table = s.routes()
	for _, r := range s.table {
		s.mux.Handle(r.method+" "+r.pattern, s.handle(r))
	}
	return s
}

// Route is a route of the table: its method and its path pattern ("/ops/v1/operators/{id}").
type Route struct {
	Method, Path string
}

// Routes returns the route table's methods and paths.
func (s *Server) Routes() []Route {
	out := make([]Route, len(s.table))
	for i, r := range s.table {
		out[i] = Route{Method: r.method, Path: r.pattern}
	}
	return out
}

const headerRequestID = "X-Request-Id"

// ServeHTTP gives each request an ID (the caller's X-Request-Id when it is sane, else a new one,
// echoed either way), routes it, answers any error as a problem, and writes the request's one
// log line: never headers, bodies, cookies, tokens or passwords.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := r.Header.Get(headerRequestID)
	if !validRequestID(id) {
		id = rand.Text()
	}
	rw := &response{ResponseWriter: w}
	rw.Header().Set(headerRequestID, id)
	rw.Header().Set("Cache-Control", "no-store")
	x := &exchange{w: rw, r: r, id: id, route: "unmatched"}

	if h, pattern := s.mux.Handler(r); pattern == "" {
		s.fail(x, s.unmatched(x, h))
	} else { // the mux again, as it sets the path's parameters only when it serves
		s.mux.ServeHTTP(rw, r.WithContext(context.WithValue(r.Context(), exchangeKey{}, x)))
	}
	s.logRequest(x, start)
}

// unmatched names what the mux found for a request no route takes: no such path (404) or not
// this method (405, with the Allow header the mux sets).
func (s *Server) unmatched(x *exchange, h http.Handler) error {
	probe := &statusProbe{header: http.Header{}}
	h.ServeHTTP(probe, x.r)
	if allow := probe.header.Get("Allow"); probe.status == http.StatusMethodNotAllowed {
		x.w.Header().Set("Allow", allow)
		return &errStatus{status: http.StatusMethodNotAllowed, err: errMethodNotAllowed(allow)}
	}
	return errRouteNotFound()
}

// logRequest writes the request's log line: internal errors at error level with their cause,
// everything else at info.
func (s *Server) logRequest(x *exchange, start time.Time) {
	ev := s.log.Info()
	if p := x.problem; p != nil && p.cause != nil {
		ev = s.log.Error().Str("error", safeCause(p.cause))
		var pe *panicError
		if errors.As(p.cause, &pe) {
			ev = ev.Str("stack", string(pe.stack))
		}
	}
	status := x.w.status
	if status == 0 {
		status = http.StatusOK
	}
	ev = ev.Str("request_id", x.id).
		Str("method", methodLabel(x.r.Method)).
		Str("route", x.route).
		Int("status", status).
		Float64("latency_ms", float64(time.Since(start).Microseconds())/1000).
		Str("remote", remoteAddr(x.r)).
		Int64("bytes", x.w.bytes)
	if x.actor.Name() != "" {
		ev = ev.Str("actor", x.actor.Name()).Str("via", x.actor.Via())
	}
	if p := x.problem; p != nil {
		ev = ev.Str("code", string(p.Code)).Str("reason", string(p.Reason))
	}
	ev.Msg("request")
}

// safeCause is an internal error's text for the log. A recovered panic is logged by its kind
// (a runtime error's own text names an index or a nil map, never data), as other panic values
// may hold what the handler was working on: a password, a token.
func safeCause(err error) string {
	var pe *panicError
	if errors.As(err, &pe) {
		return pe.Error()
	}
	return err.Error()
}

// panicError is a recovered panic: what may be logged of its value, and the stack.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string {
	if re, ok := e.value.(runtime.Error); ok {
		return "panic: " + re.Error()
	}
	return fmt.Sprintf("panic: a value of type %T", e.value)
}

// recovered turns a panic into an internal error. net/http's own abort is let through.
func recovered(v any) error {
	if e, ok := v.(error); ok && errors.Is(e, http.ErrAbortHandler) {
		panic(v)
	}
	return &panicError{value: v, stack: debug.Stack()}
}

// validRequestID accepts a caller's request ID of 1 to 64 characters that cannot forge log
// structure: letters, digits and . _ : -.
func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._:-", r)) {
			return false
		}
	}
	return true
}

// methodLabel bounds the logged method to the methods HTTP defines.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

// remoteAddr is the address the request came from, as the audit trail records it.
func remoteAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
