package backoffice

import (
	"bytes"
	"context"
	"encoding/csv"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vendgate/vendgate/core"
)

// Commission. A vend credits the agent's commission to its float at the sale (core/ledger.go,
// vendEntries: agent:<id> +commission against utility:<u>:commission), so the agent holds it
// from then on and a payment run must not credit it again. A run closes a period instead: for
// each agent it moves the period's net commission (earned less what reversals took back) from
// utility:<u>:commission to utility:<u>:commission_paid, a balanced pair the statement's figures
// equal, so that utility:<u>:commission holds only the commission no run has settled yet. The
// figures come from the ledger's entries on the agents' accounts, so a statement is recomputable.

// CommissionLine is one vend or one reversal on a commission statement.
type CommissionLine struct {
	VendID     int64      `json:"vend_id"`
	Reference  string     `json:"reference"`
	Kind       string     `json:"kind"` // sale, reversal
	At         time.Time  `json:"at"`
	Paid       core.Money `json:"paid"`       // what the customer paid (a reversal: given back)
	Commission core.Money `json:"commission"` // earned (a reversal: taken back)
}

// Commission line kinds.
const (
	CommissionSale     = "sale"
	CommissionReversal = "reversal"
)

// CommissionStatement is an agent's vends, reversals and commission in a period (a month of the
// utility's time zone), amounts in minor units. RunID is 0 for a statement computed on demand.
type CommissionStatement struct {
	ID            int64            `json:"id,omitempty"`
	RunID         int64            `json:"run_id,omitempty"`
	AgentID       int64            `json:"agent_id"`
	UtilityID     int64            `json:"utility_id"`
	Period        string           `json:"period"`
	Vends         int              `json:"vends"`
	Sold          core.Money       `json:"sold"`
	Reversals     int              `json:"reversals"`
	Reversed      core.Money       `json:"reversed"`
	Commission    core.Money       `json:"commission"`     // earned on the period's sales
	CommissionOff core.Money       `json:"commission_off"` // taken back by the period's reversals
	Lines         []CommissionLine `json:"lines,omitempty"`
}

// Due is the statement's net commission.
func (st CommissionStatement) Due() core.Money { return st.Commission - st.CommissionOff }

// CommissionRun is one period's commission payment run of a utility, made once.
type CommissionRun struct {
	ID         int64                 `json:"id"`
	UtilityID  int64                 `json:"utility_id"`
	Period     string                `json:"period"`
	Total      core.Money            `json:"total"`
	CreatedAt  time.Time             `json:"created_at"`
	CreatedBy  string                `json:"created_by"`
	Statements []CommissionStatement `json:"statements,omitempty"`
}

// VendLedgerEntry is a ledger entry on an agent's account that belongs to a vend.
type VendLedgerEntry struct {
	ID        int64
	VendID    int64
	AgentID   int64
	Reference string
	At        time.Time
	Amount    core.Money
	Memo      string
}

// CommissionStore reads what statements are made of and keeps payment runs. Every method joins
// the caller's transaction.
type CommissionStore interface {
	// VendLedgerEntries returns the entries on agents' accounts that belong to vends, of the
	// utility's agents (one agent's when agentID is not 0), dated in [from, to), by ID.
	VendLedgerEntries(ctx context.Context, utilityID, agentID int64, from, to time.Time) ([]VendLedgerEntry, error)
	// CreateCommissionRun stores a run with its statements and lines and books each statement's
	// due commission (utility:<u>:commission +due, utility:<u>:commission_paid -due); a run of the
	// same utility and period is a duplicate. It sets the IDs.
	CreateCommissionRun(ctx context.Context, r *CommissionRun) error
	// CommissionRunByPeriod returns a utility's run of a period with its statements (no lines),
	// or not_found.
	CommissionRunByPeriod(ctx context.Context, utilityID int64, period string) (CommissionRun, error)
	// CommissionStatement returns a run's statement with its lines, or not_found.
	CommissionStatement(ctx context.Context, id int64) (CommissionStatement, error)
}

// Commission actions.
const (
	ActionCommissionStatement Action = "agent.commission_statement"
	ActionCommissionRun       Action = "commission.run"
	ActionCommissionRead      Action = "commission.read"
	ActionCommissionExport    Action = "commission.export"
)

// The reasons of commission.
const (
	ReasonInvalidPeriod       core.Reason = "invalid_period"
	ReasonCommissionRunExists core.Reason = "commission_run_exists"
	ReasonCommissionChanged   core.Reason = "commission_changed" // the period's figures changed since the run was requested
)

var commissionReasons = map[core.Reason]core.Code{
	ReasonInvalidPeriod:       core.CodeInvalid,
	ReasonCommissionRunExists: core.CodeConflict,
	ReasonCommissionChanged:   core.CodeConflict,
}

func init() { reasonLists = append(reasonLists, commissionReasons) }

// commissionRunRequest is a run's payload: Total is what the maker was shown.
type commissionRunRequest struct {
	UtilityID int64      `json:"utility_id"`
	Period    string     `json:"period"`
	Total     core.Money `json:"total"`
	By        string     `json:"by"`
}

// A payment run waits for a second operator by default, the policy weighing its total.
var commissionRunGate = newGate(ActionCommissionRun, PermCommissionPay, ApprovalPolicy{Required: true}, (*Service).runCommission)

// periodBounds returns a period's first instant and the next period's, in the utility's zone.
func (s *Service) periodBounds(ctx context.Context, utilityID int64, period string) (from, to time.Time, err error) {
	u, err := s.store.Utility(ctx, utilityID)
	if err != nil {
		return from, to, storeError(err)
	}
	loc := u.Location
	if loc == nil {
		loc = time.UTC
	}
	m, perr := time.ParseInLocation("2006-01", period, loc)
	if perr != nil {
		return from, to, core.Errorf(core.CodeInvalid, ReasonInvalidPeriod, "a period is a month: 2006-01").OnField("period")
	}
	return m, m.AddDate(0, 1, 0), nil
}

// statements builds the statements of the utility's agents (one agent's when agentID is not 0)
// for a period from the ledger, by agent ID.
func (s *Service) statements(ctx context.Context, utilityID, agentID int64, period string, from, to time.Time) ([]CommissionStatement, error) {
	entries, err := s.store.VendLedgerEntries(ctx, utilityID, agentID, from, to)
	if err != nil {
		return nil, err
	}
	return buildStatements(utilityID, period, entries), nil
}

// buildStatements groups a period's vend entries on agents' accounts into lines: a vend's sale
// debits the agent what the customer paid and credits its commission; its reversal (memo
// "reversal ...") does the opposite. Agents come out by ID, lines by their first entry.
func buildStatements(utilityID int64, period string, entries []VendLedgerEntry) []CommissionStatement {
	type key struct {
		vend     int64
		reversal bool
	}
	byAgent := map[int64]*CommissionStatement{}
	var agents []int64
	lineOf := map[key]int{} // index in its agent's lines
	for _, e := range entries {
		st := byAgent[e.AgentID]
		if st == nil {
			st = &CommissionStatement{AgentID: e.AgentID, UtilityID: utilityID, Period: period}
			byAgent[e.AgentID] = st
			agents = append(agents, e.AgentID)
		}
		k := key{e.VendID, strings.HasPrefix(e.Memo, "reversal ")}
		i, ok := lineOf[k]
		if !ok {
			kind := CommissionSale
			if k.reversal {
				kind = CommissionReversal
			}
			st.Lines = append(st.Lines, CommissionLine{VendID: e.VendID, Reference: e.Reference, Kind: kind, At: e.At.UTC()})
			i = len(st.Lines) - 1
			lineOf[k] = i
		}
		l := &st.Lines[i]
		switch {
		case !k.reversal && e.Amount < 0, k.reversal && e.Amount > 0:
			l.Paid += max(e.Amount, -e.Amount)
		default:
			l.Commission += max(e.Amount, -e.Amount)
		}
	}
	slices.Sort(agents)
	out := make([]CommissionStatement, 0, len(agents))
	for _, id := range agents {
		st := byAgent[id]
		for _, l := range st.Lines {
			if l.Kind == CommissionSale {
				st.Vends++
				st.Sold += l.Paid
				st.Commission += l.Commission
			} else {
				st.Reversals++
				st.Reversed += l.Paid
				st.CommissionOff += l.Commission
			}
		}
		out = append(out, *st)
	}
	return out
}

// CommissionStatementFor computes an agent's commission statement for a period from the ledger.
func (s *Service) CommissionStatementFor(ctx context.Context, a Actor, agentID int64, period string) (CommissionStatement, error) {
	ag, err := s.agentFor(ctx, a, PermAgentsRead, ActionCommissionStatement, agentID)
	if err != nil {
		return CommissionStatement{}, err
	}
	return read(ctx, s, a, PermAgentsRead, ActionCommissionStatement, func(ctx context.Context) (CommissionStatement, error) {
		from, to, err := s.periodBounds(ctx, ag.UtilityID, period)
		if err != nil {
			return CommissionStatement{}, err
		}
		sts, err := s.statements(ctx, ag.UtilityID, agentID, period, from, to)
		if err != nil || len(sts) == 0 {
			return CommissionStatement{AgentID: agentID, UtilityID: ag.UtilityID, Period: period}, err
		}
		return sts[0], nil
	})
}

// RunCommission makes a utility's commission payment run for a period that has ended: a
// statement per agent that sold in it, each agent's due commission booked as settled (see the
// top of this file). A period has one run; the policy weighs the total.
func (s *Service) RunCommission(ctx context.Context, a Actor, utilityID int64, period string) (Result[CommissionRun], error) {
	target := "commission_run:" + itoa(utilityID) + ":" + period
	if err := s.allow(ctx, a, PermCommissionPay, ActionCommissionRun, target); err != nil {
		return Result[CommissionRun]{}, err
	}
	if err := s.inScope(ctx, a, PermCommissionPay, ActionCommissionRun, target, utilityID); err != nil {
		return Result[CommissionRun]{}, err
	}
	from, to, err := s.periodBounds(ctx, utilityID, period)
	if err != nil {
		return Result[CommissionRun]{}, err
	}
	if to.After(s.now()) {
		return Result[CommissionRun]{}, core.Errorf(core.CodeInvalid, ReasonInvalidPeriod, "the period %s has not ended", period).OnField("period")
	}
	if _, err := s.store.CommissionRunByPeriod(ctx, utilityID, period); err == nil {
		return Result[CommissionRun]{}, errRunExists(utilityID, period)
	} else if !isNotFound(err) {
		return Result[CommissionRun]{}, storeError(err)
	}
	sts, err := s.statements(ctx, utilityID, 0, period, from, to)
	if err != nil {
		return Result[CommissionRun]{}, storeError(err)
	}
	total := sumDue(sts)
	return commissionRunGate.submit(ctx, s, a, submission{target: target, utilityID: utilityID, amount: max(total, -total),
		summary: "pay the commission of " + period + " to " + strconv.Itoa(len(sts)) + " agents of utility " + itoa(utilityID) + ": " + strconv.FormatInt(int64(total), 10) + " minor units"},
		commissionRunRequest{UtilityID: utilityID, Period: period, Total: total, By: a.name})
}

func errRunExists(utilityID int64, period string) error {
	return core.Errorf(core.CodeConflict, ReasonCommissionRunExists, "utility %d's commission of %s has been run already", utilityID, period).OnField("period")
}

func sumDue(sts []CommissionStatement) core.Money {
	var total core.Money
	for _, st := range sts {
		total += st.Due()
	}
	return total
}

func (s *Service) runCommission(ctx context.Context, p commissionRunRequest) (CommissionRun, Change, error) {
	from, to, err := s.periodBounds(ctx, p.UtilityID, p.Period)
	if err != nil {
		return CommissionRun{}, Change{}, err
	}
	sts, err := s.statements(ctx, p.UtilityID, 0, p.Period, from, to)
	if err != nil {
		return CommissionRun{}, Change{}, err
	}
	if total := sumDue(sts); total != p.Total {
		return CommissionRun{}, Change{}, core.Errorf(core.CodeConflict, ReasonCommissionChanged, "the commission of %s is %d minor units now, not %d as requested; request the run again", p.Period, total, p.Total)
	}
	r := CommissionRun{UtilityID: p.UtilityID, Period: p.Period, Total: p.Total, CreatedAt: s.now().UTC().Truncate(time.Microsecond), CreatedBy: p.By, Statements: sts}
	err = s.store.CreateCommissionRun(ctx, &r)
	if isDuplicate(err) {
		return CommissionRun{}, Change{}, errRunExists(p.UtilityID, p.Period)
	}
	if err != nil {
		return CommissionRun{}, Change{}, err
	}
	summary := r
	summary.Statements = nil
	return r, Change{Target: "commission_run:" + itoa(r.ID), After: summary,
		Detail: p.Period + ": " + strconv.Itoa(len(sts)) + " statements, total " + strconv.FormatInt(int64(r.Total), 10)}, nil
}

// CommissionRunOf returns a utility's payment run of a period with its statements (no lines).
func (s *Service) CommissionRunOf(ctx context.Context, a Actor, utilityID int64, period string) (CommissionRun, error) {
	target := "commission_run:" + itoa(utilityID) + ":" + period
	if err := s.allow(ctx, a, PermAgentsRead, ActionCommissionRead, target); err != nil {
		return CommissionRun{}, err
	}
	if err := s.inScope(ctx, a, PermAgentsRead, ActionCommissionRead, target, utilityID); err != nil {
		return CommissionRun{}, err
	}
	r, err := s.store.CommissionRunByPeriod(ctx, utilityID, period)
	if isNotFound(err) {
		return r, core.Errorf(core.CodeNotFound, core.ReasonNotFound, "utility %d has no commission run of %s", utilityID, period).OnField("period")
	}
	return r, storeError(err)
}

// RunStatement returns a payment run's statement with its lines.
func (s *Service) RunStatement(ctx context.Context, a Actor, id int64) (CommissionStatement, error) {
	target := "commission_statement:" + itoa(id)
	if err := s.allow(ctx, a, PermAgentsRead, ActionCommissionRead, target); err != nil {
		return CommissionStatement{}, err
	}
	st, err := s.store.CommissionStatement(ctx, id)
	if isNotFound(err) {
		return st, core.Errorf(core.CodeNotFound, core.ReasonNotFound, "commission statement %d does not exist", id).OnField("statement_id")
	}
	if err != nil {
		return st, storeError(err)
	}
	return st, s.inScope(ctx, a, PermAgentsRead, ActionCommissionRead, target, st.UtilityID)
}

// ExportStatement writes a payment run's statement as CSV (a header, a row per line, a total
// row), amounts in minor units; the export is audited.
func (s *Service) ExportStatement(ctx context.Context, a Actor, id int64) ([]byte, error) {
	st, err := s.RunStatement(ctx, a, id)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	money := func(m core.Money) string { return strconv.FormatInt(int64(m), 10) }
	rows := [][]string{{"agent_id", "period", "reference", "kind", "at", "paid", "commission"}}
	for _, l := range st.Lines {
		paid, com := l.Paid, l.Commission
		if l.Kind == CommissionReversal {
			paid, com = -paid, -com
		}
		rows = append(rows, []string{itoa(st.AgentID), st.Period, l.Reference, l.Kind, l.At.UTC().Format(time.RFC3339), money(paid), money(com)})
	}
	rows = append(rows, []string{itoa(st.AgentID), st.Period, "", "total", "", money(st.Sold - st.Reversed), money(st.Due())})
	if err := w.WriteAll(rows); err != nil {
		return nil, core.Internal(err, "writing the statement")
	}
	if err := s.record(ctx, a, PermAgentsRead, ActionCommissionExport, Change{Target: "commission_statement:" + itoa(id), Detail: strconv.Itoa(len(st.Lines)) + " lines"}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
