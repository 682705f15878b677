package backoffice

import (
	"context"

	"github.com/vendgate/vendgate/core"
)

// SalesLimitStore keeps agents' sales limits (the vend's transaction counts against them:
// core/saleslimit.go). Every method joins the caller's transaction.
type SalesLimitStore interface {
	// AgentSales returns an agent's selling state; one with none has the zero state.
	AgentSales(ctx context.Context, agentID int64) (core.AgentSales, error)
	// SetAgentSalesLimits sets an agent's daily and monthly limits (0: none), locked until the
	// transaction ends, and returns its selling state before and after.
	SetAgentSalesLimits(ctx context.Context, agentID int64, daily, monthly core.Money) (before, after core.AgentSales, err error)
}

// Sales limit actions.
const (
	ActionSalesLimitSet  Action = "agent.set_sales_limits"
	ActionSalesLimitRead Action = "agent.sales_read"
)

// SalesLimitsView is an agent's sales limits and what it has sold, as the back office shows them.
type SalesLimitsView struct {
	AgentID      int64      `json:"agent_id"`
	DailyLimit   core.Money `json:"daily_limit"`   // 0: none
	MonthlyLimit core.Money `json:"monthly_limit"` // 0: none
	Day          string     `json:"day,omitempty"`
	DaySold      core.Money `json:"day_sold"`
	Month        string     `json:"month,omitempty"`
	MonthSold    core.Money `json:"month_sold"`
	Contract     string     `json:"contract,omitempty"`
}

func viewSales(agentID int64, s core.AgentSales) SalesLimitsView {
	return SalesLimitsView{agentID, s.DailyLimit, s.MonthlyLimit, s.Day, s.DaySold, s.Month, s.MonthSold, string(s.Contract)}
}

// SetSalesLimits sets how much an agent may sell in a day and in a month of its utility's time
// zone (0: no limit). The vend path refuses a vend past either as sales_limit_exceeded.
func (s *Service) SetSalesLimits(ctx context.Context, a Actor, agentID int64, daily, monthly core.Money) (SalesLimitsView, error) {
	if _, err := s.agentFor(ctx, a, PermCreditLimit, ActionSalesLimitSet, agentID); err != nil {
		return SalesLimitsView{}, err
	}
	switch {
	case daily < 0 || daily > maxAdjustment:
		return SalesLimitsView{}, core.Errorf(core.CodeInvalid, ReasonInvalidTerms, "a daily limit is 0 (none) to %s minor units", maxAdjustment).OnField("daily_limit")
	case monthly < 0 || monthly > maxAdjustment:
		return SalesLimitsView{}, core.Errorf(core.CodeInvalid, ReasonInvalidTerms, "a monthly limit is 0 (none) to %s minor units", maxAdjustment).OnField("monthly_limit")
	case daily > 0 && monthly > 0 && daily > monthly:
		return SalesLimitsView{}, core.Errorf(core.CodeInvalid, ReasonInvalidTerms, "the daily limit must not pass the monthly limit").OnField("daily_limit")
	}
	return act(ctx, s, a, PermCreditLimit, ActionSalesLimitSet, func(ctx context.Context) (SalesLimitsView, Change, error) {
		before, after, err := s.store.SetAgentSalesLimits(ctx, agentID, daily, monthly)
		if err != nil {
			return SalesLimitsView{}, Change{}, err
		}
		return viewSales(agentID, after), Change{Target: agentTarget(agentID), Before: viewSales(agentID, before), After: viewSales(agentID, after)}, nil
	})
}

// SalesLimits returns an agent's sales limits and what it has sold in its current day and month.
func (s *Service) SalesLimits(ctx context.Context, a Actor, agentID int64) (SalesLimitsView, error) {
	if _, err := s.agentFor(ctx, a, PermAgentsRead, ActionSalesLimitRead, agentID); err != nil {
		return SalesLimitsView{}, err
	}
	return read(ctx, s, a, PermAgentsRead, ActionSalesLimitRead, func(ctx context.Context) (SalesLimitsView, error) {
		st, err := s.store.AgentSales(ctx, agentID)
		return viewSales(agentID, st), err
	})
}
