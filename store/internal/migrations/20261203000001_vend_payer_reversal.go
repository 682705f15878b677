package migrations

import (
	"context"

	"github.com/uptrace/bun"
)

// Vends record who paid on the customer channels (payer: the phone, so that LAST shows a phone
// only its own purchases), why and by whom a reversed vend was reversed (the list of reversed
// vends operators check), and the utility's time zone at the sale (receipts show the sale's local
// time, a reprint included).
func init() {
	columns := []string{
		"payer VARCHAR NOT NULL DEFAULT ''",
		"reversal_reason VARCHAR NOT NULL DEFAULT ''",
		"reversed_by VARCHAR NOT NULL DEFAULT ''",
		"time_zone VARCHAR NOT NULL DEFAULT ''",
	}
	up := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			for _, c := range columns {
				if _, err := tx.ExecContext(ctx, "ALTER TABLE vends ADD COLUMN "+c); err != nil {
					return err
				}
			}
			return createIndexes(ctx, tx, []index{
				{table: "vends", name: "vends_meter_number_payer_id_idx", columns: []string{"meter_number", "payer", "id"}},
				{table: "vends", name: "vends_status_id_idx", columns: []string{"status", "id"}},
			})
		})
	}
	down := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			for _, ix := range []string{"vends_meter_number_payer_id_idx", "vends_status_id_idx"} {
				if _, err := tx.ExecContext(ctx, "DROP INDEX IF EXISTS "+ix); err != nil {
					return err
				}
			}
			for _, c := range []string{"payer", "reversal_reason", "reversed_by", "time_zone"} {
				if _, err := tx.ExecContext(ctx, "ALTER TABLE vends DROP COLUMN "+c); err != nil {
					return err
				}
			}
			return nil
		})
	}
	Migrations.MustRegister(up, down)
}
