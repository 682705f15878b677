package store

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

var _ backoffice.RoleStore = (*DB)(nil)

// roleRow is a row of roles; permissions are space-separated and sorted.
type roleRow struct {
	bun.BaseModel `bun:"table:roles,alias:r"`

	ID          int64  `bun:"id,pk,autoincrement"`
	Name        string `bun:"name"`
	Summary     string `bun:"summary"`
	Permissions string `bun:"permissions"`
	BuiltIn     bool   `bun:"built_in"`
	Active      bool   `bun:"active"`
	Version     int64  `bun:"version"`
}

func fromRole(r *backoffice.Role) roleRow {
	return roleRow{ID: r.ID, Name: r.Name, Summary: r.Summary, Permissions: joinPermissions(r.Permissions),
		BuiltIn: r.BuiltIn, Active: r.Active, Version: r.Version}
}

func toRole(r roleRow) backoffice.Role {
	return backoffice.Role{ID: r.ID, Name: r.Name, Summary: r.Summary, Permissions: splitPermissions(r.Permissions), BuiltIn: r.BuiltIn,
		Active: r.Active, Version: r.Version}
}

// Roles returns every role, by name.
func (db *DB) Roles(ctx context.Context) ([]backoffice.Role, error) {
	var rows []roleRow
	if err := db.idb(ctx).NewSelect().Model(&rows).Order("name").Scan(ctx); err != nil {
		return nil, dbError(err)
	}
	out := make([]backoffice.Role, len(rows))
	for i, r := range rows {
		out[i] = toRole(r)
	}
	return out, nil
}

// RoleByName returns a role, or core.ErrNotFound.
func (db *DB) RoleByName(ctx context.Context, name string) (backoffice.Role, error) {
	var r roleRow
	if err := db.idb(ctx).NewSelect().Model(&r).Where("name = ?", name).Scan(ctx); err != nil {
		return backoffice.Role{}, dbError(err)
	}
	return toRole(r), nil
}

// SaveRole creates a role (ID 0) or updates it at the version it was read; a stale version is a
// conflict, a taken name a duplicate.
func (db *DB) SaveRole(ctx context.Context, role *backoffice.Role) error {
	r := fromRole(role)
	if r.ID == 0 {
		r.Version = 1
		if _, err := db.idb(ctx).NewInsert().Model(&r).Returning("id").Exec(ctx); err != nil {
			return dbError(err)
		}
		role.ID, role.Version = r.ID, r.Version
		return nil
	}
	return saveVersioned(ctx, db.idb(ctx), &r, "role", r.ID, &r.Version, func() { role.Version = r.Version })
}

// saveVersioned updates a versioned row if its version is the one read, moving the version on; a
// row that changed meanwhile is a conflict (backoffice.ReasonStaleVersion), one that is gone not
// found. done runs after a successful update.
func saveVersioned(ctx context.Context, idb bun.IDB, model any, what string, id int64, version *int64, done func()) error {
	read := *version
	*version = read + 1
	res, err := idb.NewUpdate().Model(model).WherePK().Where("version = ?", read).Exec(ctx)
	if err != nil {
		*version = read
		return dbError(err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		if err == nil {
			done()
		}
		return dbError(err)
	}
	*version = read
	return versionConflict(ctx, idb, model, what, id, read)
}

// versionConflict says why an update at version read touched no row: the row is gone (not
// found) or moved on (a conflict, backoffice.ReasonStaleVersion).
func versionConflict(ctx context.Context, idb bun.IDB, model any, what string, id, read int64) error {
	exists, err := idb.NewSelect().Model(model).WherePK().Exists(ctx)
	switch {
	case err != nil:
		return dbError(err)
	case !exists:
		return core.Errorf(core.CodeNotFound, core.ReasonNotFound, "%s %d does not exist", what, id)
	}
	return core.Errorf(core.CodeConflict, backoffice.ReasonStaleVersion, "%s %d was changed by someone else since it was read (version %d); read it again", what, id, read)
}
