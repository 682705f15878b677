package backoffice

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vendgate/vendgate/core"
)

// API token actions.
const (
	ActionTokenIssue  Action = "token.issue"
	ActionTokenList   Action = "token.list"
	ActionTokenRevoke Action = "token.revoke"
)

// TokenPrefix starts every API token, so that a secret scanner (and a person) can tell one.
const TokenPrefix = "vgo_"

// An API token lives DefaultTokenTTL unless its issuer asks otherwise, and MaxTokenTTL at most.
const (
	DefaultTokenTTL = 30 * 24 * time.Hour
	MaxTokenTTL     = 366 * 24 * time.Hour
	minTokenTTL     = time.Minute
	maxTokenLabel   = 100
)

// APIToken is an operator's token for scripts: a bearer secret (the store keeps its SecretHash)
// that acts as its operator with at most Permissions.
type APIToken struct {
	ID          int64
	OperatorID  int64
	Label       string
	Permissions []Permission // sorted, each Known
	TokenHash   string
	// SecondFactor says whether the session that issued it had a second factor.
	SecondFactor bool
	CreatedAt    time.Time
	ExpiresAt    time.Time
	RevokedAt    time.Time // zero while valid
}

// TokenView is a token as lists and the audit trail show it: never its secret.
type TokenView struct {
	ID           int64        `json:"id"`
	OperatorID   int64        `json:"operator_id"`
	Label        string       `json:"label"`
	Permissions  []Permission `json:"permissions"`
	SecondFactor bool         `json:"second_factor"`
	CreatedAt    time.Time    `json:"created_at"`
	ExpiresAt    time.Time    `json:"expires_at"`
}

// View returns what may be shown of the token.
func (t APIToken) View() TokenView {
	return TokenView{ID: t.ID, OperatorID: t.OperatorID, Label: t.Label, Permissions: slices.Clone(t.Permissions),
		SecondFactor: t.SecondFactor, CreatedAt: t.CreatedAt.UTC(), ExpiresAt: t.ExpiresAt.UTC()}
}

// TokenStore keeps API tokens.
type TokenStore interface {
	// CreateAPIToken inserts t and sets its ID.
	CreateAPIToken(ctx context.Context, t *APIToken) error
	// APIToken returns a token by ID, APITokenByHash by its SecretHash, revoked or not; not_found
	// otherwise.
	APIToken(ctx context.Context, id int64) (APIToken, error)
	APITokenByHash(ctx context.Context, tokenHash string) (APIToken, error)
	// RevokeAPIToken revokes one token at at; it reports false when the token was revoked already.
	RevokeAPIToken(ctx context.Context, id int64, at time.Time) (bool, error)
	// RevokeAPITokens revokes every token of an operator not revoked whose end is after at, and
	// returns how many.
	RevokeAPITokens(ctx context.Context, operatorID int64, at time.Time) (int, error)
	// ValidAPITokens returns an operator's tokens not revoked whose end is after at, newest first.
	ValidAPITokens(ctx context.Context, operatorID int64, at time.Time) ([]APIToken, error)
}

// NewToken is what IssueToken takes: a label saying what the token is for, the permissions it
// carries (a subset of the issuer's) and how long it lives (0 for DefaultTokenTTL).
type NewToken struct {
	Label       string
	Permissions []Permission
	TTL         time.Duration
}

// TokenGrant is a new API token: the secret, shown this once, and what it may do.
type TokenGrant struct {
	Token       string       `json:"token"`
	ID          int64        `json:"id"`
	Label       string       `json:"label"`
	Permissions []Permission `json:"permissions"`
	ExpiresAt   time.Time    `json:"expires_at"`
}

func tokenTarget(id int64) string { return "token:" + itoa(id) }

// IssueToken issues the actor an API token carrying at most the permissions the actor may use
// now. It belongs to the actor: it acts as them, never with more than they hold at the time of
// use. A token is issued from a sign-in (a session, the CLI), never from another token.
func (s *Service) IssueToken(ctx context.Context, a Actor, n NewToken) (TokenGrant, error) {
	if a.kind != ActorOperator || a.id == 0 || a.token != 0 {
		return TokenGrant{}, core.Errorf(core.CodeForbidden, ReasonTokenScope, "an API token is issued by an operator signed in with a password, not by another token")
	}
	t, err := s.checkNewToken(a, n)
	if e := core.AsError(err); err != nil && e.Code == core.CodeForbidden {
		return TokenGrant{}, s.deny(ctx, a, "", ActionTokenIssue, "", e)
	}
	if err != nil {
		return TokenGrant{}, err
	}
	secret, err := newSecret()
	if err != nil {
		return TokenGrant{}, err
	}
	secret = TokenPrefix + secret
	t.TokenHash = SecretHash(secret)
	return change(ctx, s, a, "", ActionTokenIssue, func(ctx context.Context) (TokenGrant, Change, error) {
		// The actor may be older than a deactivation, which revoked the operator's tokens in its
		// transaction: no token is issued after it.
		if o, err := s.store.Operator(ctx, a.id); err != nil || o.Status != OperatorActive {
			if err != nil && !isNotFound(err) {
				return TokenGrant{}, Change{}, err
			}
			return TokenGrant{}, Change{}, errToken("the operator is deactivated")
		}
		if err := s.store.CreateAPIToken(ctx, &t); err != nil {
			return TokenGrant{}, Change{}, err
		}
		g := TokenGrant{Token: secret, ID: t.ID, Label: t.Label, Permissions: slices.Clone(t.Permissions), ExpiresAt: t.ExpiresAt}
		return g, Change{Target: tokenTarget(t.ID), After: t.View()}, nil
	})
}

// checkNewToken checks a token request against its issuer and returns the token to store.
func (s *Service) checkNewToken(a Actor, n NewToken) (APIToken, error) {
	label := strings.TrimSpace(n.Label)
	switch {
	case label == "":
		return APIToken{}, core.Errorf(core.CodeInvalid, ReasonInvalidToken, "a token needs a label saying what it is for").OnField("label")
	case utf8.RuneCountInString(label) > maxTokenLabel:
		return APIToken{}, core.Errorf(core.CodeInvalid, ReasonInvalidToken, "a token's label has at most %d characters", maxTokenLabel).OnField("label")
	case n.TTL < 0 || n.TTL > 0 && n.TTL < minTokenTTL || n.TTL > MaxTokenTTL:
		return APIToken{}, core.Errorf(core.CodeInvalid, ReasonInvalidToken, "a token lives from %s to %s", minTokenTTL, MaxTokenTTL).OnField("ttl")
	}
	perms, err := checkPermissions(n.Permissions)
	if err != nil {
		return APIToken{}, err
	}
	if len(perms) == 0 {
		return APIToken{}, core.Errorf(core.CodeInvalid, ReasonInvalidToken, "a token needs at least one permission").OnField("permissions")
	}
	var lacking []string
	for _, p := range perms {
		if !a.Can(p) {
			lacking = append(lacking, string(p))
		}
	}
	if len(lacking) > 0 {
		return APIToken{}, core.Errorf(core.CodeForbidden, ReasonTokenScope,
			"a token carries only permissions its issuer may use now, not %s", strings.Join(lacking, ", ")).OnField("permissions")
	}
	ttl := n.TTL
	if ttl == 0 {
		ttl = DefaultTokenTTL
	}
	now := s.stamp()
	return APIToken{OperatorID: a.id, Label: label, Permissions: perms, SecondFactor: a.secondFactor, CreatedAt: now, ExpiresAt: now.Add(ttl)}, nil
}

// checkPermissions returns the permissions sorted and without repeats, or an invalid error
// naming those the catalogue does not know.
func checkPermissions(in []Permission) ([]Permission, error) {
	out := slices.Clone(in)
	slices.Sort(out)
	out = slices.Compact(out)
	var unknown []string
	for _, p := range out {
		if !p.Known() {
			unknown = append(unknown, string(p))
		}
	}
	if len(unknown) > 0 {
		return nil, core.Errorf(core.CodeInvalid, ReasonUnknownPermission, "no permission is named %s", strings.Join(unknown, ", ")).OnField("permissions")
	}
	return out, nil
}

// TokenActor returns the actor a bearer token stands for: its operator with the permissions the
// operator holds now, narrowed to the token's, and a second factor only if the token's issuer
// had one. An unknown, revoked or expired token, and a deactivated operator's, are unauthorized.
// It writes no audit entry: the actions the actor then takes do.
func (s *Service) TokenActor(ctx context.Context, bearer, from string) (Actor, error) {
	if !strings.HasPrefix(bearer, TokenPrefix) {
		return Actor{}, errToken("the bearer token is not a Vendgate operator token")
	}
	t, err := s.store.APITokenByHash(ctx, SecretHash(bearer))
	if isNotFound(err) {
		return Actor{}, errToken("the API token is unknown")
	}
	if err != nil {
		return Actor{}, storeError(err)
	}
	switch {
	case !t.RevokedAt.IsZero():
		return Actor{}, errToken("the API token was revoked")
	case !s.stamp().Before(t.ExpiresAt):
		return Actor{}, core.Errorf(core.CodeUnauthorized, ReasonTokenExpired, "the API token expired at %s", t.ExpiresAt.UTC().Format(time.RFC3339))
	}
	o, err := s.store.Operator(ctx, t.OperatorID)
	if err != nil && !isNotFound(err) {
		return Actor{}, storeError(err)
	}
	if err != nil || o.Status != OperatorActive {
		return Actor{}, errToken("the API token's operator is deactivated")
	}
	a, err := s.actorOf(ctx, o, tokenTarget(t.ID), from, t.SecondFactor)
	if err != nil {
		return Actor{}, storeError(err)
	}
	a.perms = slices.DeleteFunc(a.perms, func(p Permission) bool { _, ok := slices.BinarySearch(t.Permissions, p); return !ok })
	a.token = t.ID
	return a, nil
}

// Tokens returns the valid API tokens of an operator, newest first: the actor's own, or, with
// PermOperatorsManage, those of an operator of their utility.
func (s *Service) Tokens(ctx context.Context, a Actor, operatorID int64) ([]TokenView, error) {
	if _, err := s.ownOrManage(ctx, a, ActionTokenList, operatorID); err != nil {
		return nil, err
	}
	list, err := s.store.ValidAPITokens(ctx, operatorID, s.stamp())
	if err != nil {
		return nil, storeError(err)
	}
	out := make([]TokenView, len(list))
	for i, t := range list {
		out[i] = t.View()
	}
	return out, nil
}

// RevokeToken revokes an API token: the actor's own, or, with PermOperatorsManage, one of an
// operator of their utility.
func (s *Service) RevokeToken(ctx context.Context, a Actor, id int64) error {
	t, err := s.store.APIToken(ctx, id)
	if isNotFound(err) {
		return core.Errorf(core.CodeNotFound, core.ReasonNotFound, "API token %d does not exist", id)
	}
	if err != nil {
		return storeError(err)
	}
	perm, err := s.ownOrManage(ctx, a, ActionTokenRevoke, t.OperatorID)
	if err != nil {
		return err
	}
	_, err = change(ctx, s, a, perm, ActionTokenRevoke, func(ctx context.Context) (struct{}, Change, error) {
		valid, err := s.store.RevokeAPIToken(ctx, id, s.stamp())
		if err != nil {
			return struct{}{}, Change{}, err
		}
		if !valid {
			return struct{}{}, Change{}, core.Errorf(core.CodeConflict, ReasonTokenRevoked, "API token %d was revoked already", id)
		}
		return struct{}{}, Change{Target: tokenTarget(id), Before: t.View(), Detail: "revoked"}, nil
	})
	return err
}

func errToken(why string) error {
	return core.Errorf(core.CodeUnauthorized, ReasonTokenInvalid, "%s", why)
}
