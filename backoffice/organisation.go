package backoffice

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vendgate/vendgate/core"
)

// The organisation of a utility: its departments, its vending halls (the sites where cashiers
// sell) and its terminals (terminal.go). Each record belongs to one utility, is changed at the
// version it was read and is deactivated, never deleted, so that what refers to it stays whole.

// Organisation actions.
const (
	ActionDepartmentRead       Action = "department.read"
	ActionDepartmentCreate     Action = "department.create"
	ActionDepartmentUpdate     Action = "department.update"
	ActionDepartmentDeactivate Action = "department.deactivate"
	ActionHallRead             Action = "hall.read"
	ActionHallCreate           Action = "hall.create"
	ActionHallUpdate           Action = "hall.update"
	ActionHallDeactivate       Action = "hall.deactivate"
)

// The reasons of the organisation's records.
const (
	ReasonInvalidDepartment   core.Reason = "invalid_department"
	ReasonDuplicateDepartment core.Reason = "duplicate_department"
	ReasonInvalidHall         core.Reason = "invalid_hall"
	ReasonDuplicateHall       core.Reason = "duplicate_hall"
	ReasonUnknownHall         core.Reason = "unknown_hall" // a hall named by another record does not exist, is inactive or is another utility's
	ReasonInvalidOrgQuery     core.Reason = "invalid_organisation_query"
	ReasonAlreadyInactive     core.Reason = "already_inactive"
)

var organisationReasons = map[core.Reason]core.Code{
	ReasonInvalidDepartment:   core.CodeInvalid,
	ReasonDuplicateDepartment: core.CodeDuplicate,
	ReasonInvalidHall:         core.CodeInvalid,
	ReasonDuplicateHall:       core.CodeDuplicate,
	ReasonUnknownHall:         core.CodeInvalid,
	ReasonInvalidOrgQuery:     core.CodeInvalid,
	ReasonAlreadyInactive:     core.CodeConflict,
}

func init() { reasonLists = append(reasonLists, organisationReasons) }

// Department is a part of a utility (revenue, metering, customer service ...).
type Department struct {
	ID        int64     `json:"id"`
	UtilityID int64     `json:"utility_id"`
	Code      string    `json:"code"` // unique in the utility
	Name      string    `json:"name"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	Version   int64     `json:"version"`
}

// Hall is a vending hall: a site of the utility where cashiers sell. An operator limited to a
// hall (Operator.HallID) names one.
type Hall struct {
	ID           int64     `json:"id"`
	UtilityID    int64     `json:"utility_id"`
	DepartmentID int64     `json:"department_id,omitempty"` // 0 for none
	Code         string    `json:"code"`                    // unique in the utility
	Name         string    `json:"name"`
	Address      string    `json:"address"`
	Active       bool      `json:"active"`
	CreatedAt    time.Time `json:"created_at"`
	Version      int64     `json:"version"`
}

// RecordState filters records by whether they are active.
type RecordState string

// Record states; "" selects both.
const (
	StateActive   RecordState = "active"
	StateInactive RecordState = "inactive"
)

// OrgQuery selects departments, halls or terminals: a page by ID, filtered.
type OrgQuery struct {
	// UtilityID selects one utility's records; 0 selects every utility's for an operator of
	// every utility. An operator of one utility always gets its own utility's (and is refused
	// another's).
	UtilityID int64
	AfterID   int64
	Limit     int // 1 to MaxOrgPage; 0 for MaxOrgPage
	// Search is a part of the code (a terminal's serial) or the name, in any case; "" for any.
	Search string
	State  RecordState
	// DepartmentID selects halls of a department; HallID and AgentID terminals of a hall or an
	// agent. 0 for any; each applies only to the records that have the field.
	DepartmentID int64
	HallID       int64
	AgentID      int64
}

// MaxOrgPage bounds the records one list returns.
const MaxOrgPage = 500

// OrganisationStore keeps departments, halls and terminals. Create sets the ID, CreatedAt and
// Version 1 (a taken code or serial is a duplicate); Save updates a record at the Version it was
// read and moves the version on (a stale version is a conflict); a read of an unknown ID is
// not_found; lists are by ID.
type OrganisationStore interface {
	CreateDepartment(ctx context.Context, d *Department) error
	Department(ctx context.Context, id int64) (Department, error)
	SaveDepartment(ctx context.Context, d *Department) error
	Departments(ctx context.Context, q OrgQuery) ([]Department, error)

	CreateHall(ctx context.Context, h *Hall) error
	Hall(ctx context.Context, id int64) (Hall, error)
	SaveHall(ctx context.Context, h *Hall) error
	Halls(ctx context.Context, q OrgQuery) ([]Hall, error)

	TerminalStore
}

// listRecords returns a page of records as q selects them: the query is checked, its limit
// bounded, and an operator of one utility gets only its utility's (asking for another's is
// refused, and audited).
func listRecords[T any](ctx context.Context, s *Service, a Actor, action Action, q OrgQuery,
	list func(context.Context, OrgQuery) ([]T, error)) ([]T, error) {
	return read(ctx, s, a, PermOrganisationRead, action, func(ctx context.Context) ([]T, error) {
		switch {
		case q.AfterID < 0:
			return nil, core.Errorf(core.CodeInvalid, ReasonInvalidOrgQuery, "the page cursor must be a record's ID").OnField("after")
		case q.State != "" && q.State != StateActive && q.State != StateInactive:
			return nil, core.Errorf(core.CodeInvalid, ReasonInvalidOrgQuery, "state %q: active, inactive or empty", q.State).OnField("state")
		}
		if q.UtilityID != 0 {
			if err := s.inScope(ctx, a, PermOrganisationRead, action, "utility:"+itoa(q.UtilityID), q.UtilityID); err != nil {
				return nil, err
			}
		}
		if a.UtilityID() != 0 {
			q.UtilityID = a.UtilityID()
		}
		if q.Limit <= 0 || q.Limit > MaxOrgPage {
			q.Limit = MaxOrgPage
		}
		q.Search = strings.TrimSpace(q.Search)
		return list(ctx, q)
	})
}

// ownUtility is the utility a new record belongs to: the one given, or else the operator's own.
func ownUtility(a Actor, id int64) int64 {
	if id == 0 {
		return a.UtilityID()
	}
	return id
}

// orgRecord is what the shared steps of the organisation's use cases need of a record.
type orgRecord[T any] interface {
	*T
	utility() int64
	target() string
	version() *int64
	deactivate() bool // false when it was inactive already
}

func (d *Department) utility() int64   { return d.UtilityID }
func (d *Department) target() string   { return "department:" + itoa(d.ID) }
func (d *Department) version() *int64  { return &d.Version }
func (d *Department) deactivate() bool { was := d.Active; d.Active = false; return was }
func (h *Hall) utility() int64         { return h.UtilityID }
func (h *Hall) target() string         { return "hall:" + itoa(h.ID) }
func (h *Hall) version() *int64        { return &h.Version }
func (h *Hall) deactivate() bool       { was := h.Active; h.Active = false; return was }

// showRecord reads one record and checks it is of the actor's utility.
func showRecord[T any, P orgRecord[T]](ctx context.Context, s *Service, a Actor, action Action, id int64,
	get func(context.Context, int64) (T, error)) (T, error) {
	return read(ctx, s, a, PermOrganisationRead, action, func(ctx context.Context) (T, error) {
		r, err := get(ctx, id)
		if err != nil {
			return r, err
		}
		return r, s.inScope(ctx, a, PermOrganisationRead, action, P(&r).target(), P(&r).utility())
	})
}

// createRecord creates a record of the utility the actor may act on, audited.
func createRecord[T any, P orgRecord[T]](ctx context.Context, s *Service, a Actor, action Action, r T,
	check func(context.Context, *T) error, create func(context.Context, *T) error) (T, error) {
	if err := s.allow(ctx, a, PermOrganisationManage, action, ""); err != nil {
		return r, err
	}
	if err := s.inScope(ctx, a, PermOrganisationManage, action, "utility:"+itoa(P(&r).utility()), P(&r).utility()); err != nil {
		return r, err
	}
	return act(ctx, s, a, PermOrganisationManage, action, func(ctx context.Context) (T, Change, error) {
		if err := check(ctx, &r); err != nil {
			return r, Change{}, err
		}
		if err := create(ctx, &r); err != nil {
			return r, Change{}, err
		}
		return r, Change{Target: P(&r).target(), After: r}, nil
	})
}

// changeRecord changes a record at the version the caller read: the actor's scope is checked on
// the stored record first (outside the action's transaction, so that a refusal's audit entry is
// kept), then edit runs on the record read again in the transaction and the record is saved at
// version; a record changed since is a conflict.
func changeRecord[T any, P orgRecord[T]](ctx context.Context, s *Service, a Actor, action Action, id, version int64,
	get func(context.Context, int64) (T, error), save func(context.Context, *T) error,
	edit func(ctx context.Context, r *T) (detail string, err error)) (T, error) {
	var zero T
	if err := s.allow(ctx, a, PermOrganisationManage, action, ""); err != nil {
		return zero, err
	}
	stored, err := get(ctx, id)
	if err != nil {
		return zero, storeError(err)
	}
	if err := s.inScope(ctx, a, PermOrganisationManage, action, P(&stored).target(), P(&stored).utility()); err != nil {
		return zero, err
	}
	return act(ctx, s, a, PermOrganisationManage, action, func(ctx context.Context) (T, Change, error) {
		r, err := get(ctx, id)
		if err != nil {
			return r, Change{}, err
		}
		before := r
		if P(&r).utility() != P(&stored).utility() {
			return r, Change{}, core.Errorf(core.CodeConflict, ReasonStaleVersion, "%s moved to another utility; read it again", P(&r).target())
		}
		*P(&r).version() = version
		detail, err := edit(ctx, &r)
		if err != nil {
			return r, Change{}, err
		}
		if err := save(ctx, &r); err != nil {
			return r, Change{}, err
		}
		return r, Change{Target: P(&r).target(), Before: before, After: r, Detail: detail}, nil
	})
}

// deactivateEdit is the edit of a deactivation.
func deactivateEdit[T any, P orgRecord[T]](what string) func(context.Context, *T) (string, error) {
	return func(_ context.Context, r *T) (string, error) {
		if !P(r).deactivate() {
			return "", core.Errorf(core.CodeConflict, ReasonAlreadyInactive, "%s is inactive already", P(r).target())
		}
		return what + " deactivated", nil
	}
}

// checkText trims a required text field and checks its length.
func checkText(reason core.Reason, field, label, v string, maxLen int) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" || utf8.RuneCountInString(v) > maxLen {
		return v, core.Errorf(core.CodeInvalid, reason, "%s must be 1 to %d characters", label, maxLen).OnField(field)
	}
	return v, nil
}

// checkUtility checks a new record names a utility.
func checkUtility(reason core.Reason, id int64) error {
	if id <= 0 {
		return core.Errorf(core.CodeInvalid, reason, "the utility is required").OnField("utility_id")
	}
	return nil
}

// duplicate turns a store's duplicate into the record's own duplicate reason, naming the field.
func duplicate(err error, reason core.Reason, field, format string, args ...any) error {
	if isDuplicate(err) {
		return core.Errorf(core.CodeDuplicate, reason, format, args...).OnField(field)
	}
	return err
}

// NewDepartment is what CreateDepartment takes.
type NewDepartment struct {
	UtilityID int64
	Code      string
	Name      string
}

// DepartmentUpdate is what UpdateDepartment takes: the new code and name, and the version read.
type DepartmentUpdate struct {
	ID      int64
	Version int64
	Code    string
	Name    string
}

func (d *Department) check() error {
	var err error
	if err = checkUtility(ReasonInvalidDepartment, d.UtilityID); err != nil {
		return err
	}
	if d.Code, err = checkText(ReasonInvalidDepartment, "code", "the department's code", d.Code, 32); err != nil {
		return err
	}
	d.Name, err = checkText(ReasonInvalidDepartment, "name", "the department's name", d.Name, 120)
	return err
}

// Departments returns a page of departments.
func (s *Service) Departments(ctx context.Context, a Actor, q OrgQuery) ([]Department, error) {
	return listRecords(ctx, s, a, ActionDepartmentRead, q, s.store.Departments)
}

// Department returns a department.
func (s *Service) Department(ctx context.Context, a Actor, id int64) (Department, error) {
	return showRecord(ctx, s, a, ActionDepartmentRead, id, s.store.Department)
}

// CreateDepartment creates an active department.
func (s *Service) CreateDepartment(ctx context.Context, a Actor, n NewDepartment) (Department, error) {
	return createRecord(ctx, s, a, ActionDepartmentCreate, Department{UtilityID: ownUtility(a, n.UtilityID), Code: n.Code, Name: n.Name, Active: true},
		func(_ context.Context, d *Department) error { return d.check() },
		func(ctx context.Context, d *Department) error {
			return duplicate(s.store.CreateDepartment(ctx, d), ReasonDuplicateDepartment, "code", "the utility has a department with code %q", d.Code)
		})
}

// UpdateDepartment changes a department's code and name.
func (s *Service) UpdateDepartment(ctx context.Context, a Actor, u DepartmentUpdate) (Department, error) {
	return changeRecord(ctx, s, a, ActionDepartmentUpdate, u.ID, u.Version, s.store.Department, s.saveDepartment,
		func(_ context.Context, d *Department) (string, error) {
			d.Code, d.Name = u.Code, u.Name
			return "", d.check()
		})
}

// DeactivateDepartment deactivates a department at the version read.
func (s *Service) DeactivateDepartment(ctx context.Context, a Actor, id, version int64) (Department, error) {
	return changeRecord(ctx, s, a, ActionDepartmentDeactivate, id, version, s.store.Department, s.saveDepartment,
		deactivateEdit[Department]("department"))
}

func (s *Service) saveDepartment(ctx context.Context, d *Department) error {
	return duplicate(s.store.SaveDepartment(ctx, d), ReasonDuplicateDepartment, "code", "the utility has a department with code %q", d.Code)
}

// NewHall is what CreateHall takes.
type NewHall struct {
	UtilityID    int64
	DepartmentID int64 // 0 for none
	Code         string
	Name         string
	Address      string
}

// HallUpdate is what UpdateHall takes: the hall's new fields and the version read.
type HallUpdate struct {
	ID           int64
	Version      int64
	DepartmentID int64
	Code         string
	Name         string
	Address      string
}

// checkHall checks a hall's fields, and that its department is an active one of its utility.
func (s *Service) checkHall(ctx context.Context, h *Hall) error {
	var err error
	if err = checkUtility(ReasonInvalidHall, h.UtilityID); err != nil {
		return err
	}
	if h.Code, err = checkText(ReasonInvalidHall, "code", "the hall's code", h.Code, 32); err != nil {
		return err
	}
	if h.Name, err = checkText(ReasonInvalidHall, "name", "the hall's name", h.Name, 120); err != nil {
		return err
	}
	h.Address = strings.TrimSpace(h.Address)
	if utf8.RuneCountInString(h.Address) > 240 {
		return core.Errorf(core.CodeInvalid, ReasonInvalidHall, "the hall's address must be at most 240 characters").OnField("address")
	}
	if h.DepartmentID == 0 {
		return nil
	}
	d, err := s.store.Department(ctx, h.DepartmentID)
	if isNotFound(err) || err == nil && (!d.Active || d.UtilityID != h.UtilityID) {
		return core.Errorf(core.CodeInvalid, ReasonInvalidHall, "department %d is not an active department of utility %d", h.DepartmentID, h.UtilityID).OnField("department_id")
	}
	return err
}

// Halls returns a page of vending halls.
func (s *Service) Halls(ctx context.Context, a Actor, q OrgQuery) ([]Hall, error) {
	return listRecords(ctx, s, a, ActionHallRead, q, s.store.Halls)
}

// Hall returns a vending hall.
func (s *Service) Hall(ctx context.Context, a Actor, id int64) (Hall, error) {
	return showRecord(ctx, s, a, ActionHallRead, id, s.store.Hall)
}

// CreateHall creates an active vending hall.
func (s *Service) CreateHall(ctx context.Context, a Actor, n NewHall) (Hall, error) {
	return createRecord(ctx, s, a, ActionHallCreate,
		Hall{UtilityID: ownUtility(a, n.UtilityID), DepartmentID: n.DepartmentID, Code: n.Code, Name: n.Name, Address: n.Address, Active: true},
		s.checkHall,
		func(ctx context.Context, h *Hall) error {
			return duplicate(s.store.CreateHall(ctx, h), ReasonDuplicateHall, "code", "the utility has a hall with code %q", h.Code)
		})
}

// UpdateHall changes a hall's department, code, name and address.
func (s *Service) UpdateHall(ctx context.Context, a Actor, u HallUpdate) (Hall, error) {
	return changeRecord(ctx, s, a, ActionHallUpdate, u.ID, u.Version, s.store.Hall, s.saveHall,
		func(ctx context.Context, h *Hall) (string, error) {
			h.DepartmentID, h.Code, h.Name, h.Address = u.DepartmentID, u.Code, u.Name, u.Address
			return "", s.checkHall(ctx, h)
		})
}

// DeactivateHall deactivates a hall at the version read: CheckHall refuses it from then on.
// Operators limited to it keep their HallID and its terminals stay tied to it.
func (s *Service) DeactivateHall(ctx context.Context, a Actor, id, version int64) (Hall, error) {
	return changeRecord(ctx, s, a, ActionHallDeactivate, id, version, s.store.Hall, s.saveHall, deactivateEdit[Hall]("hall"))
}

func (s *Service) saveHall(ctx context.Context, h *Hall) error {
	return duplicate(s.store.SaveHall(ctx, h), ReasonDuplicateHall, "code", "the utility has a hall with code %q", h.Code)
}

// CheckHall returns nil when hallID is 0 (no hall) or names an active vending hall of the
// utility; otherwise an invalid error on the field hall_id. It is the check of an operator's
// hall (Operator.HallID) and of any record that names a hall; a hall needs a utility.
func (s *Service) CheckHall(ctx context.Context, utilityID, hallID int64) error {
	if hallID == 0 {
		return nil
	}
	if utilityID == 0 {
		return core.Errorf(core.CodeInvalid, ReasonUnknownHall, "a hall belongs to one utility: name the utility too").OnField("utility_id")
	}
	h, err := s.store.Hall(ctx, hallID)
	if isNotFound(err) || err == nil && (!h.Active || h.UtilityID != utilityID) {
		return core.Errorf(core.CodeInvalid, ReasonUnknownHall, "hall %d is not an active vending hall of utility %d", hallID, utilityID).OnField("hall_id")
	}
	return storeError(err)
}
