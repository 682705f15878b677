package backoffice

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vendgate/vendgate/core"
)

// Terminal actions.
const (
	ActionTerminalRead       Action = "terminal.read"
	ActionTerminalCreate     Action = "terminal.create"
	ActionTerminalUpdate     Action = "terminal.update"
	ActionTerminalDeactivate Action = "terminal.deactivate"
	ActionTerminalIssueKey   Action = "terminal.issue_key"
)

// The reasons of terminals.
const (
	ReasonInvalidTerminal   core.Reason = "invalid_terminal"
	ReasonDuplicateTerminal core.Reason = "duplicate_terminal"
	ReasonTerminalNoAgent   core.Reason = "terminal_without_agent" // a key sells from an agent's float: the terminal needs one
)

var terminalReasons = map[core.Reason]core.Code{
	ReasonInvalidTerminal:   core.CodeInvalid,
	ReasonDuplicateTerminal: core.CodeDuplicate,
	ReasonTerminalNoAgent:   core.CodeConflict,
}

func init() { reasonLists = append(reasonLists, terminalReasons) }

// Terminal is a POS device of a utility, tied to the agent whose float it sells from, to the
// vending hall where it stands, or to both. Its API keys (IssueTerminalKey) authenticate as its
// agent, like the agent's own keys (core.Authenticate); deactivating the terminal, or moving it
// to another agent, revokes them.
type Terminal struct {
	ID        int64     `json:"id"`
	UtilityID int64     `json:"utility_id"`
	Serial    string    `json:"serial"` // the device's serial number, unique
	Name      string    `json:"name"`
	AgentID   int64     `json:"agent_id,omitempty"` // 0 for none
	HallID    int64     `json:"hall_id,omitempty"`  // 0 for none
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	Version   int64     `json:"version"`
}

func (t *Terminal) utility() int64   { return t.UtilityID }
func (t *Terminal) target() string   { return "terminal:" + itoa(t.ID) }
func (t *Terminal) version() *int64  { return &t.Version }
func (t *Terminal) deactivate() bool { was := t.Active; t.Active = false; return was }

// TerminalStore keeps terminals and their API keys (see OrganisationStore for the rules of
// Create, Save and the reads).
type TerminalStore interface {
	CreateTerminal(ctx context.Context, t *Terminal) error
	Terminal(ctx context.Context, id int64) (Terminal, error)
	SaveTerminal(ctx context.Context, t *Terminal) error
	Terminals(ctx context.Context, q OrgQuery) ([]Terminal, error)
	// IssueTerminalKey stores the hash of a new API key of the terminal that authenticates as
	// agentID, and returns the key's ID.
	IssueTerminalKey(ctx context.Context, terminalID, agentID int64, hash, label string) (int64, error)
	// RevokeTerminalKeys revokes the terminal's live keys and returns how many there were.
	RevokeTerminalKeys(ctx context.Context, terminalID int64) (int, error)
	// Agent returns an agent, or not_found.
	Agent(ctx context.Context, id int64) (core.Agent, error)
}

// NewTerminal is what CreateTerminal takes.
type NewTerminal struct {
	UtilityID int64
	Serial    string
	Name      string
	AgentID   int64
	HallID    int64
}

// TerminalUpdate is what UpdateTerminal takes: the terminal's new fields and the version read.
type TerminalUpdate struct {
	ID      int64
	Version int64
	Serial  string
	Name    string
	AgentID int64
	HallID  int64
}

// TerminalKey is a terminal's new API key. Key is shown once, to be entered on the device; only
// its hash is kept, and it is never written to the audit trail or a log.
type TerminalKey struct {
	ID         int64
	TerminalID int64
	AgentID    int64
	Label      string
	Key        string
}

// checkTerminal checks a terminal's fields: a serial and a name, and an agent or a hall, each
// active and of the terminal's utility.
func (s *Service) checkTerminal(ctx context.Context, t *Terminal) error {
	var err error
	if err = checkUtility(ReasonInvalidTerminal, t.UtilityID); err != nil {
		return err
	}
	t.Serial = strings.TrimSpace(t.Serial)
	if t.Serial == "" || utf8.RuneCountInString(t.Serial) > 64 {
		return core.Errorf(core.CodeInvalid, ReasonInvalidTerminal, "the terminal's serial must be 1 to 64 characters").OnField("serial")
	}
	if t.Name, err = checkText(ReasonInvalidTerminal, "name", "the terminal's name", t.Name, 120); err != nil {
		return err
	}
	if t.AgentID == 0 && t.HallID == 0 {
		return core.Errorf(core.CodeInvalid, ReasonInvalidTerminal, "a terminal is tied to an agent, a vending hall or both").OnField("agent_id")
	}
	if t.AgentID != 0 {
		ag, err := s.store.Agent(ctx, t.AgentID)
		if isNotFound(err) || err == nil && (!ag.Active || ag.UtilityID != t.UtilityID) {
			return core.Errorf(core.CodeInvalid, ReasonInvalidTerminal, "agent %d is not an active agent of utility %d", t.AgentID, t.UtilityID).OnField("agent_id")
		}
		if err != nil {
			return err
		}
	}
	return s.CheckHall(ctx, t.UtilityID, t.HallID)
}

// Terminals returns a page of terminals.
func (s *Service) Terminals(ctx context.Context, a Actor, q OrgQuery) ([]Terminal, error) {
	return listRecords(ctx, s, a, ActionTerminalRead, q, s.store.Terminals)
}

// Terminal returns a terminal.
func (s *Service) Terminal(ctx context.Context, a Actor, id int64) (Terminal, error) {
	return showRecord(ctx, s, a, ActionTerminalRead, id, s.store.Terminal)
}

// CreateTerminal creates an active terminal, with no API key yet.
func (s *Service) CreateTerminal(ctx context.Context, a Actor, n NewTerminal) (Terminal, error) {
	return createRecord(ctx, s, a, ActionTerminalCreate,
		Terminal{UtilityID: ownUtility(a, n.UtilityID), Serial: n.Serial, Name: n.Name, AgentID: n.AgentID, HallID: n.HallID, Active: true},
		s.checkTerminal,
		func(ctx context.Context, t *Terminal) error {
			return duplicate(s.store.CreateTerminal(ctx, t), ReasonDuplicateTerminal, "serial", "a terminal has serial %q", t.Serial)
		})
}

// UpdateTerminal changes a terminal's serial, name, agent and hall. Moving it to another agent
// revokes its API keys (they sell from the old agent's float).
func (s *Service) UpdateTerminal(ctx context.Context, a Actor, u TerminalUpdate) (Terminal, error) {
	return changeRecord(ctx, s, a, ActionTerminalUpdate, u.ID, u.Version, s.store.Terminal, s.saveTerminal,
		func(ctx context.Context, t *Terminal) (string, error) {
			moved := t.AgentID != u.AgentID
			t.Serial, t.Name, t.AgentID, t.HallID = u.Serial, u.Name, u.AgentID, u.HallID
			if err := s.checkTerminal(ctx, t); err != nil {
				return "", err
			}
			if !moved {
				return "", nil
			}
			return s.revokeKeys(ctx, t, "the agent changed")
		})
}

// DeactivateTerminal deactivates a terminal at the version read and revokes its API keys.
func (s *Service) DeactivateTerminal(ctx context.Context, a Actor, id, version int64) (Terminal, error) {
	deactivate := deactivateEdit[Terminal]("terminal")
	return changeRecord(ctx, s, a, ActionTerminalDeactivate, id, version, s.store.Terminal, s.saveTerminal,
		func(ctx context.Context, t *Terminal) (string, error) {
			detail, err := deactivate(ctx, t)
			if err != nil {
				return "", err
			}
			revoked, err := s.revokeKeys(ctx, t, "")
			return strings.TrimSuffix(detail+"; "+revoked, "; "), err
		})
}

// revokeKeys revokes a terminal's live keys and says so for the audit trail ("" for none).
func (s *Service) revokeKeys(ctx context.Context, t *Terminal, why string) (string, error) {
	n, err := s.store.RevokeTerminalKeys(ctx, t.ID)
	if err != nil || n == 0 {
		return "", err
	}
	detail := itoa(int64(n)) + " API key(s) revoked"
	if why != "" {
		detail += ": " + why
	}
	return detail, nil
}

func (s *Service) saveTerminal(ctx context.Context, t *Terminal) error {
	return duplicate(s.store.SaveTerminal(ctx, t), ReasonDuplicateTerminal, "serial", "a terminal has serial %q", t.Serial)
}

// IssueTerminalKey issues a new API key for an active terminal with an agent; the key
// authenticates as the terminal's agent. The key is in the result only.
func (s *Service) IssueTerminalKey(ctx context.Context, a Actor, terminalID int64, label string) (TerminalKey, error) {
	if err := s.allow(ctx, a, PermOrganisationManage, ActionTerminalIssueKey, ""); err != nil {
		return TerminalKey{}, err
	}
	t, err := s.store.Terminal(ctx, terminalID)
	if err != nil {
		return TerminalKey{}, storeError(err)
	}
	if err := s.inScope(ctx, a, PermOrganisationManage, ActionTerminalIssueKey, t.target(), t.UtilityID); err != nil {
		return TerminalKey{}, err
	}
	label = strings.TrimSpace(label)
	if utf8.RuneCountInString(label) > 120 {
		return TerminalKey{}, core.Errorf(core.CodeInvalid, ReasonInvalidTerminal, "the key's label must be at most 120 characters").OnField("label")
	}
	return act(ctx, s, a, PermOrganisationManage, ActionTerminalIssueKey, func(ctx context.Context) (TerminalKey, Change, error) {
		t, err := s.store.Terminal(ctx, terminalID)
		switch {
		case err != nil:
			return TerminalKey{}, Change{}, err
		case !t.Active:
			return TerminalKey{}, Change{}, core.Errorf(core.CodeConflict, ReasonAlreadyInactive, "terminal %d is inactive", t.ID)
		case t.AgentID == 0:
			return TerminalKey{}, Change{}, core.Errorf(core.CodeConflict, ReasonTerminalNoAgent, "terminal %d has no agent to sell from: give it one first", t.ID).OnField("agent_id")
		}
		key, hash, err := core.NewAPIKey()
		if err != nil {
			return TerminalKey{}, Change{}, core.Internal(err, "making an API key")
		}
		id, err := s.store.IssueTerminalKey(ctx, t.ID, t.AgentID, hash, label)
		if err != nil {
			return TerminalKey{}, Change{}, err
		}
		view := struct {
			KeyID   int64  `json:"key_id"`
			AgentID int64  `json:"agent_id"`
			Label   string `json:"label,omitempty"`
		}{id, t.AgentID, label}
		return TerminalKey{ID: id, TerminalID: t.ID, AgentID: t.AgentID, Label: label, Key: key},
			Change{Target: t.target(), After: view, Detail: "API key " + itoa(id) + " issued"}, nil
	})
}
