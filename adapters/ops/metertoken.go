package ops

import (
	"net/http"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/backoffice"
)

// issueEngineeringToken is POST /ops/v1/engineering-tokens: {meter_number, kind, value, reason}.
// 200 with the token (its digits shown to the operator who asked) when it was issued, 202 with
// the request when the approval policy makes it wait (a clear credit token).
func (s *Server) issueEngineeringToken(x *exchange) error {
	var r backoffice.EngineeringRequest
	if err := x.decode(s, "an engineering token",
		httpkit.Required("meter_number", &r.MeterNumber, "a string"),
		httpkit.Required("kind", &r.Kind, "a token kind (clear_tamper, set_power_limit, ...)"),
		httpkit.Optional("value", &r.Value, "a non-negative integer (the kind's value)"),
		httpkit.Required("reason", &r.Reason, "a string saying why"),
	); err != nil {
		return err
	}
	res, err := s.cfg.MeterTokens.IssueEngineeringToken(x.r.Context(), x.actor, r)
	return gated(x, res, err)
}

// meterTokens is GET /ops/v1/meters/{number}/tokens?offset=&limit=: every token made for the
// meter, by any channel, newest first, the digits masked.
func (s *Server) meterTokens(x *exchange) error {
	offset, err := intParam(x, "offset", 0, 0, maxInt32)
	if err != nil {
		return err
	}
	limit, err := intParam(x, "limit", backoffice.MaxMeterTokenPage, 1, backoffice.MaxMeterTokenPage)
	if err != nil {
		return err
	}
	list, err := s.cfg.MeterTokens.MeterTokenHistory(x.r.Context(), x.actor, x.r.PathValue("number"),
		backoffice.MeterTokenPage{Offset: int(offset), Limit: int(limit)})
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, page[backoffice.MeterTokenView]{Items: nonNil(list)})
}

// maxInt32 bounds an offset into a list.
const maxInt32 = 1<<31 - 1

// reprintToken is POST /ops/v1/token-reprints: {source (vend or engineering), record_id, seq}, as
// the meter's history names the token. The answer, 201, shows its digits again; the reprint is
// counted and audited.
func (s *Server) reprintToken(x *exchange) error {
	var (
		ref    backoffice.MeterTokenRef
		source string
	)
	if err := x.decode(s, "a reprint",
		httpkit.Required("source", &source, "vend or engineering"),
		httpkit.Required("record_id", &ref.ID, "an integer"),
		httpkit.Optional("seq", &ref.Seq, "an integer (the token's place on the vend, from 1)"),
	); err != nil {
		return err
	}
	ref.Source = backoffice.TokenSource(source)
	t, err := s.cfg.MeterTokens.ReprintToken(x.r.Context(), x.actor, ref)
	if err != nil {
		return err
	}
	return x.json(http.StatusCreated, t)
}
