package backoffice

import (
	"context"
	"time"

	"github.com/vendgate/vendgate/core"
)

// AgentRecord is an agent with the version of its operators' edits.
type AgentRecord struct {
	core.Agent
	Version int64
}

// AgentQuery selects agents, by ID.
type AgentQuery struct {
	Page
	UtilityID int64          // only this utility's; 0 for all
	Kind      core.AgentKind // "" for any
	Active    *bool          // nil for both
	Search    string         // a part of the name; "" for any
}

// APIKeyRecord is an agent's API key as the store keeps it: its hash never leaves the store.
type APIKeyRecord struct {
	ID        int64
	AgentID   int64
	Label     string
	CreatedAt time.Time
	RevokedAt time.Time // zero while the key is live
}

// AgentStore keeps agents, their floats and their API keys.
type AgentStore interface {
	// CreateAgent stores an agent with a balance of 0 and sets its ID.
	CreateAgent(ctx context.Context, a *core.Agent) error
	// AgentRecord returns an agent, or not_found.
	AgentRecord(ctx context.Context, id int64) (AgentRecord, error)
	// AgentRecords returns the agents q selects, by ID.
	AgentRecords(ctx context.Context, q AgentQuery) ([]AgentRecord, error)
	// SaveAgent updates an agent's name and active flag (never its balance, credit limit or
	// commission) at the Version it was read, and moves the version on.
	SaveAgent(ctx context.Context, a *AgentRecord) error
	// TopUp adds to an agent's float with its ledger entries and returns the new balance.
	TopUp(ctx context.Context, agentID int64, amount core.Money, memo string) (core.Money, error)
	// IssueAPIKey stores the hash of a new API key and returns its ID; APIKey returns a key
	// (without its hash); RevokeAPIKey revokes a live one (not_found otherwise).
	IssueAPIKey(ctx context.Context, agentID int64, hash, label string) (int64, error)
	APIKey(ctx context.Context, id int64) (APIKeyRecord, error)
	RevokeAPIKey(ctx context.Context, id int64) error
}

// Agent actions.
const (
	ActionAgentCreate  Action = "agent.create"
	ActionAgentRead    Action = "agent.read"
	ActionAgentUpdate  Action = "agent.update"
	ActionAgentTopUp   Action = "agent.top_up"
	ActionAPIKeyIssue  Action = "agent.api_key_issue"
	ActionAPIKeyRevoke Action = "agent.api_key_revoke"
)

// Bounds of a top-up: its amount, and its memo in characters.
const (
	maxTopUp          = core.Money(1 << 50)
	maxAgentMemoRunes = 200
)

func agentTarget(id int64) string  { return "agent:" + itoa(id) }
func apiKeyTarget(id int64) string { return "api_key:" + itoa(id) }

// AgentView is an agent as lists, the API and the audit trail show it.
type AgentView struct {
	ID             int64  `json:"id"`
	UtilityID      int64  `json:"utility_id"`
	Name           string `json:"name"`
	Kind           string `json:"kind"`
	Balance        int64  `json:"balance"`
	CreditLimit    int64  `json:"credit_limit"`
	CommissionRate string `json:"commission_rate"`
	Currency       string `json:"currency,omitempty"`
	Active         bool   `json:"active"`
	Version        int64  `json:"version"`
}

// View returns the agent's JSON form.
func (r AgentRecord) View() AgentView {
	return AgentView{ID: r.ID, UtilityID: r.UtilityID, Name: r.Name, Kind: string(r.Kind), Balance: int64(r.Balance),
		CreditLimit: int64(r.CreditLimit), CommissionRate: r.CommissionRate.String(), Currency: r.Currency.Code,
		Active: r.Active, Version: r.Version}
}

// CreateAgent creates an agent of a utility (a retailer, a bank or a telecom operator) with a
// float of 0: money reaches it only through top-ups and its ledger entries.
func (s *Service) CreateAgent(ctx context.Context, a Actor, ag core.Agent) (AgentView, error) {
	return actOn(ctx, s, a, PermAgentsManage, ActionAgentCreate, utilityTarget(ag.UtilityID), s.utilityOwner(ag.UtilityID),
		func(ctx context.Context) (AgentView, Change, error) {
			name, ok := trimmed(ag.Name)
			if !ok {
				return AgentView{}, Change{}, invalid("name", "the agent's name is required")
			}
			ag.Name, ag.Active = name, true
			if err := s.store.CreateAgent(ctx, &ag); err != nil {
				return AgentView{}, Change{}, err
			}
			r, err := s.agent(ctx, ag.ID)
			if err != nil {
				return AgentView{}, Change{}, err
			}
			v := r.View()
			return v, Change{Target: agentTarget(ag.ID), After: v}, nil
		})
}

// Agents returns a page of agents: only its utility's for an actor limited to one.
func (s *Service) Agents(ctx context.Context, a Actor, q AgentQuery) ([]AgentView, error) {
	return read(ctx, s, a, PermAgentsRead, ActionAgentRead, func(ctx context.Context) ([]AgentView, error) {
		var err error
		if q.Page, err = q.Page.checked(); err != nil {
			return nil, err
		}
		if q.UtilityID, err = s.listUtility(ctx, a, PermAgentsRead, ActionAgentRead, q.UtilityID); err != nil {
			return nil, err
		}
		rs, err := s.store.AgentRecords(ctx, q)
		if err != nil {
			return nil, err
		}
		out := make([]AgentView, len(rs))
		for i, r := range rs {
			out[i] = r.View()
		}
		return out, nil
	})
}

// agent reads an agent, not_found naming it.
func (s *Service) agent(ctx context.Context, id int64) (AgentRecord, error) {
	r, err := s.store.AgentRecord(ctx, id)
	return r, found(err, core.ReasonNotFound, "agent_id", "agent", id)
}

func (s *Service) agentOwner(id int64) owner {
	return func(ctx context.Context) (int64, error) {
		r, err := s.agent(ctx, id)
		return r.UtilityID, err
	}
}

// Agent returns one agent.
func (s *Service) Agent(ctx context.Context, a Actor, id int64) (AgentView, error) {
	return readOn(ctx, s, a, PermAgentsRead, ActionAgentRead, agentTarget(id), s.agentOwner(id), func(ctx context.Context) (AgentView, error) {
		r, err := s.agent(ctx, id)
		return r.View(), err
	})
}

// AgentUpdate is what UpdateAgent changes: each field that is set. An inactive agent sells
// nothing; its float stays as it is.
type AgentUpdate struct {
	Name   *string
	Active *bool
}

// UpdateAgent renames, deactivates or reactivates an agent, at the version the operator read.
func (s *Service) UpdateAgent(ctx context.Context, a Actor, id, version int64, up AgentUpdate) (AgentView, error) {
	return actOn(ctx, s, a, PermAgentsManage, ActionAgentUpdate, agentTarget(id), s.agentOwner(id), func(ctx context.Context) (AgentView, Change, error) {
		return edited(ctx, agentTarget(id), version, editing[AgentRecord, AgentView]{
			load:    func(ctx context.Context) (AgentRecord, error) { return s.agent(ctx, id) },
			version: func(r AgentRecord) int64 { return r.Version },
			edit: func(r *AgentRecord) error {
				if up.Name == nil && up.Active == nil {
					return core.Errorf(core.CodeInvalid, ReasonNothingChanged, "the update changes nothing: give a name or the active flag")
				}
				if up.Name != nil {
					name, ok := trimmed(*up.Name)
					if !ok {
						return invalid("name", "the agent's name is required")
					}
					r.Name = name
				}
				if up.Active != nil {
					r.Active = *up.Active
				}
				return nil
			},
			save: s.store.SaveAgent,
			view: AgentRecord.View,
		})
	})
}

// TopUpView is what a top-up did.
type TopUpView struct {
	AgentID int64  `json:"agent_id"`
	Amount  int64  `json:"amount"`
	Balance int64  `json:"balance"`
	Memo    string `json:"memo"`
}

// TopUp adds money to an agent's float: the ledger's entries and the balance in one
// transaction with the audit entry.
func (s *Service) TopUp(ctx context.Context, a Actor, agentID int64, amount core.Money, memo string) (TopUpView, error) {
	return actOn(ctx, s, a, PermFloatAdjust, ActionAgentTopUp, agentTarget(agentID), s.agentOwner(agentID), func(ctx context.Context) (TopUpView, Change, error) {
		if amount <= 0 || amount > maxTopUp {
			return TopUpView{}, Change{}, core.Errorf(core.CodeInvalid, core.ReasonInvalidAmount, "a top-up is a positive amount in minor units").OnField("amount")
		}
		memo, _ = trimmed(memo)
		if len([]rune(memo)) > maxAgentMemoRunes {
			return TopUpView{}, Change{}, invalid("memo", "the memo has at most %d characters", maxAgentMemoRunes)
		}
		before, err := s.agent(ctx, agentID)
		if err != nil {
			return TopUpView{}, Change{}, err
		}
		bal, err := s.store.TopUp(ctx, agentID, amount, memo)
		if err != nil {
			return TopUpView{}, Change{}, err
		}
		after := before
		after.Balance = bal
		v := TopUpView{AgentID: agentID, Amount: int64(amount), Balance: int64(bal), Memo: memo}
		return v, Change{Target: agentTarget(agentID), Before: before.View(), After: after.View(), Detail: "top-up of " + amount.String()}, nil
	})
}

// APIKeyView is an API key as the API and the audit trail show it: never the key.
type APIKeyView struct {
	ID        int64      `json:"id"`
	AgentID   int64      `json:"agent_id"`
	Label     string     `json:"label"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// View returns the key's JSON form.
func (k APIKeyRecord) View() APIKeyView {
	v := APIKeyView{ID: k.ID, AgentID: k.AgentID, Label: k.Label, CreatedAt: k.CreatedAt.UTC()}
	if !k.RevokedAt.IsZero() {
		t := k.RevokedAt.UTC()
		v.RevokedAt = &t
	}
	return v
}

// IssuedAPIKey is a new API key: shown once, here; only its hash is stored.
type IssuedAPIKey struct {
	APIKeyView
	Key string `json:"api_key"`
}

// IssueAPIKey issues a new API key for an agent.
func (s *Service) IssueAPIKey(ctx context.Context, a Actor, agentID int64, label string) (IssuedAPIKey, error) {
	return actOn(ctx, s, a, PermAgentsManage, ActionAPIKeyIssue, agentTarget(agentID), s.agentOwner(agentID), func(ctx context.Context) (IssuedAPIKey, Change, error) {
		label, _ = trimmed(label)
		if len([]rune(label)) > 100 {
			return IssuedAPIKey{}, Change{}, invalid("label", "the label has at most 100 characters")
		}
		key, hash, err := core.NewAPIKey()
		if err != nil {
			return IssuedAPIKey{}, Change{}, err
		}
		id, err := s.store.IssueAPIKey(ctx, agentID, hash, label)
		if err != nil {
			return IssuedAPIKey{}, Change{}, err
		}
		k, err := s.store.APIKey(ctx, id)
		if err != nil {
			return IssuedAPIKey{}, Change{}, err
		}
		v := k.View()
		return IssuedAPIKey{APIKeyView: v, Key: key}, Change{Target: apiKeyTarget(id), After: v}, nil
	})
}

// RevokeAPIKey revokes an agent's API key; a key revoked already is a conflict saying when.
func (s *Service) RevokeAPIKey(ctx context.Context, a Actor, id int64) (APIKeyView, error) {
	of := func(ctx context.Context) (int64, error) {
		k, err := s.store.APIKey(ctx, id)
		if err != nil {
			return 0, found(err, core.ReasonNotFound, "id", "API key", id)
		}
		return s.agentOwner(k.AgentID)(ctx)
	}
	return actOn(ctx, s, a, PermAgentsManage, ActionAPIKeyRevoke, apiKeyTarget(id), of, func(ctx context.Context) (APIKeyView, Change, error) {
		k, err := s.store.APIKey(ctx, id)
		if err != nil {
			return APIKeyView{}, Change{}, found(err, core.ReasonNotFound, "id", "API key", id)
		}
		revoked := func(at time.Time) error {
			return core.Errorf(core.CodeConflict, core.ReasonAPIKeyRevoked, "API key %d was revoked already, at %s", id, at.UTC().Format(time.RFC3339))
		}
		if !k.RevokedAt.IsZero() {
			return APIKeyView{}, Change{}, revoked(k.RevokedAt)
		}
		if err := s.store.RevokeAPIKey(ctx, id); err != nil {
			if isNotFound(err) {
				return APIKeyView{}, Change{}, core.Errorf(core.CodeConflict, core.ReasonAPIKeyRevoked, "API key %d was revoked already", id)
			}
			return APIKeyView{}, Change{}, err
		}
		after, err := s.store.APIKey(ctx, id)
		if err != nil {
			return APIKeyView{}, Change{}, err
		}
		v := after.View()
		return v, Change{Target: apiKeyTarget(id), Before: k.View(), After: v}, nil
	})
}
