package ops

import (
	"net/http"
	"strconv"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

// The records a utility runs (utilities, customers, meters, agents), each listed by a page of
// IDs, shown, created and changed at the version read.

// defaultRecordPage is the page of the records' lists when ?limit= is left out.
const defaultRecordPage = 100

// recordPage reads a list's ?after= and ?limit=.
func recordPage(x *exchange) (backoffice.Page, error) {
	after, err := intParam(x, "after", 0, 0, maxInt)
	if err != nil {
		return backoffice.Page{}, err
	}
	limit, err := intParam(x, "limit", defaultRecordPage, 1, backoffice.MaxPage)
	return backoffice.Page{AfterID: after, Limit: int(limit)}, err
}

// utilityParam reads ?utility_id=.
func utilityParam(x *exchange) (int64, error) { return intParam(x, "utility_id", 0, 0, maxInt) }

// listUtilities is GET /ops/v1/utilities?q=&after=&limit=.
func (s *Server) listUtilities(x *exchange) error {
	p, err := recordPage(x)
	if err != nil {
		return err
	}
	list, err := s.cfg.Records.Utilities(x.r.Context(), x.actor, backoffice.UtilityQuery{Page: p, Search: x.r.URL.Query().Get("q")})
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, newPage(list, p.Limit, func(u backoffice.UtilityView) int64 { return u.ID }))
}

// updateUtility is PATCH /ops/v1/utilities/{id}: {version, and any of name, time_zone}.
func (s *Server) updateUtility(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	var (
		up      backoffice.UtilityUpdate
		version int64
	)
	if err := x.decode(s, "a utility update",
		httpkit.Required("version", &version, "an integer (the version that was read)"),
		httpkit.Optional("name", &up.Name, "a string"),
		httpkit.Optional("time_zone", &up.TimeZone, "an IANA time zone (Africa/Johannesburg)"),
	); err != nil {
		return err
	}
	u, err := s.cfg.Records.UpdateUtility(x.r.Context(), x.actor, id, version, up)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, u)
}

// listCustomers is GET /ops/v1/customers?utility_id=&q=&after=&limit=.
func (s *Server) listCustomers(x *exchange) error {
	p, err := recordPage(x)
	if err != nil {
		return err
	}
	u, err := utilityParam(x)
	if err != nil {
		return err
	}
	list, err := s.cfg.Records.Customers(x.r.Context(), x.actor, backoffice.CustomerQuery{Page: p, UtilityID: u, Search: x.r.URL.Query().Get("q")})
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, newPage(list, p.Limit, func(c backoffice.CustomerView) int64 { return c.ID }))
}

// createCustomer is POST /ops/v1/customers: {utility_id, name, address, phone, language,
// free_basic}.
func (s *Server) createCustomer(x *exchange) error {
	var (
		c       core.Customer
		utility int64
	)
	if err := x.decode(s, "a new customer",
		httpkit.Optional("utility_id", &utility, "an integer (default: the operator's utility)"),
		httpkit.Required("name", &c.Name, "a string"),
		httpkit.Optional("address", &c.Address, "a string"),
		httpkit.Optional("phone", &c.Phone, "a string"),
		httpkit.Required("language", &c.Language, "a language code (en, zu, ...)"),
		httpkit.Optional("free_basic", &c.FreeBasic, "a boolean"),
	); err != nil {
		return err
	}
	v, err := s.cfg.Records.CreateCustomer(x.r.Context(), x.actor, c, utility)
	if err != nil {
		return err
	}
	return created(x, "/ops/v1/customers", v.ID, v)
}

// updateCustomer is PATCH /ops/v1/customers/{id}: {version, and any of name, address, phone,
// language, free_basic}.
func (s *Server) updateCustomer(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	var (
		up      backoffice.CustomerUpdate
		version int64
	)
	if err := x.decode(s, "a customer update",
		httpkit.Required("version", &version, "an integer (the version that was read)"),
		httpkit.Optional("name", &up.Name, "a string"),
		httpkit.Optional("address", &up.Address, "a string"),
		httpkit.Optional("phone", &up.Phone, "a string"),
		httpkit.Optional("language", &up.Language, "a language code"),
		httpkit.Optional("free_basic", &up.FreeBasic, "a boolean"),
	); err != nil {
		return err
	}
	v, err := s.cfg.Records.UpdateCustomer(x.r.Context(), x.actor, id, version, up)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, v)
}

// listMeters is GET /ops/v1/meters?utility_id=&customer_id=&status=&number=&after=&limit=.
func (s *Server) listMeters(x *exchange) error {
	p, err := recordPage(x)
	if err != nil {
		return err
	}
	u, err := utilityParam(x)
	if err != nil {
		return err
	}
	customer, err := intParam(x, "customer_id", 0, 0, maxInt)
	if err != nil {
		return err
	}
	v := x.r.URL.Query()
	list, err := s.cfg.Records.Meters(x.r.Context(), x.actor, backoffice.MeterQuery{Page: p, UtilityID: u, CustomerID: customer,
		Status: core.MeterStatus(v.Get("status")), Number: v.Get("number")})
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, newPage(list, p.Limit, func(m backoffice.MeterView) int64 { return m.ID }))
}

// updateMeter is PATCH /ops/v1/meters/{id}: {version, and any of customer_id, tariff_id}.
func (s *Server) updateMeter(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	var (
		up      backoffice.MeterUpdate
		version int64
	)
	if err := x.decode(s, "a meter update",
		httpkit.Required("version", &version, "an integer (the version that was read)"),
		httpkit.Optional("customer_id", &up.CustomerID, "an integer"),
		httpkit.Optional("tariff_id", &up.TariffID, "an integer"),
	); err != nil {
		return err
	}
	m, err := s.cfg.Records.UpdateMeter(x.r.Context(), x.actor, id, version, up)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, m)
}

// setMeterStatus is POST /ops/v1/meters/{id}/status: {status (active, blocked,
// decommissioned), reason}. Decommissioning is the meter's deactivation, and final.
func (s *Server) setMeterStatus(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	var status, reason string
	if err := x.decode(s, "a meter's status",
		httpkit.Required("status", &status, "active, blocked or decommissioned"),
		httpkit.Required("reason", &reason, "a string saying why"),
	); err != nil {
		return err
	}
	m, err := s.cfg.Records.SetMeterStatus(x.r.Context(), x.actor, id, core.MeterStatus(status), reason)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, m)
}

// listAgents is GET /ops/v1/agents?utility_id=&kind=&active=&q=&after=&limit=.
func (s *Server) listAgents(x *exchange) error {
	p, err := recordPage(x)
	if err != nil {
		return err
	}
	u, err := utilityParam(x)
	if err != nil {
		return err
	}
	v := x.r.URL.Query()
	q := backoffice.AgentQuery{Page: p, UtilityID: u, Kind: core.AgentKind(v.Get("kind")), Search: v.Get("q")}
	if a := v.Get("active"); a != "" {
		active, err := strconv.ParseBool(a)
		if err != nil {
			return badParam("active", "active must be true or false")
		}
		q.Active = &active
	}
	list, err := s.cfg.Records.Agents(x.r.Context(), x.actor, q)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, newPage(list, p.Limit, func(a backoffice.AgentView) int64 { return a.ID }))
}

// createAgent is POST /ops/v1/agents: {utility_id, name, kind, credit_limit, commission_rate}.
// Its float starts at 0.
func (s *Server) createAgent(x *exchange) error {
	var (
		ag    = core.Agent{Active: true}
		kind  string
		limit int64
		rate  = "0"
	)
	if err := x.decode(s, "a new agent",
		httpkit.Optional("utility_id", &ag.UtilityID, "an integer (default: the operator's utility)"),
		httpkit.Required("name", &ag.Name, "a string"),
		httpkit.Required("kind", &kind, "retail, bank or telco"),
		httpkit.Optional("credit_limit", &limit, "an integer amount in minor units"),
		httpkit.Optional("commission_rate", &rate, `a decimal string ("0.025")`),
	); err != nil {
		return err
	}
	d, err := decimalField("commission_rate", &rate)
	if err != nil {
		return err
	}
	ag.Kind, ag.CreditLimit, ag.CommissionRate = core.AgentKind(kind), moneyOf(limit), *d
	v, err := s.cfg.Records.CreateAgent(x.r.Context(), x.actor, ag)
	if err != nil {
		return err
	}
	return created(x, "/ops/v1/agents", v.ID, v)
}

// updateAgent is PATCH /ops/v1/agents/{id}: {version, and any of name, active}; active false
// deactivates the agent (its keys stop selling).
func (s *Server) updateAgent(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	var (
		up      backoffice.AgentUpdate
		version int64
	)
	if err := x.decode(s, "an agent update",
		httpkit.Required("version", &version, "an integer (the version that was read)"),
		httpkit.Optional("name", &up.Name, "a string"),
		httpkit.Optional("active", &up.Active, "a boolean"),
	); err != nil {
		return err
	}
	v, err := s.cfg.Records.UpdateAgent(x.r.Context(), x.actor, id, version, up)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, v)
}

// topUp is POST /ops/v1/agents/{id}/top-ups: {amount (minor units), memo}.
func (s *Server) topUp(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	var (
		amount int64
		memo   string
	)
	if err := x.decode(s, "a top-up",
		httpkit.Required("amount", &amount, "a positive integer amount in minor units"),
		httpkit.Optional("memo", &memo, "a string"),
	); err != nil {
		return err
	}
	v, err := s.cfg.Records.TopUp(x.r.Context(), x.actor, id, moneyOf(amount), memo)
	if err != nil {
		return err
	}
	return x.json(http.StatusCreated, v)
}

// issueAPIKey is POST /ops/v1/agents/{id}/api-keys: {label}. The answer, 201, holds the key,
// shown this once.
func (s *Server) issueAPIKey(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	var label string
	if err := x.decodeOptional(s, "an API key", httpkit.Optional("label", &label, "a string")); err != nil {
		return err
	}
	k, err := s.cfg.Records.IssueAPIKey(x.r.Context(), x.actor, id, label)
	if err != nil {
		return err
	}
	return x.json(http.StatusCreated, k)
}

// revokeAPIKey is POST /ops/v1/api-keys/{id}/revoke: an agent's key stops selling.
func (s *Server) revokeAPIKey(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	if err := x.decodeOptional(s, "a revocation"); err != nil {
		return err
	}
	k, err := s.cfg.Records.RevokeAPIKey(x.r.Context(), x.actor, id)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, k)
}

// checkLedger is GET /ops/v1/ledger/check: every agent's balance recomputed from the ledger;
// the check is audited.
func (s *Server) checkLedger(x *exchange) error {
	r, err := s.cfg.Records.CheckLedger(x.r.Context(), x.actor)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, r)
}

// recordReads are the show handlers of the records.
func (s *Server) showUtility(x *exchange) error  { return showByID(s.cfg.Records.Utility)(x) }
func (s *Server) showCustomer(x *exchange) error { return showByID(s.cfg.Records.Customer)(x) }
func (s *Server) showMeter(x *exchange) error    { return showByID(s.cfg.Records.Meter)(x) }
func (s *Server) showAgent(x *exchange) error    { return showByID(s.cfg.Records.Agent)(x) }
