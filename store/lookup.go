package store

import (
	"context"
	"time"

	"github.com/vendgate/vendgate/core"
)

// Reads of single records by id, for the operator's commands: each returns core.ErrNotFound for
// an id that does not exist, so that a command can say which one.

// Customer returns a customer, or core.ErrNotFound.
func (db *DB) Customer(ctx context.Context, id int64) (core.Customer, error) {
	var r customerRow
	if err := db.idb(ctx).NewSelect().Model(&r).Where("id = ?", id).Scan(ctx); err != nil {
		return core.Customer{}, dbError(err)
	}
	return toCoreCustomer(r), nil
}

// TariffUtility returns the utility a tariff belongs to, or core.ErrNotFound.
func (db *DB) TariffUtility(ctx context.Context, id int64) (int64, error) {
	var utility int64
	if err := db.idb(ctx).NewSelect().Model((*tariffRow)(nil)).Column("utility_id").Where("id = ?", id).Scan(ctx, &utility); err != nil {
		return 0, dbError(err)
	}
	return utility, nil
}

// APIKeyRevokedAt returns when an API key was revoked (the zero time while it is live), or
// core.ErrNotFound.
func (db *DB) APIKeyRevokedAt(ctx context.Context, id int64) (time.Time, error) {
	var r apiKeyRow
	if err := db.idb(ctx).NewSelect().Model(&r).Column("id", "revoked_at").Where("id = ?", id).Scan(ctx); err != nil {
		return time.Time{}, dbError(err)
	}
	return r.RevokedAt, nil
}
