package ops

import (
	"net/http"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

// blockJSON is a price block a tariff change gives: its bound in tenths of the unit (0 for the
// last, unbounded block) and its price in minor units per unit, a decimal string.
type blockJSON struct {
	UpTo  int64  `json:"up_to"`
	Price string `json:"price"`
}

// changeTariff is POST /ops/v1/tariffs/{id}/versions: {after_version, effective_from, blocks,
// monthly_fixed_charge, free_basic_energy, reason}. The answer, 201, is the new version.
func (s *Server) changeTariff(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	var (
		c           = backoffice.TariffChange{TariffID: id}
		blocks      []blockJSON
		fixed, free int64
	)
	if err := x.decode(s, "a tariff change",
		httpkit.Required("after_version", &c.AfterVersion, "an integer (the latest version that was read)"),
		httpkit.Optional("effective_from", &c.EffectiveFrom, "an RFC 3339 time (default: now)"),
		httpkit.Required("blocks", &blocks, "an array of {up_to, price}"),
		httpkit.Optional("monthly_fixed_charge", &fixed, "an integer amount in minor units"),
		httpkit.Optional("free_basic_energy", &free, "an integer in tenths of the unit"),
		httpkit.Required("reason", &c.Reason, "a string saying why"),
	); err != nil {
		return err
	}
	for _, b := range blocks {
		p, err := decimal.NewFromString(b.Price)
		if err != nil {
			return badField("blocks", `a block's price is a decimal string ("1.8523")`)
		}
		c.Blocks = append(c.Blocks, core.TariffBlock{UpTo: core.Energy(b.UpTo), Price: p})
	}
	c.MonthlyFixedCharge, c.FreeBasicEnergy = moneyOf(fixed), core.Energy(free)
	v, err := s.cfg.Versions.ChangeTariff(x.r.Context(), x.actor, c)
	if err != nil {
		return err
	}
	return x.json(http.StatusCreated, v.View())
}

// tariffHistory is GET /ops/v1/tariffs/{id}/versions: version 1 first.
func (s *Server) tariffHistory(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	list, err := s.cfg.Versions.TariffHistory(x.r.Context(), x.actor, id)
	if err != nil {
		return err
	}
	out := make([]backoffice.TariffVersionView, len(list))
	for i, v := range list {
		out[i] = v.View()
	}
	return x.json(http.StatusOK, page[backoffice.TariffVersionView]{Items: out})
}

// atParam is the ?at= of an "in effect at" read: now (the back office's clock) when left out.
func (s *Server) atParam(x *exchange) (time.Time, error) {
	at, err := timeParam(x, "at")
	if err == nil && at.IsZero() {
		at = s.cfg.Clock()
	}
	return at, err
}

// tariffAt is GET /ops/v1/tariffs/{id}/versions/effective?at=: the version that prices a vend
// made at that time.
func (s *Server) tariffAt(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	at, err := s.atParam(x)
	if err != nil {
		return err
	}
	v, err := s.cfg.Versions.TariffVersionAt(x.r.Context(), x.actor, id, at)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, v.View())
}

// changeParameters is POST /ops/v1/utilities/{id}/parameters: {after_version, effective_from,
// reason, and any of tax_rate, debt_recovery_rate, reversal_window_seconds, max_vend_amount};
// what is left out keeps the latest version's value. The answer, 201, is the new version.
func (s *Server) changeParameters(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	var (
		c         = backoffice.ParameterChange{UtilityID: id}
		tax, debt *string
		window    *int64
		maxAmount *int64
	)
	if err := x.decode(s, "a change of the parameters",
		httpkit.Required("after_version", &c.AfterVersion, "an integer (the latest version that was read)"),
		httpkit.Optional("effective_from", &c.EffectiveFrom, "an RFC 3339 time (default: now)"),
		httpkit.Optional("tax_rate", &tax, `a decimal string ("0.15")`),
		httpkit.Optional("debt_recovery_rate", &debt, `a decimal string ("0.25")`),
		httpkit.Optional("reversal_window_seconds", &window, "an integer number of seconds (0: the default)"),
		httpkit.Optional("max_vend_amount", &maxAmount, "an integer amount in minor units (0: no limit)"),
		httpkit.Required("reason", &c.Reason, "a string saying why"),
	); err != nil {
		return err
	}
	if c.TaxRate, err = decimalField("tax_rate", tax); err != nil {
		return err
	}
	if c.DebtRecoveryRate, err = decimalField("debt_recovery_rate", debt); err != nil {
		return err
	}
	if window != nil {
		if *window < 0 || *window > int64(maxDuration/time.Second) {
			return badField("reversal_window_seconds", "reversal_window_seconds is a number of seconds, not negative")
		}
		d := time.Duration(*window) * time.Second
		c.ReversalWindow = &d
	}
	if maxAmount != nil {
		m := moneyOf(*maxAmount)
		c.MaxVendAmount = &m
	}
	v, err := s.cfg.Versions.ChangeParameters(x.r.Context(), x.actor, c)
	if err != nil {
		return err
	}
	return x.json(http.StatusCreated, v.View())
}

// decimalField parses an optional decimal string of a body.
func decimalField(name string, v *string) (*decimal.Decimal, error) {
	if v == nil {
		return nil, nil
	}
	d, err := decimal.NewFromString(*v)
	if err != nil {
		return nil, badField(name, `%s must be a decimal string ("0.15")`, name)
	}
	return &d, nil
}

// parameterHistory is GET /ops/v1/utilities/{id}/parameters: version 1 first.
func (s *Server) parameterHistory(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	list, err := s.cfg.Versions.ParameterHistory(x.r.Context(), x.actor, id)
	if err != nil {
		return err
	}
	out := make([]backoffice.ParameterVersionView, len(list))
	for i, v := range list {
		out[i] = v.View()
	}
	return x.json(http.StatusOK, page[backoffice.ParameterVersionView]{Items: out})
}

// parametersAt is GET /ops/v1/utilities/{id}/parameters/effective?at=.
func (s *Server) parametersAt(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	at, err := s.atParam(x)
	if err != nil {
		return err
	}
	v, err := s.cfg.Versions.ParametersAt(x.r.Context(), x.actor, id, at)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, v.View())
}
