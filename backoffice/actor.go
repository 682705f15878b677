package backoffice

import (
	"slices"
)

// ActorKind says who acted: an operator (by session, API token or the CLI), an agent's API key,
// a bank or telco's link, or Vendgate itself (bootstrap, expiry of approvals).
type ActorKind string

// Actor kinds.
const (
	ActorOperator ActorKind = "operator"
	ActorAgent    ActorKind = "agent"
	ActorBank     ActorKind = "bank"
	ActorTelco    ActorKind = "telco"
	ActorSystem   ActorKind = "system"
)

// Actor is who performs an action, as the audit trail records it, with what they may do. Only
// this package makes Actors (from a session, an API token, a login), so an adapter cannot grant
// itself a permission.
type Actor struct {
	kind ActorKind
	id   int64
	name string
	// via says how the actor came in: "session:<id>", "token:<id>", "cli", an adapter's name.
	via  string
	from string // the remote address, or "cli"
	// utilityID and hallID scope an operator: 0 for every utility, every hall.
	utilityID int64
	hallID    int64
	perms     []Permission // sorted
	// secondFactor is true when the operator signed in with a second factor (or a token that an
	// operator with one issued).
	secondFactor bool
	// session is the ID of the session the operator acts through (SessionActor), 0 for none;
	// token the ID of the API token (TokenActor), 0 for none.
	session int64
	token   int64
}

// Kind, ID, Name, Via and From say who the actor is and how it came in.
func (a Actor) Kind() ActorKind { return a.kind }
func (a Actor) ID() int64       { return a.id }
func (a Actor) Name() string    { return a.name }
func (a Actor) Via() string     { return a.via }
func (a Actor) From() string    { return a.from }

// SessionID is the session the operator acts through, 0 for an actor that came in otherwise;
// TokenID the API token, 0 for none.
func (a Actor) SessionID() int64 { return a.session }
func (a Actor) TokenID() int64   { return a.token }

// UtilityID is the utility the actor is limited to, 0 for all; HallID the vending hall, 0 for all.
func (a Actor) UtilityID() int64 { return a.utilityID }
func (a Actor) HallID() int64    { return a.hallID }

// Permissions returns what the actor may do, sorted.
func (a Actor) Permissions() []Permission { return slices.Clone(a.perms) }

// Can reports whether the actor holds p. A sensitive permission also needs the second factor.
func (a Actor) Can(p Permission) bool {
	if _, ok := slices.BinarySearch(a.perms, p); !ok {
		return false
	}
	return !p.Sensitive() || a.secondFactor || a.kind == ActorSystem
}

// InUtility reports whether the actor may act on the records of utility id.
func (a Actor) InUtility(id int64) bool { return a.utilityID == 0 || a.utilityID == id }

// WithFrom returns the actor with the remote address its request came from.
func (a Actor) WithFrom(from string) Actor { a.from = from; return a }

// systemActor is Vendgate acting on its own: bootstrap, expiring approvals.
func systemActor(what string) Actor {
	return Actor{kind: ActorSystem, name: "vendgate", via: what, from: "local", perms: Permissions()}
}

// ChannelActor is an agent, bank or telco acting through a channel (a REST API key, an ISO 8583
// link, an SMPP bind), as the audit trail records it when its request changes a record the back
// office keeps (a reversal). It holds no operator permission.
func ChannelActor(kind ActorKind, agentID int64, name, via, from string) Actor {
	return Actor{kind: kind, id: agentID, name: name, via: via, from: from}
}
