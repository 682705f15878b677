package rest

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/vendgate/vendgate/core"
)

// Limits of GET /v1/agent/statement.
const (
	defaultStatementLimit = 50
	maxStatementLimit     = 200
)

// agentJSON is the asking agent's account. Money is integer minor units of the utility's
// currency.
type agentJSON struct {
	ID             int64  `json:"id"`
	Name           string `json:"name"`
	Kind           string `json:"kind"`
	Balance        int64  `json:"balance"`
	CreditLimit    int64  `json:"credit_limit"`
	Available      int64  `json:"available"`
	CommissionRate string `json:"commission_rate"`
	Currency       string `json:"currency,omitempty"`
}

func toAgentJSON(a core.Agent) agentJSON {
	return agentJSON{
		ID:             a.ID,
		Name:           a.Name,
		Kind:           string(a.Kind),
		Balance:        int64(a.Balance),
		CreditLimit:    int64(a.CreditLimit),
		Available:      int64(a.Balance + a.CreditLimit),
		CommissionRate: a.CommissionRate.String(),
		Currency:       a.Currency.Code,
	}
}

// statementJSON is one page of a statement, newest first. NextBefore is the cursor of the next
// (older) page, null on the last.
type statementJSON struct {
	Lines      []statementLineJSON `json:"lines"`
	NextBefore *int64              `json:"next_before"`
}

type statementLineJSON struct {
	ID        int64  `json:"id"`
	At        string `json:"at"`
	Amount    int64  `json:"amount"`
	Balance   int64  `json:"balance"`
	Memo      string `json:"memo"`
	Reference string `json:"reference,omitempty"`
}

func toStatementLineJSON(l core.StatementLine) statementLineJSON {
	return statementLineJSON{
		ID:        l.ID,
		At:        l.At.UTC().Format(time.RFC3339),
		Amount:    int64(l.Amount),
		Balance:   int64(l.Balance),
		Memo:      l.Memo,
		Reference: l.Reference,
	}
}

// getAgent is GET /v1/agent: the asking agent's float as the database has it now.
func (s *Server) getAgent(c *echo.Context) error {
	id := agentOf(c).ID
	a, err := s.cfg.Agents.Agent(c.Request().Context(), id)
	if errors.Is(err, core.ErrNotFound) {
		return core.Errorf(core.CodeUnauthorized, core.ReasonAgentNotFound, "agent %d does not exist", id)
	}
	if err != nil {
		return core.StoreError(err)
	}
	return c.JSON(http.StatusOK, toAgentJSON(a))
}

// getStatement is GET /v1/agent/statement?before=ID&limit=N: the asking agent's ledger lines
// below the cursor, newest first.
func (s *Server) getStatement(c *echo.Context) error {
	before, err := intParam(c, "before", 0, 1, 1<<63-1)
	if err != nil {
		return err
	}
	limit, err := intParam(c, "limit", defaultStatementLimit, 1, maxStatementLimit)
	if err != nil {
		return err
	}
	// One line more than asked tells whether an older page exists.
	lines, err := s.cfg.Agents.Statement(c.Request().Context(), agentOf(c).ID, before, int(limit)+1)
	if err != nil {
		return core.StoreError(err)
	}
	out := statementJSON{Lines: make([]statementLineJSON, 0, min(len(lines), int(limit)))}
	if len(lines) > int(limit) {
		lines = lines[:limit]
		next := lines[len(lines)-1].ID
		out.NextBefore = &next
	}
	for _, l := range lines {
		out.Lines = append(out.Lines, toStatementLineJSON(l))
	}
	return c.JSON(http.StatusOK, out)
}
