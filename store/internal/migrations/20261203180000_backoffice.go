package migrations

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// The back office's foundation: roles (role -> permissions, as data), operators, and the audit trail, an
// append-only hash chain whose head (the newest entry's sequence number and hash) is a row of its
// own, so that entries removed from the end are detected too.
func init() {
	type role struct {
		bun.BaseModel `bun:"table:roles"`

		ID          int64  `bun:",pk,autoincrement"`
		Name        string `bun:",notnull,unique"`
		Summary     string `bun:",notnull"`
		Permissions string `bun:",notnull,type:text"` // space-separated, sorted
		BuiltIn     bool   `bun:",notnull"`
		Active      bool   `bun:",notnull"`
		Version     int64  `bun:",notnull"`
	}
	type operator struct {
		bun.BaseModel `bun:"table:operators"`

		ID                 int64     `bun:",pk,autoincrement"`
		Username           string    `bun:",notnull,unique"`
		FullName           string    `bun:",notnull"`
		Email              string    `bun:",notnull"`
		Roles              string    `bun:",notnull,type:text"` // space-separated role names, sorted
		UtilityID          int64     `bun:",notnull"`
		HallID             int64     `bun:",notnull"`
		Status             string    `bun:",notnull"`
		PasswordHash       string    `bun:",notnull,type:text"`
		MustChangePassword bool      `bun:",notnull"`
		TOTPSecret         string    `bun:"totp_secret,notnull,type:text"`
		TOTPLastStep       int64     `bun:"totp_last_step,notnull"`
		TOTPPending        string    `bun:"totp_pending,notnull,type:text"`
		FailedSignIns      int64     `bun:",notnull"`
		LockedUntil        time.Time `bun:",nullzero"`
		CreatedAt          time.Time `bun:",notnull"`
		Version            int64     `bun:",notnull"`
	}
	type auditEntry struct {
		bun.BaseModel `bun:"table:audit_entries"`

		Seq        int64     `bun:",pk"`
		At         time.Time `bun:",notnull"`
		ActorKind  string    `bun:",notnull"`
		ActorID    int64     `bun:",notnull"`
		ActorName  string    `bun:",notnull"`
		Via        string    `bun:",notnull"`
		From       string    `bun:"from_addr,notnull"`
		Action     string    `bun:",notnull"`
		Permission string    `bun:",notnull"`
		Target     string    `bun:",notnull"`
		Outcome    string    `bun:",notnull"`
		Detail     string    `bun:",notnull,type:text"`
		Before     []byte    `bun:"before_json"`
		After      []byte    `bun:"after_json"`
		ApprovalID int64     `bun:",notnull"`
		PrevHash   string    `bun:",notnull,type:varchar(64)"`
		Hash       string    `bun:",notnull,type:varchar(64)"`
	}
	type auditHead struct {
		bun.BaseModel `bun:"table:audit_head"`

		ID   int64  `bun:",pk"` // always 1
		Seq  int64  `bun:",notnull"`
		Hash string `bun:",notnull,type:varchar(64)"`
	}
	up := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if err := createTables(ctx, tx, []table{{model: (*role)(nil)}, {model: (*operator)(nil)}, {model: (*auditEntry)(nil)}, {model: (*auditHead)(nil)}}); err != nil {
				return err
			}
			if err := createIndexes(ctx, tx, []index{
				{table: "audit_entries", name: "audit_entries_target", columns: []string{"target", "seq"}},
				{table: "audit_entries", name: "audit_entries_actor", columns: []string{"actor_name", "seq"}},
			}); err != nil {
				return err
			}
			_, err := tx.NewInsert().Model(&auditHead{ID: 1}).Exec(ctx)
			return err
		})
	}
	down := func(ctx context.Context, db *bun.DB) error {
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			return dropTables(ctx, tx, "audit_head", "audit_entries", "operators", "roles")
		})
	}
	Migrations.MustRegister(up, down)
}
