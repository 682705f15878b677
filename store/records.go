package store

import (
	"context"
	"strings"

	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

// The records operators list, show and edit through the back office: utilities and customers
// here, meters in meter_record.go, agents in agent_record.go.

var _ backoffice.RecordStore = (*DB)(nil)

// saveColumns updates the named columns of a row at the record version it was read (its
// record_version column), moving the version on; a row that changed meanwhile is a conflict, one
// that is gone not found. Only the columns named are written, so that an operator's edit never
// writes back a balance or a counter read before a sale changed it.
func saveColumns(ctx context.Context, idb bun.IDB, model any, what string, id int64, version *int64, columns ...string) error {
	read := *version
	res, err := idb.NewUpdate().Model(model).Column(columns...).Set("record_version = ?", read+1).
		WherePK().Where("record_version = ?", read).Exec(ctx)
	if err != nil {
		return dbError(err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		if err == nil {
			*version = read + 1
		}
		return dbError(err)
	}
	return versionConflict(ctx, idb, model, what, id, read)
}

// likeSearch is the LIKE pattern of a search for a part of a text, lower-cased.
func likeSearch(s string) string { return "%" + likeEscape(strings.ToLower(s)) + "%" }

func (db *DB) toUtilityRecord(r utilityRow) (backoffice.UtilityRecord, error) {
	u, err := db.toCoreUtility(r)
	return backoffice.UtilityRecord{Utility: u, Version: r.RecordVersion}, err
}

// UtilityRecord returns a utility with its record version, or core.ErrNotFound.
func (db *DB) UtilityRecord(ctx context.Context, id int64) (backoffice.UtilityRecord, error) {
	var r utilityRow
	if err := db.idb(ctx).NewSelect().Model(&r).Where("id = ?", id).Scan(ctx); err != nil {
		return backoffice.UtilityRecord{}, dbError(err)
	}
	return db.toUtilityRecord(r)
}

// UtilityRecords returns the utilities q selects, by ID.
func (db *DB) UtilityRecords(ctx context.Context, q backoffice.UtilityQuery) ([]backoffice.UtilityRecord, error) {
	var rows []utilityRow
	sel := db.idb(ctx).NewSelect().Model(&rows).Where("id > ?", q.AfterID).Order("id").Limit(int64(max(q.Limit, 1)))
	if q.UtilityID != 0 {
		sel = sel.Where("id = ?", q.UtilityID)
	}
	if q.Search != "" {
		sel = sel.Where("LOWER(name) LIKE ? ESCAPE '\\'", likeSearch(q.Search))
	}
	if err := sel.Scan(ctx); err != nil {
		return nil, dbError(err)
	}
	out := make([]backoffice.UtilityRecord, len(rows))
	for i, r := range rows {
		u, err := db.toUtilityRecord(r)
		if err != nil {
			return nil, err
		}
		out[i] = u
	}
	return out, nil
}

// SaveUtility updates a utility's name, time zone, rates and reversal window at the version it
// was read. Cached reference rows are dropped, so that this process's next vend reads the change.
func (db *DB) SaveUtility(ctx context.Context, u *backoffice.UtilityRecord) error {
	if err := u.Validate(); err != nil {
		return err
	}
	r := fromCoreUtility(&u.Utility)
	if _, err := db.location(r.TimeZone); err != nil {
		return core.Errorf(core.CodeInvalid, core.ReasonInvalidTimeZone, "utility %q: unknown time zone %q", u.Name, r.TimeZone)
	}
	r.RecordVersion = u.Version
	if err := saveColumns(ctx, db.idb(ctx), &r, "utility", r.ID, &r.RecordVersion,
		"name", "tax_rate", "time_zone", "debt_recovery_rate", "reversal_window_seconds"); err != nil {
		return err
	}
	u.Version = r.RecordVersion
	db.refs.clear()
	return nil
}

func toCustomerRecord(r customerRow) backoffice.CustomerRecord {
	return backoffice.CustomerRecord{Customer: toCoreCustomer(r), UtilityID: r.UtilityID, Version: r.RecordVersion}
}

// CreateCustomerRecord stores a customer of a utility and sets its ID and version.
func (db *DB) CreateCustomerRecord(ctx context.Context, c *backoffice.CustomerRecord) error {
	r := fromCoreCustomer(&c.Customer)
	r.UtilityID, r.RecordVersion = c.UtilityID, 1
	if _, err := db.idb(ctx).NewInsert().Model(&r).Exec(ctx); err != nil {
		return dbError(err)
	}
	c.ID, c.Version = r.ID, r.RecordVersion
	return nil
}

// CustomerRecord returns a customer with its utility and record version, or core.ErrNotFound.
func (db *DB) CustomerRecord(ctx context.Context, id int64) (backoffice.CustomerRecord, error) {
	var r customerRow
	if err := db.idb(ctx).NewSelect().Model(&r).Where("id = ?", id).Scan(ctx); err != nil {
		return backoffice.CustomerRecord{}, dbError(err)
	}
	return toCustomerRecord(r), nil
}

// CustomerRecords returns the customers q selects, by ID.
func (db *DB) CustomerRecords(ctx context.Context, q backoffice.CustomerQuery) ([]backoffice.CustomerRecord, error) {
	var rows []customerRow
	sel := db.idb(ctx).NewSelect().Model(&rows).Where("id > ?", q.AfterID).Order("id").Limit(int64(max(q.Limit, 1)))
	if q.UtilityID != 0 {
		sel = sel.Where("utility_id = ?", q.UtilityID)
	}
	if q.Search != "" {
		like := likeSearch(q.Search)
		sel = sel.Where("(LOWER(name) LIKE ? ESCAPE '\\' OR phone LIKE ? ESCAPE '\\')", like, like)
	}
	if err := sel.Scan(ctx); err != nil {
		return nil, dbError(err)
	}
	out := make([]backoffice.CustomerRecord, len(rows))
	for i, r := range rows {
		out[i] = toCustomerRecord(r)
	}
	return out, nil
}

// SaveCustomer updates a customer's details at the version it was read.
func (db *DB) SaveCustomer(ctx context.Context, c *backoffice.CustomerRecord) error {
	r := fromCoreCustomer(&c.Customer)
	r.RecordVersion = c.Version
	if err := saveColumns(ctx, db.idb(ctx), &r, "customer", r.ID, &r.RecordVersion,
		"name", "address", "phone", "language", "free_basic"); err != nil {
		return err
	}
	c.Version = r.RecordVersion
	return nil
}
