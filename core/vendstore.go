package core

import (
	"context"
	"time"
)

// Stores a vend needs.
type (
	// MeterReader finds a meter with what a vend needs to know about it.
	MeterReader interface {
		MeterByNumber(ctx context.Context, number string) (MeterView, error)
	}
	// UtilityReader finds a utility.
	UtilityReader interface {
		Utility(ctx context.Context, id int64) (Utility, error)
	}
	// MeterAtReader is a MeterReader that keeps versions of tariffs' prices and utilities'
	// parameters, each effective from a time: MeterByNumberAt gives them as they stand at a
	// vend's time, so that a vend is priced with the versions of the time it records.
	MeterAtReader interface {
		MeterByNumberAt(ctx context.Context, number string, at time.Time) (MeterView, error)
	}
	// UtilityAtReader is a UtilityReader that keeps versions of utilities' parameters: UtilityAt
	// gives them as they stand at a time.
	UtilityAtReader interface {
		UtilityAt(ctx context.Context, id int64, at time.Time) (Utility, error)
	}
	// AgentReader finds an agent.
	AgentReader interface {
		Agent(ctx context.Context, id int64) (Agent, error)
	}
	// VendStore runs a vend's transaction, finds committed vends and reverses them.
	VendStore interface {
		VendReader
		VendReverser
		// InVendTx runs fn in one database transaction: committed if fn returns nil.
		InVendTx(ctx context.Context, fn func(VendTx) error) error
		// VendByKey returns the committed vend of an idempotency key, or ErrNotFound.
		VendByKey(ctx context.Context, channel, key string) (*Vend, error)
	}
	// VendReader reads committed vends.
	VendReader interface {
		// Vend returns a vend by ID, or ErrNotFound.
		Vend(ctx context.Context, id int64) (*Vend, error)
		// FindVends returns the vends a query selects, newest first (CheckVendQuery's bounds).
		FindVends(ctx context.Context, q VendQuery) ([]*Vend, error)
	}
	// VendReverser reverses a vend in one transaction: it marks the vend reversed with r's
	// reason and actor (only if it is completed; ErrNotFound otherwise), cancels its replies
	// still pending, books the reversed ledger entries, gives the agent back what the vend took
	// from its float, and restores the meter's arrears and monthly totals. With
	// r.RefuseDelivered, a vend whose token has reached the customer (a reply sending or
	// delivered; a USSD vend, whose final screen showed it) is left as it was: ErrTokenDelivered.
	VendReverser interface {
		ReverseVend(ctx context.Context, id int64, r VendReversal) (*Vend, error)
	}
	// VendTx is the vend transaction's steps, in the order core calls them (see vendTx).
	VendTx interface {
		// LockMeters locks the meters' rows, in the order given, for the rest of the transaction
		// and returns them by ID as they are now (their status and keys may have changed since
		// they were first read), with their counters. A meter that does not exist is ErrNotFound.
		LockMeters(ctx context.Context, ids []int64) (map[int64]MeterState, error)
		// ClaimVends inserts the whole vends (without their tokens), each under its unique
		// (channel, idempotency key), sets the IDs of those it inserted and returns how many
		// those are: fewer than len(vs) means a key is taken (or being taken by a concurrent
		// transaction).
		ClaimVends(ctx context.Context, vs []*Vend) (int, error)
		// CompleteVends writes the claimed vends' tokens, their ledger entries (entries[i] are
		// vs[i]'s) and the counters of the meters they changed.
		CompleteVends(ctx context.Context, vs []*Vend, entries [][]LedgerEntry, counters map[int64]MeterCounters) error
		// ClaimFreeBasic records that a customer has the free basic allowance of a kind for a
		// month, with the vend that gives it, and reports whether this call recorded it: false
		// when it is recorded already, by this transaction or a committed one. A concurrent
		// transaction that records the same allowance makes this call wait for it to end, so
		// that of two vends for two meters of one customer only one gets it.
		ClaimFreeBasic(ctx context.Context, g FreeBasicGrant) (bool, error)
		// AddReply writes a vend's reply to the outbox and sets r.ID.
		AddReply(ctx context.Context, r *Reply) error
		// DebitAgent takes amount from the agent's float unless that passes its credit limit,
		// when it returns ErrInsufficientFunds. It returns the new balance.
		DebitAgent(ctx context.Context, agentID int64, amount Money) (Money, error)
		// SalesCounter counts the agent's sales against its limits and contract (saleslimit.go).
		SalesCounter
	}
)

// FreeBasicGrant is a customer's free basic allowance of one kind for one month (utility time,
// "2006-01"), given once whatever meters the customer has, and the vend that gave it: reversing
// that vend gives the allowance back.
type FreeBasicGrant struct {
	CustomerID    int64
	Kind          MeterKind
	Month         string
	VendReference string
}
