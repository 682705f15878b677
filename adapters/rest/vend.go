package rest

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/core"
)

// Limits of GET /v1/vends.
const (
	defaultVendLimit = 10
	maxVendLimit     = 50
)

// vendJSON is a vend on the wire. Money is integer minor units of Currency; a quantity is integer
// tenths of the meter kind's unit, the unit an STS token carries, with the unit named beside it.
// EnergyKWh and FreeEnergyKWh, kWh as decimal strings, are the deprecated form of the quantities,
// kept for electricity only.
type vendJSON struct {
	ID            int64        `json:"id"`
	Reference     string       `json:"reference"`
	Status        string       `json:"status"`
	MeterNumber   string       `json:"meter_number"`
	MeterKind     string       `json:"meter_kind"`
	CustomerName  string       `json:"customer_name"`
	Currency      string       `json:"currency"`
	Amounts       amountsJSON  `json:"amounts"`
	Quantity      quantityJSON `json:"quantity"`
	FreeQuantity  quantityJSON `json:"free_quantity"`
	EnergyKWh     string       `json:"energy_kwh,omitempty"`
	FreeEnergyKWh string       `json:"free_energy_kwh,omitempty"`
	Tokens        []tokenJSON  `json:"tokens"`
	Receipt       []string     `json:"receipt"`
	CreatedAt     string       `json:"created_at"`
	ReversedAt    string       `json:"reversed_at,omitempty"`
	// ReversalReason is why the agent (or an operator) reversed the vend.
	ReversalReason string `json:"reversal_reason,omitempty"`
}

type amountsJSON struct {
	Paid         int64 `json:"paid"`
	Debt         int64 `json:"debt"`
	FixedCharges int64 `json:"fixed_charges"`
	Tax          int64 `json:"tax"`
	EnergyCharge int64 `json:"energy_charge"`
	Commission   int64 `json:"commission"`
}

// quantityJSON is a quantity of electricity, water or gas: exact tenths of the unit, the unit
// (core.MeterKind.Unit) and the two as a person reads them ("62.1 kWh").
type quantityJSON struct {
	ValueTenths int64  `json:"value_tenths"`
	Unit        string `json:"unit"`
	Display     string `json:"display"`
}

func toQuantityJSON(k core.MeterKind, q core.Energy) quantityJSON {
	return quantityJSON{ValueTenths: int64(q), Unit: k.Unit(), Display: k.Format(q)}
}

// tokenJSON is one token of a vend. Key change tokens carry neither a TID nor a quantity.
type tokenJSON struct {
	Purpose   string        `json:"purpose"`
	Kind      string        `json:"kind"`
	Token     string        `json:"token"`
	Display   string        `json:"display"`
	TID       uint32        `json:"tid,omitempty"`
	Quantity  *quantityJSON `json:"quantity,omitempty"`
	EnergyKWh string        `json:"energy_kwh,omitempty"`
}

type vendListJSON struct {
	Vends []vendJSON `json:"vends"`
	// NextBefore is the before parameter of the next page; absent on the last page.
	NextBefore int64 `json:"next_before,omitempty"`
}

// toVendJSON converts a core vend to its wire form.
func toVendJSON(v *core.Vend) vendJSON {
	b := v.Breakdown
	out := vendJSON{
		ID:           v.ID,
		Reference:    v.Reference,
		Status:       string(v.Status),
		MeterNumber:  v.MeterNumber,
		MeterKind:    string(v.Kind),
		CustomerName: v.CustomerName,
		Currency:     v.Currency.Code,
		Amounts: amountsJSON{
			Paid:         int64(b.Paid),
			Debt:         int64(b.Debt),
			FixedCharges: int64(b.FixedCharges),
			Tax:          int64(b.Tax),
			EnergyCharge: int64(b.EnergyCharge),
			Commission:   int64(b.Commission),
		},
		Quantity:     toQuantityJSON(v.Kind, b.Energy),
		FreeQuantity: toQuantityJSON(v.Kind, b.FreeEnergy),
		Tokens:       make([]tokenJSON, 0, len(v.Tokens)),
		Receipt:      v.Receipt(),
		CreatedAt:    v.CreatedAt.UTC().Format(time.RFC3339),
	}
	electricity := v.Kind == core.Electricity
	if electricity {
		out.EnergyKWh, out.FreeEnergyKWh = b.Energy.String(), b.FreeEnergy.String()
	}
	if !v.ReversedAt.IsZero() {
		out.ReversedAt = v.ReversedAt.UTC().Format(time.RFC3339)
		out.ReversalReason = v.ReversalReason
	}
	for _, t := range v.Tokens {
		tj := tokenJSON{
			Purpose: string(t.Purpose),
			Kind:    t.Kind.String(),
			Token:   t.Token.String(),
			Display: t.Token.Display(),
			TID:     uint32(t.TID),
		}
		if t.Purpose != core.PurposeKeyChange {
			q := toQuantityJSON(v.Kind, t.Energy)
			tj.Quantity = &q
			if electricity {
				tj.EnergyKWh = t.Energy.String()
			}
		}
		out.Tokens = append(out.Tokens, tj)
	}
	return out
}

// createVend is POST /v1/vends: one vend per Idempotency-Key, 201 when this request made it. A
// replay of the key returns the stored vend, tokens and all, with 200 and Idempotent-Replayed:
// true.
func (s *Server) createVend(c *echo.Context) error {
	req := c.Request()
	agent := agentOf(c)
	key, err := idempotencyKey(agent.ID, req.Header.Get("Idempotency-Key"))
	if err != nil {
		return err
	}
	if err := checkJSON(req); err != nil {
		return err
	}
	body, err := s.readBody(c)
	if err != nil {
		return err
	}
	in, err := decodeVendBody(body)
	if err != nil {
		return err
	}
	v, err := s.cfg.Vendor.Vend(req.Context(), core.VendRequest{
		Channel:        core.ChannelREST,
		IdempotencyKey: key,
		AgentID:        agent.ID,
		TerminalID:     agent.TerminalID, // the terminal whose key authenticated the agent, 0 for the agent's own
		MeterNumber:    in.MeterNumber,
		Amount:         core.Money(in.AmountMinor),
		Currency:       in.Currency,
	})
	outcome := "ok"
	if err != nil {
		outcome = string(core.ErrorCode(err))
	}
	s.vendsTotal.WithLabelValues(core.ChannelREST, outcome).Inc()
	if err != nil {
		return callersKey(err, req.Header.Get("Idempotency-Key"))
	}
	c.Response().Header().Set("Location", "/v1/vends/"+strconv.FormatInt(v.ID, 10))
	if v.Replayed {
		c.Response().Header().Set("Idempotent-Replayed", "true")
		return c.JSON(http.StatusOK, toVendJSON(v))
	}
	return c.JSON(http.StatusCreated, toVendJSON(v))
}

// maxIdempotencyKey bounds an agent's Idempotency-Key, leaving room in core's 128 characters for
// the agent prefix.
const maxIdempotencyKey = 100

// idempotencyKey checks an agent's Idempotency-Key and scopes it to the agent ("7:000123"). Core
// keeps one key space per channel, and terminals of different agents that number their sales
// alike must not collide: without the prefix the second agent's "000123" would be refused as a
// reused key (docs/design.md, "Idempotency keys": the channel's own reference is the unique key,
// and a REST client's reference is unique only per agent).
func idempotencyKey(agentID int64, key string) (string, error) {
	if key == "" {
		return "", badRequest("Idempotency-Key", reasonMissingIdempotencyKey, "the Idempotency-Key header is required: one key per purchase, reused only to retry it")
	}
	if len(key) > maxIdempotencyKey || strings.IndexFunc(key, func(r rune) bool { return r < ' ' || r > '~' }) >= 0 {
		return "", badRequest("Idempotency-Key", core.ReasonInvalidIdempotencyKey, "the Idempotency-Key must be 1 to %d printable ASCII characters", maxIdempotencyKey)
	}
	return strconv.FormatInt(agentID, 10) + ":" + key, nil
}

// callersKey rewrites core's refusal of a reused idempotency key so that it names the caller's
// own Idempotency-Key, not the agent-scoped key core saw ("7:000123").
func callersKey(err error, key string) error {
	e := core.AsError(err)
	if e.Reason != core.ReasonIdempotencyKeyReused {
		return err
	}
	return &core.Error{Code: e.Code, Reason: e.Reason, Err: e.Err,
		Message: fmt.Sprintf("Idempotency-Key %q was used for a different request", key)}
}

// getVend is GET /v1/vends/{id}: the asking agent's vend, tokens included (a reprint). Another
// agent's vend is not found, as an unknown one is.
func (s *Server) getVend(c *echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	v, err := s.cfg.Vends.Vend(c.Request().Context(), id)
	if err == nil && v.AgentID != agentOf(c).ID || errors.Is(err, core.ErrNotFound) {
		return vendNotFound(id)
	}
	if err != nil {
		return core.StoreError(err)
	}
	return c.JSON(http.StatusOK, toVendJSON(v))
}

// listVends is GET /v1/vends: the asking agent's sales, newest first, with their stored tokens
// (reprints never make new ones), filtered by meter, status, channel and time of sale, a page of
// limit at a time: next_before, when present, is the before of the next page.
func (s *Server) listVends(c *echo.Context) error {
	q := core.VendQuery{AgentID: agentOf(c).ID}
	if meter := c.QueryParam("meter"); meter != "" {
		if err := core.CheckMeterNumber(meter); err != nil {
			return &requestError{err: core.AsError(err), field: "meter"}
		}
		q.MeterNumber = meter
	}
	q.Status = core.VendStatus(c.QueryParam("status"))
	q.Channel = c.QueryParam("channel")
	var err error
	if q.From, err = timeParam(c, "from"); err != nil {
		return err
	}
	if q.To, err = timeParam(c, "to"); err != nil {
		return err
	}
	if q.BeforeID, err = intParam(c, "before", 0, 1, math.MaxInt64); err != nil {
		return err
	}
	limit, err := intParam(c, "limit", defaultVendLimit, 1, maxVendLimit)
	if err != nil {
		return err
	}
	q.Limit = int(limit)
	vends, err := s.cfg.Vends.FindVends(c.Request().Context(), q)
	if err != nil {
		return core.StoreError(err)
	}
	out := vendListJSON{Vends: make([]vendJSON, 0, len(vends))}
	for _, v := range vends {
		out.Vends = append(out.Vends, toVendJSON(v))
	}
	if len(vends) == q.Limit {
		out.NextBefore = vends[len(vends)-1].ID
	}
	return c.JSON(http.StatusOK, out)
}

// timeParam parses a time query parameter: an RFC 3339 time, or a date (YYYY-MM-DD, midnight UTC);
// zero when absent.
func timeParam(c *echo.Context, name string) (time.Time, error) {
	v := c.QueryParam(name)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	return time.Time{}, badRequest(name, reasonInvalidParameter, "%s must be an RFC 3339 time (2026-12-01T00:00:00+02:00) or a date (2026-12-01)", name)
}

// reverseVend is POST /v1/vends/{id}/reversal {"reason"}: for a sale whose answer never reached
// the agent, within the utility's reversal window, gives the float back. A second reversal is a
// conflict; past the window only an operator may reverse. The token stays valid on the meter.
func (s *Server) reverseVend(c *echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := checkJSON(c.Request()); err != nil {
		return err
	}
	body, err := s.readBody(c)
	if err != nil {
		return err
	}
	in, err := decodeReversalBody(body)
	if err != nil {
		return err
	}
	v, err := s.cfg.Reverser.Reverse(c.Request().Context(), core.ReversalRequest{VendID: id, AgentID: agentOf(c).ID, Reason: in.Reason})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toVendJSON(v))
}

func vendNotFound(id int64) error {
	return core.Errorf(core.CodeNotFound, core.ReasonVendNotFound, "vend %d does not exist", id)
}

// pathParam returns a path parameter. Echo lets a route's last parameter match the rest of the
// path, slashes and all ("/v1/meters/1/x" matches "/v1/meters/:number"); such a path names no
// route here, so it is 404 route_not_found.
func pathParam(c *echo.Context, name string) (string, error) {
	v := c.Param(name)
	if strings.Contains(v, "/") {
		return "", echo.ErrNotFound
	}
	return v, nil
}

// pathID parses the {id} of a vend route: a positive decimal integer.
func pathID(c *echo.Context) (int64, error) {
	s, err := pathParam(c, "id")
	if err != nil {
		return 0, err
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 || s[0] == '+' {
		return 0, badRequest("id", reasonInvalidVendID, "the vend ID must be a positive integer")
	}
	return id, nil
}

// intParam parses an optional integer query parameter within [lo, hi].
func intParam(c *echo.Context, name string, def, lo, hi int64) (int64, error) {
	s := c.QueryParam(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < lo || n > hi || s[0] == '+' {
		return 0, badRequest(name, reasonInvalidParameter, "%s must be an integer from %d to %d", name, lo, hi)
	}
	return n, nil
}

// checkJSON refuses a body declared as anything but JSON; a body without a Content-Type is read
// as JSON.
func checkJSON(r *http.Request) error { return httpkit.CheckJSON(r) }

// readBody reads the request body up to the configured limit: larger is 413.
func (s *Server) readBody(c *echo.Context) ([]byte, error) {
	return httpkit.ReadBody(c.Response(), c.Request(), s.maxBody)
}

// vendBody is a decoded POST /v1/vends body: {"meter_number", "amount_minor", "currency"}.
type vendBody struct {
	MeterNumber string
	AmountMinor int64
	Currency    string
}

// decodeVendBody decodes a POST /v1/vends body: meter_number (a string) and amount_minor (an
// integer) and an optional currency (a string).
func decodeVendBody(body []byte) (vendBody, error) {
	var out vendBody
	err := httpkit.DecodeObject(body, "a vend request", []httpkit.Field{
		httpkit.Required("meter_number", &out.MeterNumber, "a string"),
		httpkit.Required("amount_minor", &out.AmountMinor, "an integer number of minor units"),
		httpkit.Optional("currency", &out.Currency, "a string (an ISO 4217 code)"),
	})
	return out, err
}

// reversalBody is a decoded POST /v1/vends/{id}/reversal body: {"reason"}.
type reversalBody struct {
	Reason string
}

func decodeReversalBody(body []byte) (reversalBody, error) {
	var out reversalBody
	err := httpkit.DecodeObject(body, "a reversal request", []httpkit.Field{httpkit.Required("reason", &out.Reason, "a string")})
	return out, err
}
