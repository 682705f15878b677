package ops

import (
	"encoding/hex"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

// The utility's set-up and the vending network: utilities and tariffs created, the banks'
// institutions and the telcos' service codes, the replies sent to customers and the vends
// reversed.

// createUtility is POST /ops/v1/utilities: {name, currency, tax_rate, time_zone,
// debt_recovery_rate, reversal_window_seconds}.
func (s *Server) createUtility(x *exchange) error {
	var (
		name, currency, tz = "", "", "UTC"
		tax, debt          = "0", "0"
		window             int64
	)
	if err := x.decode(s, "a new utility",
		httpkit.Required("name", &name, "a string"),
		httpkit.Required("currency", &currency, "an ISO 4217 code (ZAR)"),
		httpkit.Optional("tax_rate", &tax, `a decimal string ("0.15")`),
		httpkit.Optional("time_zone", &tz, "an IANA time zone (default UTC)"),
		httpkit.Optional("debt_recovery_rate", &debt, `a decimal string ("0.25")`),
		httpkit.Optional("reversal_window_seconds", &window, "an integer number of seconds (0: the default)"),
	); err != nil {
		return err
	}
	cur, err := core.ParseCurrency(currency)
	if err != nil {
		return badField("currency", "currency must be an ISO 4217 code")
	}
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "" || tz == "Local" {
		return badField("time_zone", "time_zone must be an IANA time zone")
	}
	taxRate, err := decimalField("tax_rate", &tax)
	if err != nil {
		return err
	}
	debtRate, err := decimalField("debt_recovery_rate", &debt)
	if err != nil {
		return err
	}
	if window < 0 || window > int64(maxDuration/time.Second) {
		return badField("reversal_window_seconds", "reversal_window_seconds is a number of seconds, not negative")
	}
	u, err := s.cfg.Network.CreateUtility(x.r.Context(), x.actor, core.Utility{Name: name, Currency: cur, TaxRate: *taxRate,
		Location: loc, DebtRecoveryRate: *debtRate, ReversalWindow: time.Duration(window) * time.Second})
	if err != nil {
		return err
	}
	return created(x, "/ops/v1/utilities", u.ID, u)
}

// priceBlockJSON is a block of a new tariff.
type priceBlockJSON struct {
	UpTo  int64  `json:"up_to"`
	Price string `json:"price"`
}

// createTariff is POST /ops/v1/tariffs: {utility_id, name, kind, blocks, monthly_fixed_charge,
// free_basic_energy}. Its later prices are versions (POST /ops/v1/tariffs/{id}/versions).
func (s *Server) createTariff(x *exchange) error {
	var (
		t           core.Tariff
		kind        string
		blocks      []priceBlockJSON
		fixed, free int64
	)
	if err := x.decode(s, "a new tariff",
		httpkit.Optional("utility_id", &t.UtilityID, "an integer (default: the operator's utility)"),
		httpkit.Required("name", &t.Name, "a string"),
		httpkit.Optional("kind", &kind, "electricity, water or gas (default electricity)"),
		httpkit.Required("blocks", &blocks, "an array of {up_to, price}"),
		httpkit.Optional("monthly_fixed_charge", &fixed, "an integer amount in minor units"),
		httpkit.Optional("free_basic_energy", &free, "an integer in tenths of the unit"),
	); err != nil {
		return err
	}
	if kind == "" {
		kind = string(core.Electricity)
	}
	for _, b := range blocks {
		p, err := decimal.NewFromString(b.Price)
		if err != nil {
			return badField("blocks", `a block's price is a decimal string ("1.8523")`)
		}
		t.Blocks = append(t.Blocks, core.TariffBlock{UpTo: core.Energy(b.UpTo), Price: p})
	}
	t.Kind, t.MonthlyFixedCharge, t.FreeBasicEnergy = core.MeterKind(kind), moneyOf(fixed), core.Energy(free)
	if t.UtilityID == 0 {
		t.UtilityID = x.actor.UtilityID()
	}
	v, err := s.cfg.Network.CreateTariff(x.r.Context(), x.actor, t)
	if err != nil {
		return err
	}
	return created(x, "/ops/v1/tariffs", v.ID, v)
}

// createInstitution is POST /ops/v1/institutions: {code, name, agent_id, allowed (CIDR
// prefixes)}: a bank that sells over ISO 8583 as its agent.
func (s *Server) createInstitution(x *exchange) error {
	var (
		in      = core.Institution{Active: true}
		allowed []string
	)
	if err := x.decode(s, "a new institution",
		httpkit.Required("code", &in.Code, "the acquiring institution id, 1 to 11 digits"),
		httpkit.Required("name", &in.Name, "a string"),
		httpkit.Required("agent_id", &in.AgentID, "an integer (the bank's agent)"),
		httpkit.Required("allowed", &allowed, `an array of network prefixes ("10.1.0.0/16")`),
	); err != nil {
		return err
	}
	for _, a := range allowed {
		p, err := netip.ParsePrefix(a)
		if err != nil {
			return badField("allowed", "allowed holds network prefixes (10.1.0.0/16)")
		}
		in.Allowed = append(in.Allowed, p)
	}
	v, err := s.cfg.Network.CreateInstitution(x.r.Context(), x.actor, in)
	if err != nil {
		return err
	}
	return x.json(http.StatusCreated, v)
}

// listServiceCodes is GET /ops/v1/service-codes.
func (s *Server) listServiceCodes(x *exchange) error {
	list, err := s.cfg.Network.ServiceCodes(x.r.Context(), x.actor)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, page[backoffice.ServiceCodeView]{Items: nonNil(list)})
}

// createServiceCode is POST /ops/v1/service-codes: {channel (ussd, sms), code, agent_id, route}.
func (s *Server) createServiceCode(x *exchange) error {
	sc := core.ServiceCode{Active: true}
	if err := x.decode(s, "a new service code",
		httpkit.Required("channel", &sc.Channel, "ussd or sms"),
		httpkit.Required("code", &sc.Code, "the short code or service code (*120*55#)"),
		httpkit.Required("agent_id", &sc.AgentID, "an integer (the telco's agent)"),
		httpkit.Optional("route", &sc.Route, "the SMSC bind replies go out on"),
	); err != nil {
		return err
	}
	v, err := s.cfg.Network.CreateServiceCode(x.r.Context(), x.actor, sc)
	if err != nil {
		return err
	}
	return x.json(http.StatusCreated, v)
}

// listReplies is GET /ops/v1/replies?status=&utility_id=&limit=: the replies to customers in one
// status (default failed), oldest first.
func (s *Server) listReplies(x *exchange) error {
	u, err := utilityParam(x)
	if err != nil {
		return err
	}
	limit, err := intParam(x, "limit", defaultRecordPage, 1, backoffice.MaxPage)
	if err != nil {
		return err
	}
	status := core.ReplyStatus(x.r.URL.Query().Get("status"))
	if status == "" {
		status = core.ReplyFailed
	}
	list, err := s.cfg.Network.Replies(x.r.Context(), x.actor, backoffice.ReplyQuery{Status: status, UtilityID: u, Limit: int(limit)})
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, page[backoffice.ReplyView]{Items: nonNil(list)})
}

// resendReply is POST /ops/v1/replies/{id}/resend: a failed reply is sent again.
func (s *Server) resendReply(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	if err := x.decodeOptional(s, "a resend"); err != nil {
		return err
	}
	v, err := s.cfg.Network.ResendReply(x.r.Context(), x.actor, id)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, v)
}

// listReversals is GET /ops/v1/reversals?utility_id=&meter_number=&before=&limit=: the vends
// reversed, newest first.
func (s *Server) listReversals(x *exchange) error {
	u, err := utilityParam(x)
	if err != nil {
		return err
	}
	before, err := intParam(x, "before", 0, 0, maxInt)
	if err != nil {
		return err
	}
	limit, err := intParam(x, "limit", defaultRecordPage, 1, core.MaxVendQueryLimit)
	if err != nil {
		return err
	}
	list, err := s.cfg.Network.ReversedVends(x.r.Context(), x.actor, core.VendQuery{UtilityID: u,
		MeterNumber: x.r.URL.Query().Get("meter_number"), BeforeID: before, Limit: int(limit)})
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, page[backoffice.ReversedVendView]{Items: nonNil(list)})
}

// createSupplyGroup is POST /ops/v1/supply-groups: {utility_id, sgc, krn, dkga, name,
// vending_key (hex)}. The vending key is sealed under the master key; no answer, log line or
// audit entry carries it.
func (s *Server) createSupplyGroup(x *exchange) error {
	var (
		g              core.SupplyGroup
		sgc, dkga, key string
		krn            int64 = 1
	)
	if err := x.decode(s, "a new supply group",
		httpkit.Required("utility_id", &g.UtilityID, "an integer"),
		httpkit.Required("sgc", &sgc, "the supply group code, 6 digits"),
		httpkit.Optional("krn", &krn, "the key revision number, 1 to 15"),
		httpkit.Required("dkga", &dkga, "the key derivation algorithm: 02 or 04"),
		httpkit.Optional("name", &g.Name, "a string"),
		httpkit.Required("vending_key", &key, "the vending key in hex"),
	); err != nil {
		return err
	}
	var err error
	if g.SGC, err = sts.ParseSGC(sgc); err != nil {
		return badField("sgc", "sgc must be 6 digits")
	}
	if krn < 1 || krn > 15 {
		return badField("krn", "krn must be 1 to 15")
	}
	g.KRN = uint8(krn)
	if g.DKGA, err = sts.ParseDKGA(dkga); err != nil {
		return badField("dkga", "dkga must be 02 or 04")
	}
	vk, err := hex.DecodeString(strings.TrimSpace(key))
	if err != nil {
		return badField("vending_key", "vending_key must be hex")
	}
	defer clear(vk)
	if err := core.CheckVendingKey(g.DKGA, vk); err != nil {
		return fieldOf(err, "vending_key")
	}
	v, err := s.cfg.Network.CreateSupplyGroup(x.r.Context(), x.actor, g, vk)
	if err != nil {
		return err
	}
	return x.json(http.StatusCreated, v)
}

// fieldOf names the body field of a core error that names none.
func fieldOf(err error, field string) error {
	if e := core.AsError(err); e != nil && e.Field == "" {
		return e.OnField(field)
	}
	return err
}
