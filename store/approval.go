package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

var _ backoffice.ApprovalStore = (*DB)(nil)

// Rows of approval_policies and approval_requests.
type (
	approvalPolicyRow struct {
		bun.BaseModel `bun:"table:approval_policies,alias:apol"`

		Action        string `bun:"action,pk"`
		Required      bool   `bun:"required"`
		Threshold     int64  `bun:"threshold"`
		ExpirySeconds int64  `bun:"expiry_seconds"`
		Version       int64  `bun:"version"`
	}
	approvalRow struct {
		bun.BaseModel `bun:"table:approval_requests,alias:ar"`

		ID             int64     `bun:"id,pk,autoincrement"`
		Action         string    `bun:"action"`
		Permission     string    `bun:"permission"`
		Target         string    `bun:"target"`
		UtilityID      int64     `bun:"utility_id"`
		Summary        string    `bun:"summary"`
		Payload        string    `bun:"payload"`
		PayloadHash    string    `bun:"payload_hash"`
		Amount         int64     `bun:"amount"`
		MakerID        int64     `bun:"maker_id"`
		MakerName      string    `bun:"maker_name"`
		CheckerID      int64     `bun:"checker_id"`
		CheckerName    string    `bun:"checker_name"`
		Status         string    `bun:"status"`
		DecisionReason string    `bun:"decision_reason"`
		CreatedAt      time.Time `bun:"created_at"`
		ExpiresAt      time.Time `bun:"expires_at"`
		DecidedAt      time.Time `bun:"decided_at,nullzero"`
	}
)

func fromApprovalPolicy(p *backoffice.ApprovalPolicy) approvalPolicyRow {
	return approvalPolicyRow{Action: string(p.Action), Required: p.Required, Threshold: int64(p.Threshold),
		ExpirySeconds: int64(p.Expiry / time.Second), Version: p.Version}
}

func toApprovalPolicy(r approvalPolicyRow) backoffice.ApprovalPolicy {
	return backoffice.ApprovalPolicy{Action: backoffice.Action(r.Action), Required: r.Required, Threshold: core.Money(r.Threshold),
		Expiry: time.Duration(r.ExpirySeconds) * time.Second, Version: r.Version}
}

func fromApproval(a *backoffice.ApprovalRequest) approvalRow {
	return approvalRow{ID: a.ID, Action: string(a.Action), Permission: string(a.Permission), Target: a.Target, UtilityID: a.UtilityID,
		Summary: a.Summary, Payload: string(a.Payload), PayloadHash: a.PayloadHash, Amount: int64(a.Amount),
		MakerID: a.MakerID, MakerName: a.MakerName, CheckerID: a.CheckerID, CheckerName: a.CheckerName,
		Status: string(a.Status), DecisionReason: a.Reason, CreatedAt: a.CreatedAt.UTC(), ExpiresAt: a.ExpiresAt.UTC(), DecidedAt: a.DecidedAt.UTC()}
}

func toApproval(r approvalRow) backoffice.ApprovalRequest {
	a := backoffice.ApprovalRequest{ID: r.ID, Action: backoffice.Action(r.Action), Permission: backoffice.Permission(r.Permission),
		Target: r.Target, UtilityID: r.UtilityID, Summary: r.Summary, Payload: []byte(r.Payload), PayloadHash: r.PayloadHash,
		Amount: core.Money(r.Amount), MakerID: r.MakerID, MakerName: r.MakerName, CheckerID: r.CheckerID, CheckerName: r.CheckerName,
		Status: backoffice.ApprovalStatus(r.Status), Reason: r.DecisionReason, CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}
	if !r.DecidedAt.IsZero() {
		a.DecidedAt = r.DecidedAt.UTC()
	}
	return a
}

// StoredApprovalPolicies returns every stored approval policy.
func (db *DB) StoredApprovalPolicies(ctx context.Context) ([]backoffice.ApprovalPolicy, error) {
	var rows []approvalPolicyRow
	if err := db.idb(ctx).NewSelect().Model(&rows).Order("action").Scan(ctx); err != nil {
		return nil, dbError(err)
	}
	out := make([]backoffice.ApprovalPolicy, len(rows))
	for i, r := range rows {
		out[i] = toApprovalPolicy(r)
	}
	return out, nil
}

// SaveApprovalPolicy inserts a policy (Version 0; core.ErrDuplicate if one is stored) or updates
// it at the version it was read.
func (db *DB) SaveApprovalPolicy(ctx context.Context, p *backoffice.ApprovalPolicy) error {
	r := fromApprovalPolicy(p)
	if r.Version == 0 {
		r.Version = 1
		if _, err := db.idb(ctx).NewInsert().Model(&r).Exec(ctx); err != nil {
			return dbError(err)
		}
		p.Version = r.Version
		return nil
	}
	res, err := db.idb(ctx).NewUpdate().Model(&r).Set("required = ?", r.Required).Set("threshold = ?", r.Threshold).
		Set("expiry_seconds = ?", r.ExpirySeconds).Set("version = ?", r.Version+1).
		Where("action = ? AND version = ?", r.Action, r.Version).Exec(ctx)
	if err != nil {
		return dbError(err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if err != nil {
			return dbError(err)
		}
		return core.Errorf(core.CodeConflict, backoffice.ReasonStaleVersion, "the approval policy of %s was changed by someone else since it was read (version %d); read it again", r.Action, r.Version)
	}
	p.Version = r.Version + 1
	return nil
}

// CreateApproval stores a new approval request and sets its ID.
func (db *DB) CreateApproval(ctx context.Context, a *backoffice.ApprovalRequest) error {
	r := fromApproval(a)
	r.ID = 0
	if _, err := db.idb(ctx).NewInsert().Model(&r).Returning("id").Exec(ctx); err != nil {
		return dbError(err)
	}
	a.ID = r.ID
	return nil
}

// Approval returns an approval request, or core.ErrNotFound.
func (db *DB) Approval(ctx context.Context, id int64) (backoffice.ApprovalRequest, error) {
	var r approvalRow
	if err := db.idb(ctx).NewSelect().Model(&r).Where("id = ?", id).Scan(ctx); err != nil {
		return backoffice.ApprovalRequest{}, dbError(err)
	}
	return toApproval(r), nil
}

// DecideApproval moves a pending request to d.Status with one conditional UPDATE: concurrent
// decisions of one request wait for each other's row lock (PostgreSQL) or the write lock
// (SQLite), and every one but the first finds it no longer pending.
func (db *DB) DecideApproval(ctx context.Context, d backoffice.ApprovalDecision) (bool, error) {
	at := d.At.UTC().Truncate(time.Microsecond)
	due := "expires_at > ?"
	if d.Status == backoffice.ApprovalExpired {
		due = "expires_at <= ?"
	}
	res, err := db.idb(ctx).NewUpdate().Model((*approvalRow)(nil)).
		Set("status = ?", string(d.Status)).Set("checker_id = ?", d.CheckerID).Set("checker_name = ?", d.CheckerName).
		Set("decision_reason = ?", d.Reason).Set("decided_at = ?", at).
		Where("id = ? AND status = ?", d.ID, string(backoffice.ApprovalPending)).Where(due, at).Exec(ctx)
	if err != nil {
		return false, dbError(err)
	}
	n, err := res.RowsAffected()
	return n == 1, dbError(err)
}

// Approvals returns the approval requests q selects, by ID.
func (db *DB) Approvals(ctx context.Context, q backoffice.ApprovalQuery) ([]backoffice.ApprovalRequest, error) {
	var rows []approvalRow
	sel := db.idb(ctx).NewSelect().Model(&rows).Where("id > ?", q.AfterID).Order("id").Limit(int64(max(q.Limit, 1)))
	if q.Status != "" {
		sel = sel.Where("status = ?", string(q.Status))
	}
	if q.UtilityID != 0 {
		sel = sel.Where("utility_id = ?", q.UtilityID)
	}
	if !q.DueBy.IsZero() {
		sel = sel.Where("expires_at <= ?", q.DueBy.UTC().Truncate(time.Microsecond))
	}
	if err := sel.Scan(ctx); err != nil {
		return nil, dbError(err)
	}
	out := make([]backoffice.ApprovalRequest, len(rows))
	for i, r := range rows {
		out[i] = toApproval(r)
	}
	return out, nil
}
