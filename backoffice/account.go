package backoffice

import (
	"context"

	"github.com/vendgate/vendgate/core"
)

// What an operator does to their own account. These need no permission: any signed-in operator
// may change their own password and enrol a second factor, and nobody else's.
const (
	ActionPasswordChange Action = "operator.change_password"
	ActionTOTPEnrol      Action = "operator.enrol_totp"
	ActionTOTPConfirm    Action = "operator.confirm_totp"
)

// self runs a change of the actor's own account in one transaction with its audit entry.
func (s *Service) self(ctx context.Context, a Actor, action Action, fn func(ctx context.Context, o *Operator) (string, error)) error {
	if a.kind != ActorOperator || a.id == 0 {
		return core.Errorf(core.CodeForbidden, ReasonPermissionDenied, "%s is for a signed-in operator", action)
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		o, err := s.store.Operator(ctx, a.id)
		if err != nil {
			return err
		}
		before := o.View()
		detail, err := fn(ctx, &o)
		if err != nil {
			return err
		}
		if err := s.store.SaveOperator(ctx, &o); err != nil {
			return err
		}
		return s.audit(ctx, a, "", action, OutcomeDone, Change{Target: operatorTarget(o.ID), Before: before, After: o.View(), Detail: detail})
	})
}

// ChangePassword sets the actor's new password, given the current one. It clears a one-time
// password's restriction from the next sign-in on.
func (s *Service) ChangePassword(ctx context.Context, a Actor, current, next string) error {
	return s.self(ctx, a, ActionPasswordChange, func(ctx context.Context, o *Operator) (string, error) {
		if !checkPassword(o.PasswordHash, current) {
			return "", core.Errorf(core.CodeUnauthorized, ReasonBadCredentials, "the current password is wrong").OnField("current_password")
		}
		if err := checkNewPassword(o.Username, next); err != nil {
			return "", err
		}
		if current == next {
			return "", core.Errorf(core.CodeInvalid, ReasonWeakPassword, "the new password must differ from the current one").OnField("password")
		}
		h, err := s.cost.hash(next)
		if err != nil {
			return "", err
		}
		o.PasswordHash, o.MustChangePassword = h, false
		return "password changed", nil
	})
}

// TOTPEnrolment is a second-factor secret to load into an authenticator app: the base32 secret
// and the otpauth:// URI its QR code carries. It is shown once.
type TOTPEnrolment struct {
	Secret string `json:"secret"`
	URI    string `json:"otpauth_uri"`
}

// EnrolTOTP starts the enrolment of a second factor for the actor: a new secret, pending until
// ConfirmTOTP proves the app holds it. An operator who holds one already re-enrols (a new phone)
// only by confirming with a code of the new secret; the old one stays until then.
func (s *Service) EnrolTOTP(ctx context.Context, a Actor, issuer string) (TOTPEnrolment, error) {
	var out TOTPEnrolment
	err := s.self(ctx, a, ActionTOTPEnrol, func(ctx context.Context, o *Operator) (string, error) {
		secret, err := newTOTPSecret()
		if err != nil {
			return "", err
		}
		o.TOTPPending = secret
		out = TOTPEnrolment{Secret: secret, URI: totpURI(issuer, o.Username, secret)}
		return "second factor enrolment started", nil
	})
	return out, err
}

// ConfirmTOTP completes an enrolment with a code from the new secret.
func (s *Service) ConfirmTOTP(ctx context.Context, a Actor, code string) error {
	return s.self(ctx, a, ActionTOTPConfirm, func(ctx context.Context, o *Operator) (string, error) {
		if o.TOTPPending == "" {
			return "", core.Errorf(core.CodeConflict, ReasonNoTOTPPending, "no second factor enrolment is pending; start one first")
		}
		step, ok := checkTOTP(o.TOTPPending, code, s.now())
		if !ok {
			return "", core.Errorf(core.CodeInvalid, ReasonBadTOTPCode, "the code does not match the new secret; check the phone's clock").OnField("code")
		}
		o.TOTPSecret, o.TOTPPending, o.TOTPLastStep = o.TOTPPending, "", step
		return "second factor enrolled", nil
	})
}
