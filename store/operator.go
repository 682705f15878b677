package store

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/backoffice"
)

var _ backoffice.OperatorStore = (*DB)(nil)

// operatorRow is a row of operators; roles are space-separated and sorted.
type operatorRow struct {
	bun.BaseModel `bun:"table:operators,alias:op"`

	ID                 int64     `bun:"id,pk,autoincrement"`
	Username           string    `bun:"username"`
	FullName           string    `bun:"full_name"`
	Email              string    `bun:"email"`
	Roles              string    `bun:"roles"`
	UtilityID          int64     `bun:"utility_id"`
	HallID             int64     `bun:"hall_id"`
	Status             string    `bun:"status"`
	PasswordHash       string    `bun:"password_hash"`
	MustChangePassword bool      `bun:"must_change_password"`
	TOTPSecret         string    `bun:"totp_secret"`
	TOTPLastStep       int64     `bun:"totp_last_step"`
	TOTPPending        string    `bun:"totp_pending"`
	FailedSignIns      int64     `bun:"failed_sign_ins"`
	LockedUntil        time.Time `bun:"locked_until,nullzero"`
	CreatedAt          time.Time `bun:"created_at"`
	Version            int64     `bun:"version"`
}

func fromOperator(o *backoffice.Operator) operatorRow {
	roles := slices.Clone(o.Roles)
	slices.Sort(roles)
	return operatorRow{ID: o.ID, Username: o.Username, FullName: o.FullName, Email: o.Email, Roles: strings.Join(roles, " "),
		UtilityID: o.UtilityID, HallID: o.HallID, Status: string(o.Status), PasswordHash: o.PasswordHash,
		MustChangePassword: o.MustChangePassword, TOTPSecret: o.TOTPSecret, TOTPLastStep: o.TOTPLastStep,
		TOTPPending: o.TOTPPending, FailedSignIns: int64(o.FailedSignIns), LockedUntil: o.LockedUntil.UTC(), CreatedAt: o.CreatedAt.UTC(), Version: o.Version}
}

func toOperator(r operatorRow) backoffice.Operator {
	o := backoffice.Operator{ID: r.ID, Username: r.Username, FullName: r.FullName, Email: r.Email, Roles: strings.Fields(r.Roles),
		UtilityID: r.UtilityID, HallID: r.HallID, Status: backoffice.OperatorStatus(r.Status), PasswordHash: r.PasswordHash,
		MustChangePassword: r.MustChangePassword, TOTPSecret: r.TOTPSecret, TOTPLastStep: r.TOTPLastStep,
		TOTPPending: r.TOTPPending, FailedSignIns: int(r.FailedSignIns), CreatedAt: r.CreatedAt.UTC(), Version: r.Version}
	if !r.LockedUntil.IsZero() {
		o.LockedUntil = r.LockedUntil.UTC()
	}
	return o
}

// CreateOperator inserts an operator; a taken username is core.ErrDuplicate.
func (db *DB) CreateOperator(ctx context.Context, o *backoffice.Operator) error {
	r := fromOperator(o)
	r.Version = 1
	if _, err := db.idb(ctx).NewInsert().Model(&r).Returning("id").Exec(ctx); err != nil {
		return dbError(err)
	}
	o.ID, o.Version = r.ID, r.Version
	return nil
}

// Operator returns an operator by ID.
func (db *DB) Operator(ctx context.Context, id int64) (backoffice.Operator, error) {
	return db.operatorWhere(ctx, "id = ?", id)
}

// OperatorByUsername returns an operator by username.
func (db *DB) OperatorByUsername(ctx context.Context, username string) (backoffice.Operator, error) {
	return db.operatorWhere(ctx, "username = ?", username)
}

func (db *DB) operatorWhere(ctx context.Context, where string, arg any) (backoffice.Operator, error) {
	var r operatorRow
	if err := db.idb(ctx).NewSelect().Model(&r).Where(where, arg).Scan(ctx); err != nil {
		return backoffice.Operator{}, dbError(err)
	}
	return toOperator(r), nil
}

// SaveOperator updates an operator at the version it was read.
func (db *DB) SaveOperator(ctx context.Context, o *backoffice.Operator) error {
	r := fromOperator(o)
	return saveVersioned(ctx, db.idb(ctx), &r, "operator", r.ID, &r.Version, func() { o.Version = r.Version })
}

// Operators returns a page of operators by ID.
func (db *DB) Operators(ctx context.Context, q backoffice.OperatorQuery) ([]backoffice.Operator, error) {
	var rows []operatorRow
	sel := db.idb(ctx).NewSelect().Model(&rows).Where("id > ?", q.AfterID).Order("id").Limit(int64(max(q.Limit, 1)))
	if q.Status != "" {
		sel = sel.Where("status = ?", string(q.Status))
	}
	if q.UtilityID != 0 {
		sel = sel.Where("utility_id = ?", q.UtilityID)
	}
	if q.Role != "" {
		// roles is space-separated: match the whole name.
		sel = sel.Where("(' ' || roles || ' ') LIKE ? ESCAPE '\\'", "% "+likeEscape(q.Role)+" %")
	}
	if q.Search != "" {
		like := "%" + likeEscape(strings.ToLower(q.Search)) + "%"
		sel = sel.Where("(LOWER(username) LIKE ? ESCAPE '\\' OR LOWER(full_name) LIKE ? ESCAPE '\\')", like, like)
	}
	if err := sel.Scan(ctx); err != nil {
		return nil, dbError(err)
	}
	out := make([]backoffice.Operator, len(rows))
	for i, r := range rows {
		out[i] = toOperator(r)
	}
	return out, nil
}

// OperatorCount returns how many operators exist.
func (db *DB) OperatorCount(ctx context.Context) (int, error) {
	n, err := db.idb(ctx).NewSelect().Model((*operatorRow)(nil)).Count(ctx)
	return int(n), dbError(err)
}

// likeEscape makes s match itself in a LIKE pattern written with ESCAPE '\\': %, _ and the
// backslash lose their meaning.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(s)
}
