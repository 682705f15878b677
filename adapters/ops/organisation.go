package ops

import (
	"context"
	"net/http"
	"strconv"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/backoffice"
)

// defaultOrgPage is the page of the organisation's lists when ?limit= is left out.
const defaultOrgPage = 100

// orgQuery reads the filters of GET /ops/v1/departments, halls and terminals: after, limit,
// utility_id, q (a part of the code, serial or name), state (active, inactive), department_id,
// hall_id and agent_id.
func orgQuery(x *exchange) (backoffice.OrgQuery, error) {
	var q backoffice.OrgQuery
	ints := []struct {
		name string
		dst  *int64
	}{{"after", &q.AfterID}, {"utility_id", &q.UtilityID}, {"department_id", &q.DepartmentID}, {"hall_id", &q.HallID}, {"agent_id", &q.AgentID}}
	for _, p := range ints {
		v, err := intParam(x, p.name, 0, 0, maxInt)
		if err != nil {
			return q, err
		}
		*p.dst = v
	}
	limit, err := intParam(x, "limit", defaultOrgPage, 1, backoffice.MaxOrgPage)
	if err != nil {
		return q, err
	}
	v := x.r.URL.Query()
	q.Limit, q.Search, q.State = int(limit), v.Get("q"), backoffice.RecordState(v.Get("state"))
	return q, nil
}

// orgList is the handler of a list of the organisation's records: a page by ID.
func orgList[T any](list func(context.Context, backoffice.Actor, backoffice.OrgQuery) ([]T, error), key func(T) int64) func(*exchange) error {
	return func(x *exchange) error {
		q, err := orgQuery(x)
		if err != nil {
			return err
		}
		out, err := list(x.r.Context(), x.actor, q)
		if err != nil {
			return err
		}
		return x.json(http.StatusOK, newPage(out, q.Limit, key))
	}
}

// showByID is the handler of GET .../{id}: the record, or 404.
func showByID[T any](show func(context.Context, backoffice.Actor, int64) (T, error)) func(*exchange) error {
	return func(x *exchange) error {
		id, err := pathID(x)
		if err != nil {
			return err
		}
		r, err := show(x.r.Context(), x.actor, id)
		if err != nil {
			return err
		}
		return x.json(http.StatusOK, r)
	}
}

// deactivateByID is the handler of POST .../{id}/deactivate: {version}, the version read.
func deactivateByID[T any](s *Server, what string, do func(context.Context, backoffice.Actor, int64, int64) (T, error)) func(*exchange) error {
	return func(x *exchange) error {
		id, err := pathID(x)
		if err != nil {
			return err
		}
		var version int64
		if err := x.decode(s, what, httpkit.Required("version", &version, "an integer (the version that was read)")); err != nil {
			return err
		}
		r, err := do(x.r.Context(), x.actor, id, version)
		if err != nil {
			return err
		}
		return x.json(http.StatusOK, r)
	}
}

// created answers a new record 201 with its Location.
func created(x *exchange, collection string, id int64, v any) error {
	x.w.Header().Set("Location", collection+"/"+strconv.FormatInt(id, 10))
	return x.json(http.StatusCreated, v)
}

// createDepartment is POST /ops/v1/departments: {utility_id, code, name}.
func (s *Server) createDepartment(x *exchange) error {
	var n backoffice.NewDepartment
	if err := x.decode(s, "a new department",
		httpkit.Optional("utility_id", &n.UtilityID, "an integer (default: the operator's utility)"),
		httpkit.Required("code", &n.Code, "a string"),
		httpkit.Required("name", &n.Name, "a string"),
	); err != nil {
		return err
	}
	d, err := s.cfg.Organisation.CreateDepartment(x.r.Context(), x.actor, n)
	if err != nil {
		return err
	}
	return created(x, "/ops/v1/departments", d.ID, d)
}

// updateDepartment is PATCH /ops/v1/departments/{id}: {version, and any of code, name}.
func (s *Server) updateDepartment(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	var (
		code, name *string
		version    int64
	)
	if err := x.decode(s, "a department update",
		httpkit.Required("version", &version, "an integer (the version that was read)"),
		httpkit.Optional("code", &code, "a string"),
		httpkit.Optional("name", &name, "a string"),
	); err != nil {
		return err
	}
	ctx := x.r.Context()
	var cur backoffice.Department
	if code == nil || name == nil {
		if cur, err = s.cfg.Organisation.Department(ctx, x.actor, id); err != nil {
			return err
		}
	}
	d, err := s.cfg.Organisation.UpdateDepartment(ctx, x.actor, backoffice.DepartmentUpdate{ID: id, Version: version,
		Code: or(code, cur.Code), Name: or(name, cur.Name)})
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, d)
}

// createHall is POST /ops/v1/halls: {utility_id, department_id, code, name, address}.
func (s *Server) createHall(x *exchange) error {
	var n backoffice.NewHall
	if err := x.decode(s, "a new vending hall",
		httpkit.Optional("utility_id", &n.UtilityID, "an integer (default: the operator's utility)"),
		httpkit.Optional("department_id", &n.DepartmentID, "an integer (0: none)"),
		httpkit.Required("code", &n.Code, "a string"),
		httpkit.Required("name", &n.Name, "a string"),
		httpkit.Optional("address", &n.Address, "a string"),
	); err != nil {
		return err
	}
	h, err := s.cfg.Organisation.CreateHall(x.r.Context(), x.actor, n)
	if err != nil {
		return err
	}
	return created(x, "/ops/v1/halls", h.ID, h)
}

// updateHall is PATCH /ops/v1/halls/{id}: {version, and any of department_id, code, name,
// address}.
func (s *Server) updateHall(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	var (
		code, name, address *string
		department          *int64
		version             int64
	)
	if err := x.decode(s, "a vending hall update",
		httpkit.Required("version", &version, "an integer (the version that was read)"),
		httpkit.Optional("department_id", &department, "an integer (0: none)"),
		httpkit.Optional("code", &code, "a string"),
		httpkit.Optional("name", &name, "a string"),
		httpkit.Optional("address", &address, "a string"),
	); err != nil {
		return err
	}
	ctx := x.r.Context()
	var cur backoffice.Hall
	if code == nil || name == nil || address == nil || department == nil {
		if cur, err = s.cfg.Organisation.Hall(ctx, x.actor, id); err != nil {
			return err
		}
	}
	h, err := s.cfg.Organisation.UpdateHall(ctx, x.actor, backoffice.HallUpdate{ID: id, Version: version,
		DepartmentID: or(department, cur.DepartmentID), Code: or(code, cur.Code), Name: or(name, cur.Name), Address: or(address, cur.Address)})
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, h)
}

// createTerminal is POST /ops/v1/terminals: {utility_id, serial, name, agent_id, hall_id}.
func (s *Server) createTerminal(x *exchange) error {
	var n backoffice.NewTerminal
	if err := x.decode(s, "a new terminal",
		httpkit.Optional("utility_id", &n.UtilityID, "an integer (default: the operator's utility)"),
		httpkit.Required("serial", &n.Serial, "a string"),
		httpkit.Required("name", &n.Name, "a string"),
		httpkit.Optional("agent_id", &n.AgentID, "an integer (0: none)"),
		httpkit.Optional("hall_id", &n.HallID, "an integer (0: none)"),
	); err != nil {
		return err
	}
	t, err := s.cfg.Organisation.CreateTerminal(x.r.Context(), x.actor, n)
	if err != nil {
		return err
	}
	return created(x, "/ops/v1/terminals", t.ID, t)
}

// updateTerminal is PATCH /ops/v1/terminals/{id}: {version, and any of serial, name, agent_id,
// hall_id}.
func (s *Server) updateTerminal(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	var (
		serial, name *string
		agent, hall  *int64
		version      int64
	)
	if err := x.decode(s, "a terminal update",
		httpkit.Required("version", &version, "an integer (the version that was read)"),
		httpkit.Optional("serial", &serial, "a string"),
		httpkit.Optional("name", &name, "a string"),
		httpkit.Optional("agent_id", &agent, "an integer (0: none)"),
		httpkit.Optional("hall_id", &hall, "an integer (0: none)"),
	); err != nil {
		return err
	}
	ctx := x.r.Context()
	var cur backoffice.Terminal
	if serial == nil || name == nil || agent == nil || hall == nil {
		if cur, err = s.cfg.Organisation.Terminal(ctx, x.actor, id); err != nil {
			return err
		}
	}
	t, err := s.cfg.Organisation.UpdateTerminal(ctx, x.actor, backoffice.TerminalUpdate{ID: id, Version: version,
		Serial: or(serial, cur.Serial), Name: or(name, cur.Name), AgentID: or(agent, cur.AgentID), HallID: or(hall, cur.HallID)})
	if err != nil {
		return err
	}
	return x.json(http.StatusOK, t)
}

// terminalKeyJSON is a terminal's new API key, shown this once.
type terminalKeyJSON struct {
	ID         int64  `json:"id"`
	TerminalID int64  `json:"terminal_id"`
	AgentID    int64  `json:"agent_id"`
	Label      string `json:"label"`
	Key        string `json:"key"`
}

// issueTerminalKey is POST /ops/v1/terminals/{id}/keys: {label}. The answer, 201, holds the key,
// shown this once; it sells as the terminal's agent, and the vends it makes name the terminal.
func (s *Server) issueTerminalKey(x *exchange) error {
	id, err := pathID(x)
	if err != nil {
		return err
	}
	var label string
	if err := x.decodeOptional(s, "a terminal key", httpkit.Optional("label", &label, "a string")); err != nil {
		return err
	}
	k, err := s.cfg.Organisation.IssueTerminalKey(x.r.Context(), x.actor, id, label)
	if err != nil {
		return err
	}
	return x.json(http.StatusCreated, terminalKeyJSON{ID: k.ID, TerminalID: k.TerminalID, AgentID: k.AgentID, Label: k.Label, Key: k.Key})
}
