package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/core"
)

// subscriberRow is a row of the subscribers table.
type subscriberRow struct {
	bun.BaseModel `bun:"table:subscribers,alias:s"`

	Phone        string    `bun:"phone,pk"`
	Language     string    `bun:"language"`
	DefaultMeter string    `bun:"default_meter"`
	UpdatedAt    time.Time `bun:"updated_at"`
}

func toCoreSubscriber(r subscriberRow) core.Subscriber {
	return core.Subscriber{Phone: r.Phone, Language: r.Language, DefaultMeter: r.DefaultMeter, UpdatedAt: r.UpdatedAt.UTC()}
}

// Subscriber returns a phone's preferences (the phone in any form core.NormalizePhone reads).
// What the phone has not set comes from the customer with that phone number, if any: the
// customer's language, and the customer's meter when the customer has exactly one active meter.
// A phone with neither a stored row nor a customer is core.ErrNotFound.
func (db *DB) Subscriber(ctx context.Context, phone string) (core.Subscriber, error) {
	n, err := core.NormalizePhone(phone)
	if err != nil {
		return core.Subscriber{}, err
	}
	var r subscriberRow
	stored := true
	if err := db.bun.NewSelect().Model(&r).Where("s.phone = ?", n).Scan(ctx); errors.Is(err, sql.ErrNoRows) {
		stored = false
	} else if err != nil {
		return core.Subscriber{}, dbError(err)
	}
	s := toCoreSubscriber(r)
	s.Phone = n
	if stored && s.Language != "" && s.DefaultMeter != "" {
		return s, nil
	}
	c, err := db.CustomerByPhone(ctx, n)
	if errors.Is(err, core.ErrNotFound) {
		if stored {
			return s, nil
		}
		return core.Subscriber{}, core.ErrNotFound
	}
	if err != nil {
		return core.Subscriber{}, err
	}
	if s.Language == "" {
		s.Language = c.Language
	}
	if s.DefaultMeter == "" {
		var numbers []string
		err := db.bun.NewSelect().Model((*meterRow)(nil)).Column("number").
			Where("customer_id = ? AND status = ?", c.ID, string(core.MeterActive)).Limit(2).Scan(ctx, &numbers)
		if err != nil {
			return core.Subscriber{}, dbError(err)
		}
		if len(numbers) == 1 {
			s.DefaultMeter = numbers[0]
		}
	}
	return s, nil
}

// CustomerByPhone returns the customer with a phone number (in any form core.NormalizePhone
// reads), or core.ErrNotFound. Customers' numbers match when stored as digits with the country
// code, with "+" or with "00" before it ("27821234567", "+27821234567", "0027821234567"); of
// several customers with the number, the first created.
func (db *DB) CustomerByPhone(ctx context.Context, phone string) (core.Customer, error) {
	n, err := core.NormalizePhone(phone)
	if err != nil {
		return core.Customer{}, err
	}
	var r customerRow
	err = db.bun.NewSelect().Model(&r).Where("c.phone IN (?)", bun.List([]string{n, "+" + n, "00" + n})).
		Order("c.id").Limit(1).Scan(ctx)
	if err != nil {
		return core.Customer{}, dbError(err)
	}
	return toCoreCustomer(r), nil
}

// SetSubscriberLanguage stores the language a phone's replies are in ("" for the default).
func (db *DB) SetSubscriberLanguage(ctx context.Context, phone, lang string) error {
	return db.upsertSubscriber(ctx, phone, "language", subscriberRow{Language: lang})
}

// SetDefaultMeter stores the meter a phone's BUY <amount> and LAST act on; the number must be a
// valid meter number (core.CheckMeterNumber), or "" to clear it.
func (db *DB) SetDefaultMeter(ctx context.Context, phone, meter string) error {
	if meter != "" {
		if err := core.CheckMeterNumber(meter); err != nil {
			return err
		}
	}
	return db.upsertSubscriber(ctx, phone, "default_meter", subscriberRow{DefaultMeter: meter})
}

// upsertSubscriber sets one column of a phone's row, inserting the row if there is none.
func (db *DB) upsertSubscriber(ctx context.Context, phone, column string, r subscriberRow) error {
	n, err := core.NormalizePhone(phone)
	if err != nil {
		return err
	}
	r.Phone, r.UpdatedAt = n, db.utc()
	_, err = db.bun.NewInsert().Model(&r).
		On("CONFLICT (phone) DO UPDATE").
		Set(column + " = EXCLUDED." + column).
		Set("updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	return dbError(err)
}
