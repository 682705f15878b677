package backoffice

import (
	"errors"
	"maps"

	"github.com/vendgate/vendgate/core"
)

// The reasons the back office gives, beside core's (core.Reasons).
const (
	ReasonPermissionDenied    core.Reason = "permission_denied" // the actor lacks the permission named in the message
	ReasonOutOfScope          core.Reason = "out_of_scope"      // the record belongs to another utility or hall
	ReasonStaleVersion        core.Reason = "stale_version"     // the record changed since it was read
	ReasonInvalidAudit        core.Reason = "invalid_audit_query"
	ReasonInvalidRole         core.Reason = "invalid_role"
	ReasonUnknownRole         core.Reason = "unknown_role"
	ReasonBuiltInRole         core.Reason = "built_in_role"
	ReasonDuplicateRole       core.Reason = "duplicate_role"
	ReasonBadCredentials      core.Reason = "bad_credentials" // a sign-in failed; which part is never said
	ReasonWeakPassword        core.Reason = "weak_password"
	ReasonInvalidOperator     core.Reason = "invalid_operator"
	ReasonDuplicateOperator   core.Reason = "duplicate_operator"
	ReasonAlreadyBootstrapped core.Reason = "already_bootstrapped"
	ReasonNoTOTPPending       core.Reason = "no_totp_pending"
	ReasonBadTOTPCode         core.Reason = "bad_totp_code"
)

// foundationReasons are the reasons of permissions, roles, operators and the audit trail. Each
// other file of reasons adds its own map to reasonLists.
var foundationReasons = map[core.Reason]core.Code{
	ReasonPermissionDenied:    core.CodeForbidden,
	ReasonOutOfScope:          core.CodeForbidden,
	ReasonStaleVersion:        core.CodeConflict,
	ReasonInvalidAudit:        core.CodeInvalid,
	ReasonInvalidRole:         core.CodeInvalid,
	ReasonUnknownRole:         core.CodeInvalid,
	ReasonBuiltInRole:         core.CodeConflict,
	ReasonDuplicateRole:       core.CodeDuplicate,
	ReasonBadCredentials:      core.CodeUnauthorized,
	ReasonWeakPassword:        core.CodeInvalid,
	ReasonInvalidOperator:     core.CodeInvalid,
	ReasonDuplicateOperator:   core.CodeDuplicate,
	ReasonAlreadyBootstrapped: core.CodeConflict,
	ReasonNoTOTPPending:       core.CodeConflict,
	ReasonBadTOTPCode:         core.CodeInvalid,
}

// reasonLists are the maps of reasons, one per concern.
var reasonLists = []map[core.Reason]core.Code{foundationReasons}

// Reasons returns the closed list of the back office's own reasons, each with its code.
func Reasons() map[core.Reason]core.Code {
	out := map[core.Reason]core.Code{}
	for _, l := range reasonLists {
		maps.Copy(out, l)
	}
	return out
}

// isNotFound and isDuplicate read a store's answer, as a core error or a core sentinel.
func isNotFound(err error) bool {
	return errors.Is(err, core.ErrNotFound) || core.ErrorCode(err) == core.CodeNotFound
}

func isDuplicate(err error) bool {
	return errors.Is(err, core.ErrDuplicate) || core.ErrorCode(err) == core.CodeDuplicate
}
