package store

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

var _ backoffice.OrganisationStore = (*DB)(nil)

// Rows of the departments, halls and terminals tables.
type (
	departmentRow struct {
		bun.BaseModel `bun:"table:departments,alias:dep"`

		ID        int64     `bun:"id,pk,autoincrement"`
		UtilityID int64     `bun:"utility_id"`
		Code      string    `bun:"code"`
		Name      string    `bun:"name"`
		Active    bool      `bun:"active"`
		CreatedAt time.Time `bun:"created_at"`
		Version   int64     `bun:"version"`
	}
	hallRow struct {
		bun.BaseModel `bun:"table:halls,alias:hall"`

		ID           int64     `bun:"id,pk,autoincrement"`
		UtilityID    int64     `bun:"utility_id"`
		DepartmentID int64     `bun:"department_id"`
		Code         string    `bun:"code"`
		Name         string    `bun:"name"`
		Address      string    `bun:"address"`
		Active       bool      `bun:"active"`
		CreatedAt    time.Time `bun:"created_at"`
		Version      int64     `bun:"version"`
	}
	terminalRow struct {
		bun.BaseModel `bun:"table:terminals,alias:term"`

		ID        int64     `bun:"id,pk,autoincrement"`
		UtilityID int64     `bun:"utility_id"`
		Serial    string    `bun:"serial"`
		Name      string    `bun:"name"`
		AgentID   int64     `bun:"agent_id"`
		HallID    int64     `bun:"hall_id"`
		Active    bool      `bun:"active"`
		CreatedAt time.Time `bun:"created_at"`
		Version   int64     `bun:"version"`
	}
)

func fromDepartment(d *backoffice.Department) departmentRow {
	return departmentRow{ID: d.ID, UtilityID: d.UtilityID, Code: d.Code, Name: d.Name, Active: d.Active, CreatedAt: d.CreatedAt.UTC(), Version: d.Version}
}

func toDepartment(r departmentRow) backoffice.Department {
	return backoffice.Department{ID: r.ID, UtilityID: r.UtilityID, Code: r.Code, Name: r.Name, Active: r.Active, CreatedAt: r.CreatedAt.UTC(), Version: r.Version}
}

func fromHall(h *backoffice.Hall) hallRow {
	return hallRow{ID: h.ID, UtilityID: h.UtilityID, DepartmentID: h.DepartmentID, Code: h.Code, Name: h.Name, Address: h.Address,
		Active: h.Active, CreatedAt: h.CreatedAt.UTC(), Version: h.Version}
}

func toHall(r hallRow) backoffice.Hall {
	return backoffice.Hall{ID: r.ID, UtilityID: r.UtilityID, DepartmentID: r.DepartmentID, Code: r.Code, Name: r.Name, Address: r.Address,
		Active: r.Active, CreatedAt: r.CreatedAt.UTC(), Version: r.Version}
}

func fromTerminal(t *backoffice.Terminal) terminalRow {
	return terminalRow{ID: t.ID, UtilityID: t.UtilityID, Serial: t.Serial, Name: t.Name, AgentID: t.AgentID, HallID: t.HallID,
		Active: t.Active, CreatedAt: t.CreatedAt.UTC(), Version: t.Version}
}

func toTerminal(r terminalRow) backoffice.Terminal {
	return backoffice.Terminal{ID: r.ID, UtilityID: r.UtilityID, Serial: r.Serial, Name: r.Name, AgentID: r.AgentID, HallID: r.HallID,
		Active: r.Active, CreatedAt: r.CreatedAt.UTC(), Version: r.Version}
}

// createOrg inserts a new organisation row at version 1, stamped with the store's clock.
func createOrg(ctx context.Context, db *DB, model any, createdAt *time.Time, version *int64) error {
	*createdAt, *version = db.utc(), 1
	_, err := db.idb(ctx).NewInsert().Model(model).Returning("id").Exec(ctx)
	return dbError(err)
}

// getOrg reads one organisation row by ID.
func getOrg(ctx context.Context, db *DB, model any, id int64) error {
	return dbError(db.idb(ctx).NewSelect().Model(model).Where("id = ?", id).Scan(ctx))
}

// listOrg reads a page of organisation rows as q selects them; search names the columns Search
// matches, extra adds the filters of the record's own fields.
func listOrg(ctx context.Context, db *DB, model any, q backoffice.OrgQuery, search []string, extra func(*bun.SelectQuery) *bun.SelectQuery) error {
	sel := db.idb(ctx).NewSelect().Model(model).Where("id > ?", q.AfterID).Order("id").Limit(int64(max(q.Limit, 1)))
	if q.UtilityID != 0 {
		sel = sel.Where("utility_id = ?", q.UtilityID)
	}
	switch q.State {
	case backoffice.StateActive:
		sel = sel.Where("active = ?", true)
	case backoffice.StateInactive:
		sel = sel.Where("active = ?", false)
	}
	if q.Search != "" {
		like := "%" + likeEscape(strings.ToLower(q.Search)) + "%"
		sel = sel.WhereGroup(" AND ", func(g *bun.SelectQuery) *bun.SelectQuery {
			for _, col := range search {
				g = g.WhereOr("LOWER("+col+") LIKE ? ESCAPE '\\'", like)
			}
			return g
		})
	}
	if extra != nil {
		sel = extra(sel)
	}
	return dbError(sel.Scan(ctx))
}

// CreateDepartment inserts a department; a code the utility has already is core.ErrDuplicate.
func (db *DB) CreateDepartment(ctx context.Context, d *backoffice.Department) error {
	r := fromDepartment(d)
	if err := createOrg(ctx, db, &r, &r.CreatedAt, &r.Version); err != nil {
		return err
	}
	*d = toDepartment(r)
	return nil
}

// Department returns a department, or core.ErrNotFound.
func (db *DB) Department(ctx context.Context, id int64) (backoffice.Department, error) {
	var r departmentRow
	err := getOrg(ctx, db, &r, id)
	return toDepartment(r), err
}

// SaveDepartment updates a department at the version it was read.
func (db *DB) SaveDepartment(ctx context.Context, d *backoffice.Department) error {
	r := fromDepartment(d)
	return saveVersioned(ctx, db.idb(ctx), &r, "department", r.ID, &r.Version, func() { d.Version = r.Version })
}

// Departments returns a page of departments by ID.
func (db *DB) Departments(ctx context.Context, q backoffice.OrgQuery) ([]backoffice.Department, error) {
	var rows []departmentRow
	if err := listOrg(ctx, db, &rows, q, []string{"code", "name"}, nil); err != nil {
		return nil, err
	}
	out := make([]backoffice.Department, len(rows))
	for i, r := range rows {
		out[i] = toDepartment(r)
	}
	return out, nil
}

// CreateHall inserts a vending hall; a code the utility has already is core.ErrDuplicate.
func (db *DB) CreateHall(ctx context.Context, h *backoffice.Hall) error {
	r := fromHall(h)
	if err := createOrg(ctx, db, &r, &r.CreatedAt, &r.Version); err != nil {
		return err
	}
	*h = toHall(r)
	return nil
}

// Hall returns a vending hall, or core.ErrNotFound.
func (db *DB) Hall(ctx context.Context, id int64) (backoffice.Hall, error) {
	var r hallRow
	err := getOrg(ctx, db, &r, id)
	return toHall(r), err
}

// SaveHall updates a vending hall at the version it was read.
func (db *DB) SaveHall(ctx context.Context, h *backoffice.Hall) error {
	r := fromHall(h)
	return saveVersioned(ctx, db.idb(ctx), &r, "hall", r.ID, &r.Version, func() { h.Version = r.Version })
}

// Halls returns a page of vending halls by ID.
func (db *DB) Halls(ctx context.Context, q backoffice.OrgQuery) ([]backoffice.Hall, error) {
	var rows []hallRow
	err := listOrg(ctx, db, &rows, q, []string{"code", "name", "address"}, func(sel *bun.SelectQuery) *bun.SelectQuery {
		if q.DepartmentID != 0 {
			sel = sel.Where("department_id = ?", q.DepartmentID)
		}
		return sel
	})
	if err != nil {
		return nil, err
	}
	out := make([]backoffice.Hall, len(rows))
	for i, r := range rows {
		out[i] = toHall(r)
	}
	return out, nil
}

// CreateTerminal inserts a terminal; a serial taken is core.ErrDuplicate.
func (db *DB) CreateTerminal(ctx context.Context, t *backoffice.Terminal) error {
	r := fromTerminal(t)
	if err := createOrg(ctx, db, &r, &r.CreatedAt, &r.Version); err != nil {
		return err
	}
	*t = toTerminal(r)
	return nil
}

// Terminal returns a terminal, or core.ErrNotFound.
func (db *DB) Terminal(ctx context.Context, id int64) (backoffice.Terminal, error) {
	var r terminalRow
	err := getOrg(ctx, db, &r, id)
	return toTerminal(r), err
}

// SaveTerminal updates a terminal at the version it was read.
func (db *DB) SaveTerminal(ctx context.Context, t *backoffice.Terminal) error {
	r := fromTerminal(t)
	return saveVersioned(ctx, db.idb(ctx), &r, "terminal", r.ID, &r.Version, func() { t.Version = r.Version })
}

// Terminals returns a page of terminals by ID.
func (db *DB) Terminals(ctx context.Context, q backoffice.OrgQuery) ([]backoffice.Terminal, error) {
	var rows []terminalRow
	err := listOrg(ctx, db, &rows, q, []string{"serial", "name"}, func(sel *bun.SelectQuery) *bun.SelectQuery {
		if q.HallID != 0 {
			sel = sel.Where("hall_id = ?", q.HallID)
		}
		if q.AgentID != 0 {
			sel = sel.Where("agent_id = ?", q.AgentID)
		}
		return sel
	})
	if err != nil {
		return nil, err
	}
	out := make([]backoffice.Terminal, len(rows))
	for i, r := range rows {
		out[i] = toTerminal(r)
	}
	return out, nil
}

// IssueTerminalKey stores the hash of a new API key of a terminal as a key of its agent (so that
// AgentByAPIKeyHash authenticates it as the agent) marked with the terminal, and returns its ID.
func (db *DB) IssueTerminalKey(ctx context.Context, terminalID, agentID int64, hash, label string) (int64, error) {
	if hash == "" {
		return 0, core.Errorf(core.CodeInvalid, core.ReasonInvalidAPIKeyHash, "the API key hash is required")
	}
	r := apiKeyRow{AgentID: agentID, Hash: hash, Label: label, CreatedAt: db.utc()}
	if _, err := db.idb(ctx).NewInsert().Model(&r).Value("terminal_id", "?", terminalID).Returning("id").Exec(ctx); err != nil {
		return 0, dbError(err)
	}
	return r.ID, nil
}

// RevokeTerminalKeys revokes a terminal's live API keys and returns how many there were.
func (db *DB) RevokeTerminalKeys(ctx context.Context, terminalID int64) (int, error) {
	res, err := db.idb(ctx).NewUpdate().Model((*apiKeyRow)(nil)).Set("revoked_at = ?", db.utc()).
		Where("terminal_id = ? AND revoked_at IS NULL", terminalID).Exec(ctx)
	if err != nil {
		return 0, dbError(err)
	}
	n, err := res.RowsAffected()
	return int(n), dbError(err)
}
