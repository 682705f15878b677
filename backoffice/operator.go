package backoffice

import (
	"context"
	"slices"
	"time"

	"github.com/vendgate/vendgate/core"
)

// OperatorStatus says whether an operator may sign in.
type OperatorStatus string

// Operator statuses.
const (
	OperatorActive      OperatorStatus = "active"
	OperatorDeactivated OperatorStatus = "deactivated"
)

// Operator is a person who runs the back office. PasswordHash and TOTPSecret never leave this
// package's store: OperatorView is what lists, the API and the audit trail show.
type Operator struct {
	ID       int64
	Username string
	FullName string
	Email    string
	Roles    []string // role names, sorted
	// UtilityID limits the operator to one utility (0: every utility); HallID a cashier to one
	// vending hall (0: every hall).
	UtilityID int64
	HallID    int64
	Status    OperatorStatus
	// PasswordHash is argon2id in the PHC string format.
	PasswordHash string
	// MustChangePassword is set on a one-time password (bootstrap, a reset).
	MustChangePassword bool
	// TOTPSecret is the base32 second-factor secret, "" until enrolled; TOTPLastStep the step of
	// the last code accepted, so that no code is accepted twice.
	TOTPSecret   string
	TOTPLastStep int64
	// TOTPPending is a secret being enrolled, until a code from it confirms it.
	TOTPPending string
	// FailedSignIns counts wrong passwords or codes since the last good sign-in; LockedUntil is
	// when the next attempt is allowed.
	FailedSignIns int
	LockedUntil   time.Time
	CreatedAt     time.Time
	Version       int64
}

// OperatorView is an operator as lists, the API and the audit trail show it: no secrets.
type OperatorView struct {
	ID                 int64          `json:"id"`
	Username           string         `json:"username"`
	FullName           string         `json:"full_name"`
	Email              string         `json:"email,omitempty"`
	Roles              []string       `json:"roles"`
	UtilityID          int64          `json:"utility_id,omitempty"`
	HallID             int64          `json:"hall_id,omitempty"`
	Status             OperatorStatus `json:"status"`
	SecondFactor       bool           `json:"second_factor"`
	MustChangePassword bool           `json:"must_change_password"`
	LockedUntil        *time.Time     `json:"locked_until,omitempty"`
	CreatedAt          time.Time      `json:"created_at"`
	Version            int64          `json:"version"`
}

// View returns what may be shown of the operator.
func (o Operator) View() OperatorView {
	v := OperatorView{ID: o.ID, Username: o.Username, FullName: o.FullName, Email: o.Email, Roles: slices.Clone(o.Roles),
		UtilityID: o.UtilityID, HallID: o.HallID, Status: o.Status, SecondFactor: o.TOTPSecret != "",
		MustChangePassword: o.MustChangePassword, CreatedAt: o.CreatedAt.UTC(), Version: o.Version}
	if !o.LockedUntil.IsZero() {
		t := o.LockedUntil.UTC()
		v.LockedUntil = &t
	}
	if v.Roles == nil {
		v.Roles = []string{}
	}
	return v
}

// OperatorStore keeps operators.
type OperatorStore interface {
	// CreateOperator inserts o and sets its ID and Version; a taken username is a duplicate.
	CreateOperator(ctx context.Context, o *Operator) error
	// Operator returns an operator by ID, OperatorByUsername by username; not_found otherwise.
	Operator(ctx context.Context, id int64) (Operator, error)
	OperatorByUsername(ctx context.Context, username string) (Operator, error)
	// SaveOperator updates o at the Version it was read and moves the version on; a stale
	// version is a conflict.
	SaveOperator(ctx context.Context, o *Operator) error
	// Operators returns a page of operators by ID.
	Operators(ctx context.Context, q OperatorQuery) ([]Operator, error)
	// OperatorCount returns how many operators exist.
	OperatorCount(ctx context.Context) (int, error)
}

// OperatorQuery selects operators.
type OperatorQuery struct {
	AfterID int64
	Limit   int
	Role    string         // "" for any
	Status  OperatorStatus // "" for any
	Search  string         // a part of the username or full name; "" for any
	// UtilityID selects the operators of one utility; 0 for any.
	UtilityID int64
}

// actorOf makes the Actor an operator acts as, with the permissions of its active roles.
func (s *Service) actorOf(ctx context.Context, o Operator, via, from string, secondFactor bool) (Actor, error) {
	roles, err := s.store.Roles(ctx)
	if err != nil {
		return Actor{}, err
	}
	var perms []Permission
	for _, r := range roles {
		if r.Active && slices.Contains(o.Roles, r.Name) {
			perms = append(perms, r.Permissions...)
		}
	}
	slices.Sort(perms)
	return Actor{kind: ActorOperator, id: o.ID, name: o.Username, via: via, from: from, utilityID: o.UtilityID,
		hallID: o.HallID, perms: slices.Compact(perms), secondFactor: secondFactor}, nil
}

// needsSecondFactor reports whether any of the operator's roles grants a sensitive permission.
func (s *Service) needsSecondFactor(ctx context.Context, o Operator) (bool, error) {
	roles, err := s.store.Roles(ctx)
	if err != nil {
		return false, err
	}
	for _, r := range roles {
		if r.Active && slices.Contains(o.Roles, r.Name) && r.Sensitive() {
			return true, nil
		}
	}
	return false, nil
}

// errNoOperator is the one answer to a wrong username, a wrong password, a wrong code and a
// deactivated account: a sign-in never tells which.
func errNoOperator() error {
	return core.Errorf(core.CodeUnauthorized, ReasonBadCredentials, "the username, password or code is wrong, or the account is locked")
}
