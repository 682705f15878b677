package ops

import (
	"net/http"
	"strconv"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
)

// Agents' commission: statements computed from the ledger, payment runs and their export.

// commissionStatement is GET /ops/v1/agents/{id}/commission-statements/{period}: the agent's
// statement for a period (2026-11).
func (s *Server) commissionStatement(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	st, err := s.cfg.Commissions.CommissionStatementFor(x.r.Context(), x.actor, id, x.r.PathValue("period"))
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, st)
}

// runCommission is POST /ops/v1/commission-runs: {utility_id, period}. Under the approval
// policy: 200 with the run when it ran, 202 with the request when it waits.
func (s *Server) runCommission(x *exchange) error {
	var (
		utility int64
		period  string
	)
	if err := x.decode(s, "a commission run",
		httpkit.Optional("utility_id", &utility, "an integer (default: the operator's utility)"),
		httpkit.Required("period", &period, "a month (2026-11)"),
	); err != nil {
		return err
	}
	if utility == 0 {
		utility = x.actor.UtilityID()
	}
	r, err := s.cfg.Commissions.RunCommission(x.r.Context(), x.actor, utility, period)
	return gated(x, r, err)
}

// commissionRun is GET /ops/v1/commission-runs?utility_id=&period=: a period's run.
func (s *Server) commissionRun(x *exchange) error {
	utility, err := utilityParam(x)
	if err != nil {
		return err
	}
	if utility == 0 {
		utility = x.actor.UtilityID()
	}
	r, err := s.cfg.Commissions.CommissionRunOf(x.r.Context(), x.actor, utility, x.r.URL.Query().Get("period"))
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, r)
}

// runStatement is GET /ops/v1/commission-statements/{id}: a statement of a run.
func (s *Server) runStatement(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	st, err := s.cfg.Commissions.RunStatement(x.r.Context(), x.actor, id)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, st)
}

// exportStatement is GET /ops/v1/commission-statements/{id}/export: the statement as CSV
// (text/csv), for the agent or the bank.
func (s *Server) exportStatement(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	b, err := s.cfg.Commissions.ExportStatement(x.r.Context(), x.actor, id)
	if err != nil {
		return err
	}
	x.w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	x.w.Header().Set("Content-Disposition", `attachment; filename="commission-statement-`+strconv.FormatInt(id, 10)+`.csv"`)
	_, _ = x.w.Write(b)
	return nil
}
