package ops

import (
	"net/http"
	"strconv"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/backoffice"
)

// The catalogue of charges (charge types) and the charges made to customers' contracts.

// listChargeTypes is GET /ops/v1/charge-types?utility_id=&all=: the utility's catalogue, the
// deactivated entries too with all=true.
func (s *Server) listChargeTypes(x *exchange) error {
	utility, err := utilityParam(x)
	if err != nil {
		return err
	}
	all := false
	if v := x.r.URL.Query().Get("all"); v != "" {
		if all, err = strconv.ParseBool(v); err != nil {
			return badParam("all", "all must be true or false")
		}
	}
	list, err := s.cfg.Charges.ChargeTypes(x.r.Context(), x.actor, utility, all)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, page[backoffice.ChargeType]{Items: nonNil(list)})
}

// chargeTypeFields are the fields of a charge type's body.
func chargeTypeFields(t *backoffice.ChargeType, amount *int64) []httpkit.Field {
	return []httpkit.Field{
		httpkit.Required("code", &t.Code, `a string unique in the utility ("RECON")`),
		httpkit.Required("name", &t.Name, "a string"),
		httpkit.Required("kind", &t.Kind, `a string ("reconnection_fee")`),
		httpkit.Required("amount", amount, "an integer amount in minor units"),
	}
}

// createChargeType is POST /ops/v1/charge-types: {utility_id, code, name, kind, amount}.
func (s *Server) createChargeType(x *exchange) error {
	var (
		t      backoffice.ChargeType
		amount int64
	)
	fields := append(chargeTypeFields(&t, &amount), httpkit.Optional("utility_id", &t.UtilityID, "an integer (default: the operator's utility)"))
	if err := x.decode(s, "a new charge type", fields...); err != nil {
		return err
	}
	t.Amount = moneyOf(amount)
	if t.UtilityID == 0 {
		t.UtilityID = x.actor.UtilityID()
	}
	out, err := s.cfg.Charges.CreateChargeType(x.r.Context(), x.actor, t)
	if err != nil {
		return err
	}
	return created(x, "/ops/v1/charge-types", out.ID, out)
}

// updateChargeType is PATCH /ops/v1/charge-types/{id}: {version, code, name, kind, amount}.
// Charges made before keep their amount.
func (s *Server) updateChargeType(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	var (
		t      = backoffice.ChargeType{ID: id}
		amount int64
	)
	fields := append(chargeTypeFields(&t, &amount), httpkit.Required("version", &t.Version, "an integer (the version that was read)"))
	if err := x.decode(s, "a charge type's change", fields...); err != nil {
		return err
	}
	t.Amount = moneyOf(amount)
	out, err := s.cfg.Charges.UpdateChargeType(x.r.Context(), x.actor, t)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, out)
}

// chargeCustomer is POST /ops/v1/charges: {contract_id, charge_type_id, method (counter or
// deduct), share (of each purchase, deduct only), reason}.
func (s *Server) chargeCustomer(x *exchange) error {
	var (
		n             backoffice.NewCharge
		method, share = "", ""
	)
	if err := x.decode(s, "a charge",
		httpkit.Required("contract_id", &n.ContractID, "an integer"),
		httpkit.Required("charge_type_id", &n.ChargeTypeID, "an integer"),
		httpkit.Required("method", &method, "counter or deduct"),
		httpkit.Optional("share", &share, `a decimal string ("0.1"), for deduct`),
		httpkit.Optional("reason", &n.Reason, "a string"),
	); err != nil {
		return err
	}
	if share != "" {
		d, err := decimal.NewFromString(share)
		if err != nil {
			return badField("share", `share must be a decimal string ("0.1")`)
		}
		n.Share = d
	}
	n.Method = backoffice.ChargeMethod(method)
	c, err := s.cfg.Charges.ChargeCustomer(x.r.Context(), x.actor, n)
	if err != nil {
		return err
	}
	return created(x, "/ops/v1/charges", c.ID, c)
}

// collectCharge is POST /ops/v1/charges/{id}/collection: a counter charge paid in cash; the
// answer is the receipt.
func (s *Server) collectCharge(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	r, err := s.cfg.Charges.CollectCharge(x.r.Context(), x.actor, id)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, r)
}

// contractCharges is GET /ops/v1/contracts/{id}/charges.
func (s *Server) contractCharges(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	list, err := s.cfg.Charges.ContractCharges(x.r.Context(), x.actor, id)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, page[backoffice.CustomerCharge]{Items: nonNil(list)})
}
