package backoffice

import "github.com/vendgate/vendgate/core"

// The reasons of sessions, API tokens, and the management of operators and roles.
const (
	ReasonSessionInvalid    core.Reason = "session_invalid"    // unknown, signed out, revoked, or its operator deactivated
	ReasonSessionExpired    core.Reason = "session_expired"    // idle too long, or past its absolute end
	ReasonNotSession        core.Reason = "not_a_session"      // signing out an actor that came in otherwise
	ReasonTokenInvalid      core.Reason = "token_invalid"      // unknown, revoked, or its operator deactivated
	ReasonTokenExpired      core.Reason = "token_expired"      // past its end
	ReasonTokenRevoked      core.Reason = "token_revoked"      // revoking a token revoked already
	ReasonTokenScope        core.Reason = "token_scope"        // a token asked for more than its issuer may use
	ReasonInvalidToken      core.Reason = "invalid_token"      // a bad label, lifetime or empty scope
	ReasonUnknownPermission core.Reason = "unknown_permission" // a permission the catalogue does not know
	ReasonEscalation        core.Reason = "escalation"         // granting what the actor lacks, or changing their own roles
	ReasonOwnAccount        core.Reason = "own_account"        // an action for another operator's account, tried on one's own
	ReasonOperatorState     core.Reason = "operator_state"     // deactivating a deactivated operator, reactivating an active one
)

var accessReasons = map[core.Reason]core.Code{
	ReasonSessionInvalid:    core.CodeUnauthorized,
	ReasonSessionExpired:    core.CodeUnauthorized,
	ReasonNotSession:        core.CodeInvalid,
	ReasonTokenInvalid:      core.CodeUnauthorized,
	ReasonTokenExpired:      core.CodeUnauthorized,
	ReasonTokenRevoked:      core.CodeConflict,
	ReasonTokenScope:        core.CodeForbidden,
	ReasonInvalidToken:      core.CodeInvalid,
	ReasonUnknownPermission: core.CodeInvalid,
	ReasonEscalation:        core.CodeForbidden,
	ReasonOwnAccount:        core.CodeForbidden,
	ReasonOperatorState:     core.CodeConflict,
}

func init() { reasonLists = append(reasonLists, accessReasons) }
