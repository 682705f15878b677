package rest

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/vendgate/vendgate/core"
)

// meterJSON is what an agent sees of a meter to confirm the customer before taking payment. The
// address is masked: enough to recognise, not enough to harvest.
type meterJSON struct {
	MeterNumber      string    `json:"meter_number"`
	Kind             string    `json:"kind"`
	Status           string    `json:"status"`
	CustomerName     string    `json:"customer_name"`
	MaskedAddress    string    `json:"masked_address"`
	TariffName       string    `json:"tariff_name"`
	Arrears          moneyJSON `json:"arrears"`
	KeyChangePending bool      `json:"key_change_pending"`
}

// moneyJSON is an amount in minor units with its currency and, for people, the decimal.
type moneyJSON struct {
	Minor    int64  `json:"minor"`
	Currency string `json:"currency"`
	Decimal  string `json:"decimal"`
}

func toMoneyJSON(c core.Currency, m core.Money) moneyJSON {
	return moneyJSON{Minor: int64(m), Currency: c.Code, Decimal: c.Decimal(m).StringFixed(c.Exponent)}
}

// toMeterJSON converts a meter view to its wire form.
func toMeterJSON(v core.MeterView) meterJSON {
	return meterJSON{
		MeterNumber:      v.Meter.Number,
		Kind:             string(v.Meter.Kind),
		Status:           string(v.Meter.Status),
		CustomerName:     v.Customer.Name,
		MaskedAddress:    maskAddress(v.Customer.Address),
		TariffName:       v.Tariff.Name,
		Arrears:          toMoneyJSON(v.Utility.Currency, v.Arrears),
		KeyChangePending: v.Meter.PendingKey != nil,
	}
}

// maskAddress keeps an address's first word (at most 6 characters of it; 3 when it is the only
// word) and replaces the rest with a fixed "***", so the mask does not reveal its length either:
// "12 Long Street, Soweto" is "12 ***".
func maskAddress(a string) string {
	words := strings.Fields(a)
	if len(words) == 0 {
		return ""
	}
	first := []rune(words[0])
	keep := 6
	if len(words) == 1 {
		keep = 3
	}
	if len(first) > keep {
		first = first[:keep]
	}
	return string(first) + " ***"
}

// getMeter is GET /v1/meters/{number}: the meter, its customer and arrears, for the agent to
// confirm before taking payment. A meter of another utility than the agent's is not found.
func (s *Server) getMeter(c *echo.Context) error {
	number, err := pathParam(c, "number")
	if err != nil {
		return err
	}
	if err := core.CheckMeterNumber(number); err != nil {
		return &requestError{err: core.AsError(err), field: "number"}
	}
	view, err := s.cfg.Meters.MeterByNumber(c.Request().Context(), number)
	// Another utility's meter is not found, as an unknown one is: an agent does not learn which
	// meters other utilities have.
	if errors.Is(err, core.ErrNotFound) || err == nil && view.Utility.ID != agentOf(c).UtilityID {
		return core.Errorf(core.CodeNotFound, core.ReasonMeterNotFound, "meter %s is not registered", number)
	}
	if err != nil {
		return core.StoreError(err)
	}
	return c.JSON(http.StatusOK, toMeterJSON(view))
}
