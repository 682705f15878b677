package core

import "context"

// AgentContractState says whether an agent sells under a contract: an agent that never had one
// sells as before contracts existed; once it has had one, it sells only while one is active.
type AgentContractState string

// Agent contract states.
const (
	ContractNone      AgentContractState = ""          // never had a contract
	ContractActive    AgentContractState = "active"    // sells under its active contract
	ContractCancelled AgentContractState = "cancelled" // its last contract was cancelled: it sells no more
)

// SalesTally is what one vend transaction sells for an agent in one day of the utility's time
// zone ("2006-01-02") and its month ("2006-01").
type SalesTally struct {
	Day, Month string
	Amount     Money
}

// AgentSales is an agent's selling state after a tally was added: its contract state, its limits
// (0: none) and what it has sold in the day and month of the tally.
type AgentSales struct {
	Contract     AgentContractState
	DailyLimit   Money
	MonthlyLimit Money
	Day          string
	DaySold      Money
	Month        string
	MonthSold    Money
}

// SalesCounter is the part of a vend transaction that counts an agent's sales.
type SalesCounter interface {
	// AddAgentSales adds a tally to the agent's sales of its day and month (starting them afresh
	// on a new day or month) and returns the agent's selling state after, locked until the
	// transaction ends; found is false, and nothing is written, for an agent that has no selling
	// state (no limit set, never a contract), which sells without bounds.
	AddAgentSales(ctx context.Context, agentID int64, t SalesTally) (s AgentSales, found bool, err error)
}

// checkSales refuses a vend transaction whose tally takes the agent past a limit, or an agent
// whose contract was cancelled. The caller's transaction rolls back what AddAgentSales wrote.
func checkSales(agent Agent, s AgentSales, t SalesTally) error {
	cur := agent.Currency
	switch {
	case s.Contract == ContractCancelled:
		return Errorf(CodeUnauthorized, ReasonAgentNoContract, "agent %d has no active contract", agent.ID)
	case s.DailyLimit > 0 && s.DaySold > s.DailyLimit:
		return Errorf(CodeInvalid, ReasonSalesLimitExceeded, "agent %d's sales of %s would pass its daily limit of %s (sold %s)",
			agent.ID, t.Day, cur.Format(s.DailyLimit), cur.Format(s.DaySold-t.Amount))
	case s.MonthlyLimit > 0 && s.MonthSold > s.MonthlyLimit:
		return Errorf(CodeInvalid, ReasonSalesLimitExceeded, "agent %d's sales of %s would pass its monthly limit of %s (sold %s)",
			agent.ID, t.Month, cur.Format(s.MonthlyLimit), cur.Format(s.MonthSold-t.Amount))
	}
	return nil
}

// countSales adds a vend transaction's tallies (one per day its vends fall on, usually one) and
// checks the agent's contract and limits after each.
func countSales(ctx context.Context, tx VendTx, agent Agent, tallies []SalesTally) error {
	for _, t := range tallies {
		s, found, err := tx.AddAgentSales(ctx, agent.ID, t)
		if err != nil {
			return err
		}
		if !found {
			return nil // no selling state: the same for every day
		}
		if err := checkSales(agent, s, t); err != nil {
			return err
		}
	}
	return nil
}

// addTally adds a vend's amount to the tallies of its day.
func addTally(tallies []SalesTally, day, month string, amount Money) []SalesTally {
	for i := range tallies {
		if tallies[i].Day == day {
			tallies[i].Amount += amount
			return tallies
		}
	}
	return append(tallies, SalesTally{Day: day, Month: month, Amount: amount})
}

// AddTally returns the selling state after a tally: a new day or month starts its count afresh.
// Stores that count in memory use it; the SQL store does the same in one update.
func AddTally(s AgentSales, t SalesTally) AgentSales {
	if s.Day != t.Day {
		s.Day, s.DaySold = t.Day, 0
	}
	if s.Month != t.Month {
		s.Month, s.MonthSold = t.Month, 0
	}
	s.DaySold += t.Amount
	s.MonthSold += t.Amount
	return s
}
