package backoffice

import (
	"context"
	"strings"

	"github.com/vendgate/vendgate/core"
)

// RecordStore keeps the records a utility runs: one store interface per object, each in the
// object's file (utility.go, meter.go ...).
type RecordStore interface {
	UtilityStore
	SupplyGroupStore
	TariffStore
	CustomerStore
	MeterStore
	AgentStore
	InstitutionStore
	ServiceCodeStore
	VendStore
	ReplyStore
	LedgerStore
}

// recordDeps are what some records' use cases need beside the store: the sealer that vending keys
// are imported under (WithSealer).
type recordDeps struct {
	sealer *core.Sealer
}

// The reasons of the records' use cases.
const (
	ReasonInvalidPage     core.Reason = "invalid_page"     // a list's cursor or limit is out of range
	ReasonInvalidFilter   core.Reason = "invalid_filter"   // a list's filter names no status there is
	ReasonInvalidRecord   core.Reason = "invalid_record"   // a create or an update names a bad field
	ReasonNotConfigured   core.Reason = "not_configured"   // the service was built without what the use case needs
	ReasonNothingChanged  core.Reason = "nothing_changed"  // an update that changes no field
	ReasonDuplicateRecord core.Reason = "duplicate_record" // a record with the same code exists
)

var recordReasons = map[core.Reason]core.Code{
	ReasonInvalidPage:     core.CodeInvalid,
	ReasonInvalidFilter:   core.CodeInvalid,
	ReasonInvalidRecord:   core.CodeInvalid,
	ReasonNotConfigured:   core.CodeInternal,
	ReasonNothingChanged:  core.CodeInvalid,
	ReasonDuplicateRecord: core.CodeDuplicate,
}

func init() { reasonLists = append(reasonLists, recordReasons) }

// MaxPage bounds the records one list returns.
const MaxPage = 500

// Page selects a page of a list by ID: the records after AfterID, at most Limit (1 to MaxPage; 0
// is MaxPage).
type Page struct {
	AfterID int64
	Limit   int
}

// checked returns the page with its limit bounded, or an error naming the bad field.
func (p Page) checked() (Page, error) {
	switch {
	case p.AfterID < 0:
		return p, core.Errorf(core.CodeInvalid, ReasonInvalidPage, "the page cursor must be a record's id").OnField("after")
	case p.Limit < 0 || p.Limit > MaxPage:
		return p, core.Errorf(core.CodeInvalid, ReasonInvalidPage, "a page holds 1 to %d records", MaxPage).OnField("limit")
	case p.Limit == 0:
		p.Limit = MaxPage
	}
	return p, nil
}

// listUtility is the utility a list is limited to: the actor's, when the actor is limited to one.
// An actor limited to one utility who asks for another's records is refused, and the refusal
// audited.
func (s *Service) listUtility(ctx context.Context, a Actor, perm Permission, action Action, want int64) (int64, error) {
	if a.UtilityID() == 0 {
		return want, nil
	}
	if want != 0 && want != a.UtilityID() {
		return 0, s.inScope(ctx, a, perm, action, "utility:"+itoa(want), want)
	}
	return a.UtilityID(), nil
}

// owner says which utility a record belongs to: it reads the record and returns its utility, a
// not_found error naming the record when it does not exist.
type owner func(ctx context.Context) (int64, error)

// actOn is act on one record of a utility: the permission first, then the record's utility
// against the actor's scope (each refusal audited), then the change and its audit entry in one
// transaction. The scope is checked before the transaction so that a refusal's audit entry is
// not rolled back with it; the records' utility never changes.
func actOn[T any](ctx context.Context, s *Service, a Actor, perm Permission, action Action, target string, of owner,
	fn func(ctx context.Context) (T, Change, error)) (T, error) {
	var zero T
	if err := s.allow(ctx, a, perm, action, target); err != nil {
		return zero, err
	}
	if err := s.checkOwner(ctx, a, perm, action, target, of); err != nil {
		return zero, err
	}
	return act(ctx, s, a, perm, action, fn)
}

// readOn is read on one record of a utility, with the scope checked as actOn does.
func readOn[T any](ctx context.Context, s *Service, a Actor, perm Permission, action Action, target string, of owner,
	fn func(ctx context.Context) (T, error)) (T, error) {
	var zero T
	if err := s.allow(ctx, a, perm, action, target); err != nil {
		return zero, err
	}
	if err := s.checkOwner(ctx, a, perm, action, target, of); err != nil {
		return zero, err
	}
	return read(ctx, s, a, perm, action, fn)
}

func (s *Service) checkOwner(ctx context.Context, a Actor, perm Permission, action Action, target string, of owner) error {
	if of == nil {
		return nil
	}
	utility, err := of(ctx)
	if err != nil {
		return storeError(err)
	}
	return s.inScope(ctx, a, perm, action, target, utility)
}

// refuseScope audits the refusal of what the actor's scope does not allow, in a transaction of its
// own, and returns it as forbidden with message.
func (s *Service) refuseScope(ctx context.Context, a Actor, perm Permission, action Action, target, message string) error {
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		return s.audit(ctx, a, perm, action, OutcomeDenied, Change{Target: target, Detail: message})
	})
	if err != nil {
		return storeError(err)
	}
	return core.Errorf(core.CodeForbidden, ReasonOutOfScope, "%s", message)
}

// ofUtility is the owner of a record that names its utility.
func ofUtility(id int64) owner { return func(context.Context) (int64, error) { return id, nil } }

// missing is the not_found error of a record an operator named, with the field it came from.
func missing(reason core.Reason, field, what string, id any) error {
	return core.Errorf(core.CodeNotFound, reason, "%s %v does not exist", what, id).OnField(field)
}

// found turns a store's not-found for a record into missing; other errors pass.
func found(err error, reason core.Reason, field, what string, id any) error {
	if isNotFound(err) {
		return missing(reason, field, what, id)
	}
	return err
}

// invalid is a bad field of a create or an update.
func invalid(field, format string, args ...any) error {
	return core.Errorf(core.CodeInvalid, ReasonInvalidRecord, format, args...).OnField(field)
}

// trimmed returns s without surrounding space, and whether anything is left.
func trimmed(s string) (string, bool) {
	s = strings.TrimSpace(s)
	return s, s != ""
}

// checkVersion refuses an update that names no version: an operator's edit always names the
// version of the record it read.
func checkVersion(v int64) error {
	if v <= 0 {
		return invalid("version", "an update names the version of the record it read")
	}
	return nil
}

// editing is how an update reads, checks, changes and saves a record of type R shown as V.
type editing[R, V any] struct {
	load    func(ctx context.Context) (R, error)
	version func(R) int64
	edit    func(*R) error
	save    func(ctx context.Context, r *R) error
	view    func(R) V
}

// edited runs an update inside act's transaction: the record is read, refused as stale unless it
// is at the version the operator read, edited, saved (the store refuses a version that moved on
// meanwhile) and returned with the change for the audit trail.
func edited[R, V any](ctx context.Context, target string, version int64, e editing[R, V]) (V, Change, error) {
	var zero V
	if err := checkVersion(version); err != nil {
		return zero, Change{}, err
	}
	r, err := e.load(ctx)
	if err != nil {
		return zero, Change{}, err
	}
	if got := e.version(r); got != version {
		return zero, Change{}, core.Errorf(core.CodeConflict, ReasonStaleVersion,
			"%s was changed by someone else: it is at version %d, not %d; read it again", target, got, version).OnField("version")
	}
	before := e.view(r)
	if err := e.edit(&r); err != nil {
		return zero, Change{}, err
	}
	if err := e.save(ctx, &r); err != nil {
		return zero, Change{}, err
	}
	after := e.view(r)
	return after, Change{Target: target, Before: before, After: after}, nil
}
