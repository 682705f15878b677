package store

import (
	"context"
	"errors"

	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

// serviceCodeRow is a row of the service_codes table.
type serviceCodeRow struct {
	bun.BaseModel `bun:"table:service_codes,alias:sc"`

	ID      int64  `bun:"id,pk,autoincrement"`
	Channel string `bun:"channel"`
	Code    string `bun:"code"`
	AgentID int64  `bun:"agent_id"`
	Route   string `bun:"route"`
	Active  bool   `bun:"active"`
}

func fromCoreServiceCode(sc core.ServiceCode) serviceCodeRow {
	return serviceCodeRow{Channel: sc.Channel, Code: core.NormalizeServiceCode(sc.Code), AgentID: sc.AgentID, Route: sc.Route, Active: sc.Active}
}

func toCoreServiceCode(r serviceCodeRow) core.ServiceCode {
	return core.ServiceCode{Code: r.Code, Channel: r.Channel, AgentID: r.AgentID, Route: r.Route, Active: r.Active}
}

// CreateServiceCode stores a short code or USSD service code of a telecom operator's agent (of
// kind telco). An unknown agent or one of another kind is invalid; a code the channel has
// already is core.ErrDuplicate.
func (db *DB) CreateServiceCode(ctx context.Context, sc core.ServiceCode) error {
	if err := core.CheckServiceCode(sc); err != nil {
		return err
	}
	a, err := db.Agent(ctx, sc.AgentID)
	if errors.Is(err, core.ErrNotFound) {
		return core.Errorf(core.CodeInvalid, core.ReasonUnknownAgent, "service code %s: agent %d does not exist", sc.Code, sc.AgentID)
	}
	if err != nil {
		return err
	}
	if a.Kind != core.AgentTelco {
		return core.Errorf(core.CodeInvalid, core.ReasonInvalidServiceCode, "service code %s: agent %d is of kind %s, not telco", sc.Code, a.ID, a.Kind)
	}
	r := fromCoreServiceCode(sc)
	if _, err := db.idb(ctx).NewInsert().Model(&r).Exec(ctx); err != nil {
		return dbError(err)
	}
	return nil
}

// ServiceCode returns the service code of a channel (core.ChannelUSSD, core.ChannelSMS), matched
// exactly once spaces are removed (core.NormalizeServiceCode), or core.ErrNotFound. Inactive codes
// are returned too: the caller refuses them.
func (db *DB) ServiceCode(ctx context.Context, channel, code string) (core.ServiceCode, error) {
	var r serviceCodeRow
	err := db.idb(ctx).NewSelect().Model(&r).Where("sc.channel = ? AND sc.code = ?", channel, core.NormalizeServiceCode(code)).Scan(ctx)
	if err != nil {
		return core.ServiceCode{}, dbError(err)
	}
	return toCoreServiceCode(r), nil
}

// ServiceCodes returns every service code, by channel and code.
func (db *DB) ServiceCodes(ctx context.Context) ([]core.ServiceCode, error) {
	return db.ServiceCodeList(ctx, backoffice.ServiceCodeQuery{})
}

// ServiceCodeList returns the service codes q selects, by channel and code.
func (db *DB) ServiceCodeList(ctx context.Context, q backoffice.ServiceCodeQuery) ([]core.ServiceCode, error) {
	var rows []serviceCodeRow
	sel := db.idb(ctx).NewSelect().Model(&rows).Order("sc.channel", "sc.code")
	if q.UtilityID != 0 {
		sel = sel.Where("sc.agent_id IN (SELECT a.id FROM agents AS a WHERE a.utility_id = ?)", q.UtilityID)
	}
	if err := sel.Scan(ctx); err != nil {
		return nil, dbError(err)
	}
	out := make([]core.ServiceCode, len(rows))
	for i, r := range rows {
		out[i] = toCoreServiceCode(r)
	}
	return out, nil
}

// SMSShortCode returns an operator agent's active SMS short code (the lowest, when it has
// several), or core.ErrNotFound.
func (db *DB) SMSShortCode(ctx context.Context, agentID int64) (string, error) {
	var code string
	err := db.bun.NewSelect().Model((*serviceCodeRow)(nil)).Column("sc.code").
		Where("sc.agent_id = ? AND sc.channel = ? AND sc.active", agentID, core.ChannelSMS).
		Order("sc.code").Limit(1).Scan(ctx, &code)
	if err != nil {
		return "", dbError(err)
	}
	return code, nil
}
