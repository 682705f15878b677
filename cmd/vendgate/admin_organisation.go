package main

import (
	"context"
	"flag"

	"github.com/vendgate/vendgate/backoffice"
)

// Departments, vending halls and terminals: the same five commands each.

// orgQueryFlags are the filters of a department, hall or terminal list.
type orgQueryFlags struct {
	page    pageFlags
	utility *int64
	search  *string
	state   *string
}

func registerOrgQuery(fs *flag.FlagSet) orgQueryFlags {
	return orgQueryFlags{page: registerPage(fs), utility: fs.Int64("utility", 0, "only this utility's `id`"),
		search: fs.String("search", "", "only records whose code (a terminal's serial) or name holds this `text`"),
		state:  fs.String("state", "", "only active or inactive records")}
}

func (f orgQueryFlags) query() (backoffice.OrgQuery, backoffice.Page, error) {
	p, err := f.page.page()
	if err != nil {
		return backoffice.OrgQuery{}, p, err
	}
	switch backoffice.RecordState(*f.state) {
	case "", backoffice.StateActive, backoffice.StateInactive:
	default:
		return backoffice.OrgQuery{}, p, usagef("--state: %q is not active or inactive", *f.state)
	}
	return backoffice.OrgQuery{UtilityID: *f.utility, AfterID: p.AfterID, Limit: p.Limit, Search: *f.search, State: backoffice.RecordState(*f.state)}, p, nil
}

// orgList is a list command of departments, halls or terminals; more adds the record's own
// filters to the query.
func orgList[R any](what, key string, more func(fs *flag.FlagSet) func(*backoffice.OrgQuery), list func(*backoffice.Service) func(context.Context, backoffice.Actor, backoffice.OrgQuery) ([]R, error), id func(R) int64) adminCommand {
	return adminCommand{summary: "list " + key, setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
		qf := registerOrgQuery(fs)
		extra := more(fs)
		return func(ctx context.Context, a *adminEnv) (any, error) {
			q, p, err := qf.query()
			if err != nil {
				return nil, err
			}
			extra(&q)
			rs, err := list(a.svc)(ctx, a.actor, q)
			if err != nil {
				return nil, err
			}
			return listed(key, p, rs, id), nil
		}
	}}
}

// orgShow is a show command of a department, hall or terminal.
func orgShow[R any](what string, show func(*backoffice.Service) func(context.Context, backoffice.Actor, int64) (R, error)) adminCommand {
	return adminCommand{summary: "show a " + what, setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
		id := idFlag(fs, what)
		return func(ctx context.Context, a *adminEnv) (any, error) {
			if err := requireID(*id); err != nil {
				return nil, err
			}
			return show(a.svc)(ctx, a.actor, *id)
		}
	}}
}

// orgDeactivate is a deactivate command of a department, hall or terminal.
func orgDeactivate[R any](what string, deactivate func(*backoffice.Service) func(context.Context, backoffice.Actor, int64, int64) (R, error)) adminCommand {
	return adminCommand{summary: "deactivate a " + what, setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
		id := idFlag(fs, what)
		version := versionFlag(fs)
		return func(ctx context.Context, a *adminEnv) (any, error) {
			if err := requireID(*id); err != nil {
				return nil, err
			}
			return deactivate(a.svc)(ctx, a.actor, *id, *version)
		}
	}}
}

// overlay sets *to to the flag's value when the flag was given.
func overlay[V any](a *adminEnv, name string, v *V, to *V) {
	if given(a.flags, name) {
		*to = *v
	}
}

func noFilters(*flag.FlagSet) func(*backoffice.OrgQuery) { return func(*backoffice.OrgQuery) {} }

var (
	adminDepartmentList = orgList("department", "departments", noFilters, func(s *backoffice.Service) func(context.Context, backoffice.Actor, backoffice.OrgQuery) ([]backoffice.Department, error) {
		return s.Departments
	}, func(d backoffice.Department) int64 { return d.ID })
	adminDepartmentShow = orgShow("department", func(s *backoffice.Service) func(context.Context, backoffice.Actor, int64) (backoffice.Department, error) {
		return s.Department
	})
	adminDepartmentDeactivate = orgDeactivate("department", func(s *backoffice.Service) func(context.Context, backoffice.Actor, int64, int64) (backoffice.Department, error) {
		return s.DeactivateDepartment
	})

	adminHallList = orgList("vending hall", "halls", func(fs *flag.FlagSet) func(*backoffice.OrgQuery) {
		dep := fs.Int64("department", 0, "only this department's `id`")
		return func(q *backoffice.OrgQuery) { q.DepartmentID = *dep }
	}, func(s *backoffice.Service) func(context.Context, backoffice.Actor, backoffice.OrgQuery) ([]backoffice.Hall, error) {
		return s.Halls
	}, func(h backoffice.Hall) int64 { return h.ID })
	adminHallShow = orgShow("vending hall", func(s *backoffice.Service) func(context.Context, backoffice.Actor, int64) (backoffice.Hall, error) {
		return s.Hall
	})
	adminHallDeactivate = orgDeactivate("vending hall", func(s *backoffice.Service) func(context.Context, backoffice.Actor, int64, int64) (backoffice.Hall, error) {
		return s.DeactivateHall
	})

	adminTerminalList = orgList("terminal", "terminals", func(fs *flag.FlagSet) func(*backoffice.OrgQuery) {
		hall := fs.Int64("hall", 0, "only terminals of this vending hall's `id`")
		agent := fs.Int64("agent", 0, "only terminals of this agent's `id`")
		return func(q *backoffice.OrgQuery) { q.HallID, q.AgentID = *hall, *agent }
	}, func(s *backoffice.Service) func(context.Context, backoffice.Actor, backoffice.OrgQuery) ([]backoffice.Terminal, error) {
		return s.Terminals
	}, func(t backoffice.Terminal) int64 { return t.ID })
	adminTerminalShow = orgShow("terminal", func(s *backoffice.Service) func(context.Context, backoffice.Actor, int64) (backoffice.Terminal, error) {
		return s.Terminal
	})
	adminTerminalDeactivate = orgDeactivate("terminal", func(s *backoffice.Service) func(context.Context, backoffice.Actor, int64, int64) (backoffice.Terminal, error) {
		return s.DeactivateTerminal
	})
)

var adminDepartmentCreate = adminCommand{summary: "create a department of a utility", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	utility := fs.Int64("utility", 0, "`id` of the utility (0: yours)")
	code := fs.String("code", "", "the department's `code`, unique in the utility (required)")
	name := fs.String("name", "", "the department's name (required)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		return a.svc.CreateDepartment(ctx, a.actor, backoffice.NewDepartment{UtilityID: *utility, Code: *code, Name: *name})
	}
}}

var adminDepartmentUpdate = adminCommand{summary: "change a department's code or name", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := idFlag(fs, "department")
	version := versionFlag(fs)
	code := fs.String("code", "", "the new `code`")
	name := fs.String("name", "", "the new name")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := requireID(*id); err != nil {
			return nil, err
		}
		d, err := a.svc.Department(ctx, a.actor, *id)
		if err != nil {
			return nil, err
		}
		overlay(a, "code", code, &d.Code)
		overlay(a, "name", name, &d.Name)
		return a.svc.UpdateDepartment(ctx, a.actor, backoffice.DepartmentUpdate{ID: *id, Version: *version, Code: d.Code, Name: d.Name})
	}
}}

var adminHallCreate = adminCommand{summary: "create a vending hall (a site where cashiers sell)", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	utility := fs.Int64("utility", 0, "`id` of the utility (0: yours)")
	department := fs.Int64("department", 0, "`id` of the department it belongs to (0: none)")
	code := fs.String("code", "", "the hall's `code`, unique in the utility (required)")
	name := fs.String("name", "", "the hall's name (required)")
	address := fs.String("address", "", "the hall's `address`")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		return a.svc.CreateHall(ctx, a.actor, backoffice.NewHall{UtilityID: *utility, DepartmentID: *department, Code: *code, Name: *name, Address: *address})
	}
}}

var adminHallUpdate = adminCommand{summary: "change a vending hall's department, code, name or address", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := idFlag(fs, "vending hall")
	version := versionFlag(fs)
	department := fs.Int64("department", 0, "`id` of the new department (0: none)")
	code := fs.String("code", "", "the new `code`")
	name := fs.String("name", "", "the new name")
	address := fs.String("address", "", "the new `address`")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := requireID(*id); err != nil {
			return nil, err
		}
		h, err := a.svc.Hall(ctx, a.actor, *id)
		if err != nil {
			return nil, err
		}
		overlay(a, "department", department, &h.DepartmentID)
		overlay(a, "code", code, &h.Code)
		overlay(a, "name", name, &h.Name)
		overlay(a, "address", address, &h.Address)
		return a.svc.UpdateHall(ctx, a.actor, backoffice.HallUpdate{ID: *id, Version: *version, DepartmentID: h.DepartmentID, Code: h.Code, Name: h.Name, Address: h.Address})
	}
}}

var adminTerminalCreate = adminCommand{summary: "register a POS terminal, tied to an agent, a vending hall or both", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	utility := fs.Int64("utility", 0, "`id` of the utility (0: yours)")
	serial := fs.String("serial", "", "the device's serial `number`, unique (required)")
	name := fs.String("name", "", "the terminal's name (required)")
	agent := fs.Int64("agent", 0, "`id` of the agent whose float it sells from")
	hall := fs.Int64("hall", 0, "`id` of the vending hall where it stands")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		return a.svc.CreateTerminal(ctx, a.actor, backoffice.NewTerminal{UtilityID: *utility, Serial: *serial, Name: *name, AgentID: *agent, HallID: *hall})
	}
}}

var adminTerminalUpdate = adminCommand{summary: "change a terminal's serial, name, agent or hall (a new agent revokes its keys)", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := idFlag(fs, "terminal")
	version := versionFlag(fs)
	serial := fs.String("serial", "", "the new serial `number`")
	name := fs.String("name", "", "the new name")
	agent := fs.Int64("agent", 0, "`id` of the new agent (0: none)")
	hall := fs.Int64("hall", 0, "`id` of the new vending hall (0: none)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := requireID(*id); err != nil {
			return nil, err
		}
		t, err := a.svc.Terminal(ctx, a.actor, *id)
		if err != nil {
			return nil, err
		}
		overlay(a, "serial", serial, &t.Serial)
		overlay(a, "name", name, &t.Name)
		overlay(a, "agent", agent, &t.AgentID)
		overlay(a, "hall", hall, &t.HallID)
		return a.svc.UpdateTerminal(ctx, a.actor, backoffice.TerminalUpdate{ID: *id, Version: *version, Serial: t.Serial, Name: t.Name, AgentID: t.AgentID, HallID: t.HallID})
	}
}}

// terminalKeyView is a terminal's new API key as printed, once.
type terminalKeyView struct {
	ID         int64  `json:"id"`
	TerminalID int64  `json:"terminal_id"`
	AgentID    int64  `json:"agent_id"`
	Label      string `json:"label"`
	Key        string `json:"api_key"`
}

var adminTerminalIssueKey = adminCommand{summary: "issue an API key for a terminal, authenticating as its agent (shown once)", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	id := idFlag(fs, "terminal")
	label := fs.String("label", "", "a `label` to tell the key from the terminal's others")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if err := requireID(*id); err != nil {
			return nil, err
		}
		k, err := a.svc.IssueTerminalKey(ctx, a.actor, *id, *label)
		if err != nil {
			return nil, err
		}
		return terminalKeyView{k.ID, k.TerminalID, k.AgentID, k.Label, k.Key}, nil
	}
}}
