package ops

import (
	"net/http"
	"strconv"
	"time"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/backoffice"
)

// defaultApprovalPage is the page of GET /ops/v1/approvals when ?limit= is left out.
const defaultApprovalPage = 100

// gated answers what an action under the approval policy did: 200 with the result when it ran,
// 202 with the pending request (and its Location) when it waits for a second operator.
func gated[T any](x *exchange, r backoffice.Result[T], err error) error {
	return gatedAs(x, r, err, func(v T) any { return v })
}

// gatedAs is gated for a result answered in a view of its own (view gives it).
func gatedAs[T any](x *exchange, r backoffice.Result[T], err error, view func(T) any) error {
	if err != nil {
		return err
	}
	if r.Pending != nil {
		x.w.Header().Set("Location", "/ops/v1/approvals/"+strconv.FormatInt(r.Pending.ID, 10))
		return x.json(http.StatusAccepted, r.Pending.View())
	}
	return x.json(http.StatusOK, view(r.Value))
}

// listApprovals is GET /ops/v1/approvals?status=&after=&limit=: a page by ID.
func (s *Server) listApprovals(x *exchange) error {
	after, err := intParam(x, "after", 0, 0, maxInt)
	if err != nil {
		return err
	}
	limit, err := intParam(x, "limit", defaultApprovalPage, 1, backoffice.MaxApprovalPage)
	if err != nil {
		return err
	}
	status := backoffice.ApprovalStatus(x.r.URL.Query().Get("status"))
	list, err := s.cfg.Approvals.Approvals(x.r.Context(), x.actor, status, after, int(limit))
	if err != nil {
		return err
	}
	views := make([]backoffice.ApprovalView, len(list))
	for i, r := range list {
		views[i] = r.View()
	}
	return x.json(http.StatusOK, newPage(views, int(limit), func(v backoffice.ApprovalView) int64 { return v.ID }))
}

// showApproval is GET /ops/v1/approvals/{id}.
func (s *Server) showApproval(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	r, err := s.cfg.Approvals.Approval(x.r.Context(), x.actor, id)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, r.View())
}

// approve is POST /ops/v1/approvals/{id}/approve: a second operator approves the request, which
// runs its action once; its maker cannot.
func (s *Server) approve(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	if err := x.decodeOptional(s, "an approval"); err != nil {
		return err
	}
	r, err := s.cfg.Approvals.Approve(x.r.Context(), x.actor, id)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, r.View())
}

// reject is POST /ops/v1/approvals/{id}/reject: {reason}.
func (s *Server) reject(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	var reason string
	if err := x.decode(s, "a rejection", httpkit.Required("reason", &reason, "a string saying why")); err != nil {
		return err
	}
	r, err := s.cfg.Approvals.Reject(x.r.Context(), x.actor, id, reason)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, r.View())
}

// policyJSON is an approval policy on the wire.
type policyJSON struct {
	Action        backoffice.Action     `json:"action"`
	Permission    backoffice.Permission `json:"permission"`
	Required      bool                  `json:"required"`
	Threshold     int64                 `json:"threshold"`
	ExpirySeconds int64                 `json:"expiry_seconds"`
	Version       int64                 `json:"version"`
}

func viewPolicy(p backoffice.ApprovalPolicy) policyJSON {
	return policyJSON{Action: p.Action, Permission: p.Permission, Required: p.Required, Threshold: int64(p.Threshold),
		ExpirySeconds: int64(p.Expiry / time.Second), Version: p.Version}
}

// listApprovalPolicies is GET /ops/v1/approval-policies: every covered action's policy.
func (s *Server) listApprovalPolicies(x *exchange) error {
	list, err := s.cfg.Approvals.ApprovalPolicies(x.r.Context(), x.actor)
	if err != nil {
		return err
	}
	out := make([]policyJSON, len(list))
	for i, p := range list {
		out[i] = viewPolicy(p)
	}
	return x.json(http.StatusOK, page[policyJSON]{Items: out})
}

// setApprovalPolicy is PUT /ops/v1/approval-policies/{action}: {required, threshold,
// expiry_seconds, version} (version 0 for an action on its default).
func (s *Server) setApprovalPolicy(x *exchange) error {
	var (
		p      = backoffice.ApprovalPolicy{Action: backoffice.Action(x.r.PathValue("action"))}
		thresh int64
		expiry int64
	)
	if err := x.decode(s, "an approval policy",
		httpkit.Required("required", &p.Required, "a boolean"),
		httpkit.Optional("threshold", &thresh, "an integer amount in minor units (0: every request waits)"),
		httpkit.Optional("expiry_seconds", &expiry, "an integer number of seconds (0: the default)"),
		httpkit.Required("version", &p.Version, "an integer (the version that was read, 0 for the default)"),
	); err != nil {
		return err
	}
	if expiry < 0 || expiry > int64(maxDuration/time.Second) {
		return badParam("expiry_seconds", "expiry_seconds is a number of seconds, not negative")
	}
	p.Threshold, p.Expiry = moneyOf(thresh), time.Duration(expiry)*time.Second
	out, err := s.cfg.Approvals.SetApprovalPolicy(x.r.Context(), x.actor, p)
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, viewPolicy(out))
}

// maxDuration bounds a number of seconds a body gives, so that it cannot overflow.
const maxDuration = time.Duration(1<<63 - 1)
