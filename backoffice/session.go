package backoffice

import (
	"context"
	"crypto/subtle"
	"time"

	"github.com/vendgate/vendgate/core"
)

// Session actions.
const (
	ActionSignOut        Action = "operator.sign_out"
	ActionSessionList    Action = "session.list"
	ActionSessionsRevoke Action = "session.revoke"
)

// A session ends after defaultSessionIdle without a request, and defaultSessionMax after its
// sign-in whatever happens; WithSessionLimits changes both.
const (
	defaultSessionIdle = 15 * time.Minute
	defaultSessionMax  = 12 * time.Hour
	// sessionTouch is how stale a session's LastSeen may get before a request writes it again:
	// requests in a burst do not each write a row.
	sessionTouch = time.Minute
)

// WithSessionLimits sets how long a session lives without a request (idle) and after its sign-in
// (absolute). A zero or negative value keeps the default.
func WithSessionLimits(idle, absolute time.Duration) Option {
	return func(s *Service) {
		if idle > 0 {
			s.sessionIdle = idle
		}
		if absolute > 0 {
			s.sessionMax = absolute
		}
	}
}

// Session is a server-side session of an operator signed in through a browser. The browser holds
// the token; the store keeps its SecretHash. CSRF is the value each changing request must echo.
type Session struct {
	ID         int64
	OperatorID int64
	TokenHash  string // SecretHash of the session token
	CSRF       string
	CreatedAt  time.Time
	LastSeen   time.Time // the last request, to within sessionTouch
	ExpiresAt  time.Time // the absolute end, CreatedAt plus the absolute limit
	From       string    // the address it was opened from
	// SecondFactor says whether the sign-in that opened it gave a second factor.
	SecondFactor bool
	RevokedAt    time.Time // zero while open
}

// CheckCSRF reports, in constant time, whether a request's CSRF value is the session's.
func (ss Session) CheckCSRF(v string) bool {
	return ss.CSRF != "" && subtle.ConstantTimeCompare([]byte(v), []byte(ss.CSRF)) == 1
}

// SessionView is a session as lists and the audit trail show it: no token, no CSRF value.
type SessionView struct {
	ID           int64     `json:"id"`
	OperatorID   int64     `json:"operator_id"`
	CreatedAt    time.Time `json:"created_at"`
	LastSeen     time.Time `json:"last_seen"`
	ExpiresAt    time.Time `json:"expires_at"`
	From         string    `json:"from"`
	SecondFactor bool      `json:"second_factor"`
}

// View returns what may be shown of the session.
func (ss Session) View() SessionView {
	return SessionView{ID: ss.ID, OperatorID: ss.OperatorID, CreatedAt: ss.CreatedAt.UTC(), LastSeen: ss.LastSeen.UTC(),
		ExpiresAt: ss.ExpiresAt.UTC(), From: ss.From, SecondFactor: ss.SecondFactor}
}

// SessionStore keeps sessions.
type SessionStore interface {
	// CreateSession inserts ss and sets its ID.
	CreateSession(ctx context.Context, ss *Session) error
	// SessionByHash returns the session whose token has this SecretHash, revoked or not; not_found
	// otherwise.
	SessionByHash(ctx context.Context, tokenHash string) (Session, error)
	// TouchSession sets a session's LastSeen.
	TouchSession(ctx context.Context, id int64, lastSeen time.Time) error
	// RevokeSession ends one open session at at; it reports false when the session was not open.
	RevokeSession(ctx context.Context, id int64, at time.Time) (bool, error)
	// RevokeSessions ends every open session of an operator whose absolute end is after at, and
	// returns how many.
	RevokeSessions(ctx context.Context, operatorID int64, at time.Time) (int, error)
	// OpenSessions returns an operator's sessions not revoked whose absolute end is after at,
	// newest first.
	OpenSessions(ctx context.Context, operatorID int64, at time.Time) ([]Session, error)
}

// SessionGrant is what a browser gets at sign-in: the session token (for a cookie), the CSRF
// value its changing requests echo, who signed in, and when the session ends at the latest.
type SessionGrant struct {
	Token     string       `json:"token"`
	CSRF      string       `json:"csrf_token"`
	Operator  OperatorView `json:"operator"`
	ExpiresAt time.Time    `json:"expires_at"`
}

func sessionTarget(id int64) string { return "session:" + itoa(id) }

// OpenSession signs an operator in (SignIn: the same checks, lockout and answer) and opens a
// server-side session, in the sign-in's transaction and under its one audit entry.
func (s *Service) OpenSession(ctx context.Context, req SignInRequest) (SessionGrant, error) {
	token, err := newSecret()
	if err != nil {
		return SessionGrant{}, err
	}
	csrf, err := newSecret()
	if err != nil {
		return SessionGrant{}, err
	}
	var ss Session
	_, o, err := s.signIn(ctx, req, func(ctx context.Context, a *Actor, o Operator) (string, error) {
		now := s.stamp()
		ss = Session{OperatorID: o.ID, TokenHash: SecretHash(token), CSRF: csrf, CreatedAt: now, LastSeen: now,
			ExpiresAt: now.Add(s.sessionMax), From: req.From, SecondFactor: a.secondFactor}
		if err := s.store.CreateSession(ctx, &ss); err != nil {
			return "", err
		}
		a.session, a.via = ss.ID, sessionTarget(ss.ID)
		return "session " + itoa(ss.ID) + " opened", nil
	})
	if err != nil {
		return SessionGrant{}, err
	}
	return SessionGrant{Token: token, CSRF: csrf, Operator: o.View(), ExpiresAt: ss.ExpiresAt}, nil
}

// SessionActor returns the actor a session token stands for, with the operator's current
// permissions, and the session (its CSRF value to check). A token that is unknown, signed out or
// revoked, a session idle too long or past its absolute end, and the session of a deactivated
// operator are unauthorized. A request refreshes the session's last-seen time (written at most
// once a minute). It writes no audit entry: the actions the actor then takes do.
func (s *Service) SessionActor(ctx context.Context, token, from string) (Actor, Session, error) {
	if token == "" {
		return Actor{}, Session{}, errSession("no session token was given")
	}
	ss, err := s.store.SessionByHash(ctx, SecretHash(token))
	if isNotFound(err) {
		return Actor{}, Session{}, errSession("the session is unknown; sign in")
	}
	if err != nil {
		return Actor{}, Session{}, storeError(err)
	}
	now := s.stamp()
	switch {
	case !ss.RevokedAt.IsZero():
		return Actor{}, Session{}, errSession("the session was signed out or revoked; sign in")
	case !now.Before(ss.ExpiresAt):
		return Actor{}, Session{}, errSessionExpired("the session reached its %s limit; sign in again", s.sessionMax)
	case now.Sub(ss.LastSeen) >= s.sessionIdle:
		return Actor{}, Session{}, errSessionExpired("the session was idle for %s or more; sign in again", s.sessionIdle)
	}
	o, err := s.store.Operator(ctx, ss.OperatorID)
	if err != nil && !isNotFound(err) {
		return Actor{}, Session{}, storeError(err)
	}
	if err != nil || o.Status != OperatorActive {
		return Actor{}, Session{}, errSession("the session's operator is deactivated")
	}
	a, err := s.actorOf(ctx, o, sessionTarget(ss.ID), from, ss.SecondFactor)
	if err != nil {
		return Actor{}, Session{}, storeError(err)
	}
	if o.MustChangePassword {
		a.perms = nil
	}
	a.session = ss.ID
	if now.Sub(ss.LastSeen) >= sessionTouch {
		if err := s.store.TouchSession(ctx, ss.ID, now); err != nil {
			return Actor{}, Session{}, storeError(err)
		}
		ss.LastSeen = now
	}
	return a, ss, nil
}

// CloseSession signs the actor out of the session it acts through.
func (s *Service) CloseSession(ctx context.Context, a Actor) error {
	if a.kind != ActorOperator || a.session == 0 {
		return core.Errorf(core.CodeInvalid, ReasonNotSession, "only an operator signed in with a session can sign out of it")
	}
	_, err := change(ctx, s, a, "", ActionSignOut, func(ctx context.Context) (struct{}, Change, error) {
		open, err := s.store.RevokeSession(ctx, a.session, s.stamp())
		if err != nil {
			return struct{}{}, Change{}, err
		}
		if !open {
			return struct{}{}, Change{}, errSession("the session was signed out or revoked already")
		}
		return struct{}{}, Change{Target: sessionTarget(a.session), Detail: "signed out"}, nil
	})
	return err
}

// Sessions returns the open sessions of an operator, newest first: the actor's own, or, with
// PermOperatorsManage, those of an operator of their utility.
func (s *Service) Sessions(ctx context.Context, a Actor, operatorID int64) ([]SessionView, error) {
	if _, err := s.ownOrManage(ctx, a, ActionSessionList, operatorID); err != nil {
		return nil, err
	}
	now := s.stamp()
	list, err := s.store.OpenSessions(ctx, operatorID, now)
	if err != nil {
		return nil, storeError(err)
	}
	out := make([]SessionView, 0, len(list))
	for _, ss := range list {
		if now.Sub(ss.LastSeen) < s.sessionIdle {
			out = append(out, ss.View())
		}
	}
	return out, nil
}

// RevokeSessions ends every open session of an operator (the actor's own, or, with
// PermOperatorsManage, an operator's of their utility) and returns how many it ended.
func (s *Service) RevokeSessions(ctx context.Context, a Actor, operatorID int64) (int, error) {
	perm, err := s.ownOrManage(ctx, a, ActionSessionsRevoke, operatorID)
	if err != nil {
		return 0, err
	}
	return change(ctx, s, a, perm, ActionSessionsRevoke, func(ctx context.Context) (int, Change, error) {
		n, err := s.store.RevokeSessions(ctx, operatorID, s.stamp())
		return n, Change{Target: operatorTarget(operatorID), Detail: plural(n, "session") + " revoked"}, err
	})
}

// plural writes "1 session", "3 sessions".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return itoa(int64(n)) + " " + what + "s"
}

func errSession(why string) error {
	return core.Errorf(core.CodeUnauthorized, ReasonSessionInvalid, "%s", why)
}

func errSessionExpired(format string, args ...any) error {
	return core.Errorf(core.CodeUnauthorized, ReasonSessionExpired, format, args...)
}
