package store

import (
	"context"
	"net/netip"
	"strings"

	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/core"
)

var _ core.InstitutionReader = (*DB)(nil)

// institutionRow is a row of the institutions table.
type institutionRow struct {
	bun.BaseModel `bun:"table:institutions,alias:i"`

	ID      int64  `bun:"id,pk,autoincrement"`
	Code    string `bun:"code"`
	Name    string `bun:"name"`
	AgentID int64  `bun:"agent_id"`
	Allowed string `bun:"allowed"`
	Active  bool   `bun:"active"`
}

func fromCoreInstitution(in core.Institution) institutionRow {
	nets := make([]string, len(in.Allowed))
	for i, p := range in.Allowed {
		nets[i] = p.String()
	}
	return institutionRow{Code: in.Code, Name: in.Name, AgentID: in.AgentID, Allowed: strings.Join(nets, " "), Active: in.Active}
}

func toCoreInstitution(r institutionRow) (core.Institution, error) {
	in := core.Institution{Code: r.Code, Name: r.Name, AgentID: r.AgentID, Active: r.Active}
	for _, s := range strings.Fields(r.Allowed) {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return core.Institution{}, corrupt("institution", r.ID, err)
		}
		in.Allowed = append(in.Allowed, p)
	}
	return in, nil
}

// CreateInstitution stores an institution for an agent of kind bank.
func (db *DB) CreateInstitution(ctx context.Context, in core.Institution) error {
	if err := core.CheckInstitutionCode(in.Code); err != nil {
		return err
	}
	a, err := db.Agent(ctx, in.AgentID)
	if err != nil {
		return dbError(err)
	}
	if a.Kind != core.AgentBank {
		return core.Errorf(core.CodeInvalid, core.ReasonInvalidInstitution, "agent %d is of kind %s, not bank", a.ID, a.Kind)
	}
	if in.Name == "" {
		in.Name = a.Name
	}
	r := fromCoreInstitution(in)
	if _, err := db.idb(ctx).NewInsert().Model(&r).Exec(ctx); err != nil {
		return dbError(err)
	}
	return nil
}

// InstitutionByCode returns the institution with an acquiring institution id, or core.ErrNotFound.
func (db *DB) InstitutionByCode(ctx context.Context, code string) (core.Institution, error) {
	var r institutionRow
	if err := db.idb(ctx).NewSelect().Model(&r).Where("i.code = ?", code).Scan(ctx); err != nil {
		return core.Institution{}, dbError(err)
	}
	return toCoreInstitution(r)
}
