package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/vendgate/vendgate/core"
)

// Limits of GET /v1/vends.
const (
	defaultVendLimit = 10
	maxVendLimit     = 50
)

// vendJSON is a vend on the wire. Money is integer minor units of Currency; energy is kWh as a
// decimal string with one decimal, the unit an STS token carries.
type vendJSON struct {
	ID            int64       `json:"id"`
	Reference     string      `json:"reference"`
	Status        string      `json:"status"`
	MeterNumber   string      `json:"meter_number"`
	CustomerName  string      `json:"customer_name"`
	Currency      string      `json:"currency"`
	Amounts       amountsJSON `json:"amounts"`
	EnergyKWh     string      `json:"energy_kwh"`
	FreeEnergyKWh string      `json:"free_energy_kwh"`
	Tokens        []tokenJSON `json:"tokens"`
	Receipt       []string    `json:"receipt"`
	CreatedAt     string      `json:"created_at"`
	ReversedAt    string      `json:"reversed_at,omitempty"`
}

type amountsJSON struct {
	Paid         int64 `json:"paid"`
	Debt         int64 `json:"debt"`
	FixedCharges int64 `json:"fixed_charges"`
	Tax          int64 `json:"tax"`
	EnergyCharge int64 `json:"energy_charge"`
	Commission   int64 `json:"commission"`
}

// tokenJSON is one token of a vend. Key change tokens carry neither a TID nor energy.
type tokenJSON struct {
	Purpose   string `json:"purpose"`
	Kind      string `json:"kind"`
	Token     string `json:"token"`
	Display   string `json:"display"`
	TID       uint32 `json:"tid,omitempty"`
	EnergyKWh string `json:"energy_kwh,omitempty"`
}

type vendListJSON struct {
	Vends []vendJSON `json:"vends"`
}

// toVendJSON converts a core vend to its wire form.
func toVendJSON(v *core.Vend) vendJSON {
	b := v.Breakdown
	out := vendJSON{
		ID:           v.ID,
		Reference:    v.Reference,
		Status:       string(v.Status),
		MeterNumber:  v.MeterNumber,
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
		EnergyKWh:     b.Energy.String(),
		FreeEnergyKWh: b.FreeEnergy.String(),
		Tokens:        make([]tokenJSON, 0, len(v.Tokens)),
		Receipt:       v.Receipt(),
		CreatedAt:     v.CreatedAt.UTC().Format(time.RFC3339),
	}
	if !v.ReversedAt.IsZero() {
		out.ReversedAt = v.ReversedAt.UTC().Format(time.RFC3339)
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
			tj.EnergyKWh = t.Energy.String()
		}
		out.Tokens = append(out.Tokens, tj)
	}
	return out
}

// createVend is POST /v1/vends: one vend per Idempotency-Key. A replay of the key returns the
// stored vend, tokens and all, so the answer is 200 either way.
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
	return c.JSON(http.StatusOK, toVendJSON(v))
}

// maxIdempotencyKey bounds an agent's Idempotency-Key, leaving room in core's 128 characters for
// the agent prefix.
const maxIdempotencyKey = 100

// idempotencyKey checks an agent's Idempotency-Key and scopes it to the agent ("7:000123"). Core
// keeps one key space per channel, and terminals of different agents that number their sales
// alike must not collide: without the prefix the second agent's "000123" would be refused as a
// reused key (DESIGN.md: the channel's own reference is the unique key, and a REST client's
// reference is unique only per agent).
func idempotencyKey(agentID int64, key string) (string, error) {
	if key == "" {
		return "", badRequest("Idempotency-Key", "missing_idempotency_key", "the Idempotency-Key header is required: one key per purchase, reused only to retry it")
	}
	if len(key) > maxIdempotencyKey || strings.IndexFunc(key, func(r rune) bool { return r < ' ' || r > '~' }) >= 0 {
		return "", badRequest("Idempotency-Key", "invalid_idempotency_key", "the Idempotency-Key must be 1 to %d printable ASCII characters", maxIdempotencyKey)
	}
	return strconv.FormatInt(agentID, 10) + ":" + key, nil
}

// callersKey rewrites core's refusal of a reused idempotency key so that it names the caller's
// own Idempotency-Key, not the agent-scoped key core saw ("7:000123").
func callersKey(err error, key string) error {
	e := core.AsError(err)
	if e.Reason != "idempotency_key_reused" {
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
		return storeError(err)
	}
	return c.JSON(http.StatusOK, toVendJSON(v))
}

// listVends is GET /v1/vends?meter=NUMBER&limit=N: the asking agent's latest vends for a meter,
// newest first, with their stored tokens (reprints never make new ones).
func (s *Server) listVends(c *echo.Context) error {
	meter := c.QueryParam("meter")
	if meter == "" {
		return badRequest("meter", "missing_parameter", "the meter query parameter is required")
	}
	if err := core.CheckMeterNumber(meter); err != nil {
		return &requestError{err: core.AsError(err), field: "meter"}
	}
	limit, err := intParam(c, "limit", defaultVendLimit, 1, maxVendLimit)
	if err != nil {
		return err
	}
	vends, err := s.cfg.Vends.VendsByMeter(c.Request().Context(), meter, agentOf(c).ID, int(limit))
	if err != nil {
		return storeError(err)
	}
	out := vendListJSON{Vends: make([]vendJSON, 0, len(vends))}
	for _, v := range vends {
		out.Vends = append(out.Vends, toVendJSON(v))
	}
	return c.JSON(http.StatusOK, out)
}

// reverseVend is POST /v1/vends/{id}/reversal: cancels the asking agent's vend within the
// reversal window and gives its float back. A second reversal is a conflict.
func (s *Server) reverseVend(c *echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	v, err := s.cfg.Reverser.Reverse(c.Request().Context(), id, agentOf(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toVendJSON(v))
}

func vendNotFound(id int64) error {
	return core.Errorf(core.CodeNotFound, "vend_not_found", "vend %d does not exist", id)
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
		return 0, badRequest("id", "invalid_vend_id", "the vend ID must be a positive integer")
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
		return 0, badRequest(name, "invalid_parameter", "%s must be an integer from %d to %d", name, lo, hi)
	}
	return n, nil
}

// checkJSON refuses a body declared as anything but JSON; a body without a Content-Type is read
// as JSON.
func checkJSON(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return transportError(http.StatusUnsupportedMediaType, "unsupported_media_type", "the body must be application/json")
	}
	return nil
}

// readBody reads the request body up to the configured limit: larger is 413.
func (s *Server) readBody(c *echo.Context) ([]byte, error) {
	r := c.Request()
	tooLarge := transportError(http.StatusRequestEntityTooLarge, "body_too_large", "the request body is larger than %d bytes", s.maxBody)
	if r.ContentLength > s.maxBody {
		return nil, tooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), r.Body, s.maxBody))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, tooLarge
	case err != nil:
		return nil, badRequest("", "unreadable_body", "the request body could not be read")
	}
	return body, nil
}

// vendBody is a decoded POST /v1/vends body: {"meter_number", "amount_minor", "currency"}.
type vendBody struct {
	MeterNumber string
	AmountMinor int64
	Currency    string
}

// decodeVendBody decodes a POST /v1/vends body strictly: one JSON object with meter_number (a
// string) and amount_minor (an integer) and an optional currency (a string), nothing else, each
// at most once, and nothing after it. Every refusal is a 400 that names the field at fault. The
// values themselves (a zero amount, a mistyped meter number) are core's to judge.
func decodeVendBody(body []byte) (vendBody, error) {
	var out vendBody
	if len(bytes.TrimSpace(body)) == 0 {
		return out, badRequest("", "malformed_json", "the body is empty: a JSON object is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return out, badRequest("", "malformed_json", "the body must be a JSON object")
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return out, malformed(err)
		}
		name, _ := tok.(string) // inside an object, the decoder returns only string keys
		if seen[name] {
			return out, badRequest(fieldRef(name), "duplicate_field", "%s appears more than once", quoted(name))
		}
		seen[name] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return out, malformed(err)
		}
		switch name {
		case "meter_number":
			err = decodeField(raw, &out.MeterNumber, "a string")
		case "amount_minor":
			err = decodeField(raw, &out.AmountMinor, "an integer number of minor units")
		case "currency":
			err = decodeField(raw, &out.Currency, "a string (an ISO 4217 code)")
		default:
			return out, badRequest(fieldRef(name), "unknown_field", "%s is not a field of a vend request (meter_number, amount_minor, currency)", quoted(name))
		}
		if err != nil {
			return out, badRequest(name, "wrong_type", "%s must be %s", name, err.Error())
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return out, malformed(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return out, badRequest("", "malformed_json", "the body has data after the JSON object")
	}
	for _, required := range []string{"meter_number", "amount_minor"} {
		if !seen[required] {
			return out, badRequest(required, "missing_field", "%s is required", required)
		}
	}
	return out, nil
}

// decodeField decodes one field's value into dst; null is not a value of any field.
func decodeField(raw json.RawMessage, dst any, want string) error {
	if bytes.Equal(raw, []byte("null")) || json.Unmarshal(raw, dst) != nil {
		return errors.New(want)
	}
	return nil
}

func malformed(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return badRequest("", "malformed_json", "the body is not valid JSON (at byte %d)", se.Offset)
	}
	return badRequest("", "malformed_json", "the body is not valid JSON")
}

// fieldRef bounds a field name taken from the body, so a long one cannot flood a problem.
func fieldRef(name string) string {
	if r := []rune(name); len(r) > 64 {
		return string(r[:64]) + "…"
	}
	return name
}

// quoted is a field name from the body as a message shows it.
func quoted(name string) string { return fmt.Sprintf("%q", fieldRef(name)) }

// storeError is core's rule for errors from storage (core keeps its own unexported): core errors
// stay, ErrNotFound is not_found, anything else is unavailable and may be retried.
func storeError(err error) error {
	var e *core.Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, core.ErrNotFound):
		return core.Errorf(core.CodeNotFound, "not_found", "not found")
	}
	return &core.Error{Code: core.CodeUnavailable, Reason: string(core.CodeUnavailable), Message: "the database failed; try again", Err: err}
}
