package store_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/testkit"
)

// wantReason checks an error's code and reason, and the field it names when field is given.
func wantReasonOn(t *testing.T, err error, code core.Code, reason core.Reason, field string) {
	t.Helper()
	e := core.AsError(err)
	if err == nil || e.Code != code || e.Reason != reason || field != "" && e.Field != field {
		t.Fatalf("got %v (%s/%s on %q), want %s/%s on %q", err, e.Code, e.Reason, e.Field, code, reason, field)
	}
}

// auditSince returns the audit entries appended after seq.
func auditSince(t *testing.T, db *store.DB, seq int64) []backoffice.AuditEntry {
	t.Helper()
	entries, err := db.AuditEntries(context.Background(), backoffice.AuditQuery{AfterSeq: seq, Limit: backoffice.MaxAuditPage})
	must(t, err)
	return entries
}

func headSeq(t *testing.T, db *store.DB) int64 {
	t.Helper()
	h, err := db.AuditHead(context.Background())
	must(t, err)
	return h.Seq
}

// TestOrganisationRecords: departments, halls and terminals are created, listed, searched, shown,
// updated at the version read and deactivated, each change with its audit entry; a stale version
// is a conflict that changes nothing.
func TestOrganisationRecords(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := seed(t, db)
		bo := testkit.NewBackOffice(t, db)
		svc, admin, uid := bo.Svc, bo.Admin, f.utility.ID

		head := headSeq(t, db)
		dep, err := svc.CreateDepartment(ctx, admin, backoffice.NewDepartment{UtilityID: uid, Code: " REV ", Name: "Revenue"})
		must(t, err)
		if dep.ID == 0 || dep.Code != "REV" || !dep.Active || dep.Version != 1 {
			t.Fatalf("created department %+v", dep)
		}
		_, err = svc.CreateDepartment(ctx, admin, backoffice.NewDepartment{UtilityID: uid, Code: "REV", Name: "Again"})
		wantReasonOn(t, err, core.CodeDuplicate, backoffice.ReasonDuplicateDepartment, "code")
		_, err = svc.CreateDepartment(ctx, admin, backoffice.NewDepartment{UtilityID: uid, Code: "X"})
		wantReasonOn(t, err, core.CodeInvalid, backoffice.ReasonInvalidDepartment, "name")

		hall, err := svc.CreateHall(ctx, admin, backoffice.NewHall{UtilityID: uid, DepartmentID: dep.ID, Code: "SOW", Name: "Soweto hall", Address: "1 Main Rd"})
		must(t, err)
		other, err := svc.CreateHall(ctx, admin, backoffice.NewHall{UtilityID: uid, Code: "ALX", Name: "Alexandra hall"})
		must(t, err)
		_, err = svc.CreateHall(ctx, admin, backoffice.NewHall{UtilityID: uid, DepartmentID: dep.ID + 100, Code: "Q", Name: "Nowhere"})
		wantReasonOn(t, err, core.CodeInvalid, backoffice.ReasonInvalidHall, "department_id")

		term, err := svc.CreateTerminal(ctx, admin, backoffice.NewTerminal{UtilityID: uid, Serial: "POS-0001", Name: "Counter 1", AgentID: f.agent.ID, HallID: hall.ID})
		must(t, err)
		_, err = svc.CreateTerminal(ctx, admin, backoffice.NewTerminal{UtilityID: uid, Serial: "POS-0002", Name: "Loose"})
		wantReasonOn(t, err, core.CodeInvalid, backoffice.ReasonInvalidTerminal, "agent_id")
		_, err = svc.CreateTerminal(ctx, admin, backoffice.NewTerminal{UtilityID: uid, Serial: "POS-0001", Name: "Twin", HallID: hall.ID})
		wantReasonOn(t, err, core.CodeDuplicate, backoffice.ReasonDuplicateTerminal, "serial")
		// Three creations succeeded; the refusals of bad input left no entry.
		if got := auditSince(t, db, head); len(got) != 4 {
			t.Fatalf("got %d audit entries for 4 creations", len(got))
		}

		halls, err := svc.Halls(ctx, admin, backoffice.OrgQuery{Search: "sOwEtO"})
		must(t, err)
		if len(halls) != 1 || halls[0].ID != hall.ID {
			t.Fatalf("search for soweto: %+v", halls)
		}
		halls, err = svc.Halls(ctx, admin, backoffice.OrgQuery{DepartmentID: dep.ID})
		must(t, err)
		if len(halls) != 1 || halls[0].ID != hall.ID {
			t.Fatalf("halls of the department: %+v", halls)
		}
		page, err := svc.Halls(ctx, admin, backoffice.OrgQuery{Limit: 1})
		must(t, err)
		next, err := svc.Halls(ctx, admin, backoffice.OrgQuery{Limit: 1, AfterID: page[0].ID})
		must(t, err)
		if len(page) != 1 || len(next) != 1 || next[0].ID != other.ID {
			t.Fatalf("pages %+v then %+v", page, next)
		}
		terms, err := svc.Terminals(ctx, admin, backoffice.OrgQuery{AgentID: f.agent.ID, State: backoffice.StateActive})
		must(t, err)
		if len(terms) != 1 || terms[0].ID != term.ID {
			t.Fatalf("terminals of the agent: %+v", terms)
		}

		// Update at the version read; the second operator, who read version 1 too, is refused.
		head = headSeq(t, db)
		upd, err := svc.UpdateHall(ctx, admin, backoffice.HallUpdate{ID: hall.ID, Version: 1, DepartmentID: dep.ID, Code: "SOW", Name: "Soweto central", Address: "2 Main Rd"})
		must(t, err)
		if upd.Version != 2 || upd.Name != "Soweto central" {
			t.Fatalf("updated hall %+v", upd)
		}
		_, err = svc.UpdateHall(ctx, admin, backoffice.HallUpdate{ID: hall.ID, Version: 1, Code: "SOW", Name: "Lost update"})
		wantReasonOn(t, err, core.CodeConflict, backoffice.ReasonStaleVersion, "")
		_, err = svc.UpdateDepartment(ctx, admin, backoffice.DepartmentUpdate{ID: dep.ID, Version: 7, Code: "REV", Name: "Stale"})
		wantReasonOn(t, err, core.CodeConflict, backoffice.ReasonStaleVersion, "")
		_, err = svc.UpdateTerminal(ctx, admin, backoffice.TerminalUpdate{ID: term.ID, Version: 3, Serial: "POS-0001", Name: "Stale", HallID: hall.ID})
		wantReasonOn(t, err, core.CodeConflict, backoffice.ReasonStaleVersion, "")
		shown, err := svc.Hall(ctx, admin, hall.ID)
		must(t, err)
		if shown != upd {
			t.Fatalf("shown %+v, want %+v", shown, upd)
		}
		entries := auditSince(t, db, head)
		if len(entries) != 1 || entries[0].Action != backoffice.ActionHallUpdate || entries[0].Target != "hall:"+strconv.FormatInt(hall.ID, 10) ||
			len(entries[0].Before) == 0 || len(entries[0].After) == 0 {
			t.Fatalf("audit of the update: %+v", entries)
		}
		depUpd, err := svc.UpdateDepartment(ctx, admin, backoffice.DepartmentUpdate{ID: dep.ID, Version: 1, Code: "REV", Name: "Revenue protection"})
		must(t, err)

		// A terminal's key authenticates as its agent, until the terminal is deactivated.
		key, err := svc.IssueTerminalKey(ctx, admin, term.ID, "counter 1")
		must(t, err)
		agent, err := core.Authenticate(ctx, db, key.Key)
		must(t, err)
		if agent.ID != f.agent.ID {
			t.Fatalf("the terminal's key authenticated as agent %d, want %d", agent.ID, f.agent.ID)
		}
		for _, e := range auditSince(t, db, head) {
			if strings.Contains(string(e.After), key.Key) || strings.Contains(e.Detail, key.Key) {
				t.Fatalf("audit entry %d holds the API key", e.Seq)
			}
		}

		// Renamed, the terminal keeps its key; moved to another agent, it loses it.
		renamed, err := svc.UpdateTerminal(ctx, admin, backoffice.TerminalUpdate{ID: term.ID, Version: 1, Serial: "POS-0001", Name: "Counter one",
			AgentID: f.agent.ID, HallID: hall.ID})
		must(t, err)
		if _, err := core.Authenticate(ctx, db, key.Key); err != nil || renamed.Version != 2 || renamed.Name != "Counter one" {
			t.Fatalf("renamed terminal %+v; its key: %v", renamed, err)
		}
		second := f.newAgent(t, 0, 0)
		moved, err := svc.UpdateTerminal(ctx, admin, backoffice.TerminalUpdate{ID: term.ID, Version: 2, Serial: "POS-0001", Name: "Counter one",
			AgentID: second.ID, HallID: hall.ID})
		must(t, err)
		_, err = core.Authenticate(ctx, db, key.Key)
		wantReasonOn(t, err, core.CodeUnauthorized, core.ReasonInvalidAPIKey, "")
		key2, err := svc.IssueTerminalKey(ctx, admin, term.ID, "after the move")
		must(t, err)
		if agent, err := core.Authenticate(ctx, db, key2.Key); err != nil || agent.ID != second.ID || agent.TerminalID != term.ID {
			t.Fatalf("the new key authenticated as %+v, %v; want agent %d on terminal %d", agent, err, second.ID, term.ID)
		}

		offT, err := svc.DeactivateTerminal(ctx, admin, term.ID, moved.Version)
		must(t, err)
		if offT.Active || offT.Version != 4 {
			t.Fatalf("deactivated terminal %+v", offT)
		}
		_, err = core.Authenticate(ctx, db, key2.Key)
		wantReasonOn(t, err, core.CodeUnauthorized, core.ReasonInvalidAPIKey, "")
		_, err = svc.IssueTerminalKey(ctx, admin, term.ID, "")
		wantReasonOn(t, err, core.CodeConflict, backoffice.ReasonAlreadyInactive, "")
		_, err = svc.DeactivateTerminal(ctx, admin, term.ID, offT.Version)
		wantReasonOn(t, err, core.CodeConflict, backoffice.ReasonAlreadyInactive, "")

		must(t, svc.CheckHall(ctx, uid, hall.ID))
		wantReasonOn(t, svc.CheckHall(ctx, uid+1000, hall.ID), core.CodeInvalid, backoffice.ReasonUnknownHall, "hall_id")
		offH, err := svc.DeactivateHall(ctx, admin, hall.ID, upd.Version)
		must(t, err)
		wantReasonOn(t, svc.CheckHall(ctx, uid, hall.ID), core.CodeInvalid, backoffice.ReasonUnknownHall, "hall_id")
		offD, err := svc.DeactivateDepartment(ctx, admin, dep.ID, depUpd.Version)
		must(t, err)
		if offH.Active || offD.Active {
			t.Fatalf("deactivated %+v and %+v", offH, offD)
		}
		inactive, err := svc.Departments(ctx, admin, backoffice.OrgQuery{State: backoffice.StateInactive})
		must(t, err)
		active, err := svc.Departments(ctx, admin, backoffice.OrgQuery{State: backoffice.StateActive})
		must(t, err)
		if len(inactive) != 1 || len(active) != 0 {
			t.Fatalf("inactive %+v, active %+v", inactive, active)
		}
		_, err = svc.CreateHall(ctx, admin, backoffice.NewHall{UtilityID: uid, DepartmentID: dep.ID, Code: "NEW", Name: "In an inactive department"})
		wantReasonOn(t, err, core.CodeInvalid, backoffice.ReasonInvalidHall, "department_id")
	})
}

// TestOrganisationScope: an operator of one utility sees and changes only its own utility's
// records; each refusal is audited and changes nothing.
func TestOrganisationScope(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := seed(t, db)
		bo := testkit.NewBackOffice(t, db)
		svc := bo.Svc
		second := core.Utility{Name: "Lakeside Water", Currency: zar, TaxRate: decimal.RequireFromString("0.15"), Location: time.UTC}
		must(t, db.CreateUtility(ctx, &second))
		theirs, err := svc.CreateHall(ctx, bo.Admin, backoffice.NewHall{UtilityID: f.utility.ID, Code: "SOW", Name: "Soweto hall"})
		must(t, err)
		mine, err := svc.CreateHall(ctx, bo.Admin, backoffice.NewHall{UtilityID: second.ID, Code: "LAK", Name: "Lakeside hall"})
		must(t, err)
		op := bo.OperatorIn(t, "lakeside", second.ID, backoffice.RoleAdministrator)

		halls, err := svc.Halls(ctx, op, backoffice.OrgQuery{})
		must(t, err)
		if len(halls) != 1 || halls[0].ID != mine.ID {
			t.Fatalf("a Lakeside operator lists %+v", halls)
		}

		head := headSeq(t, db)
		_, err = svc.Halls(ctx, op, backoffice.OrgQuery{UtilityID: f.utility.ID})
		wantReasonOn(t, err, core.CodeForbidden, backoffice.ReasonOutOfScope, "")
		_, err = svc.Hall(ctx, op, theirs.ID)
		wantReasonOn(t, err, core.CodeForbidden, backoffice.ReasonOutOfScope, "")
		_, err = svc.UpdateHall(ctx, op, backoffice.HallUpdate{ID: theirs.ID, Version: 1, Code: "SOW", Name: "Taken over"})
		wantReasonOn(t, err, core.CodeForbidden, backoffice.ReasonOutOfScope, "")
		_, err = svc.DeactivateHall(ctx, op, theirs.ID, 1)
		wantReasonOn(t, err, core.CodeForbidden, backoffice.ReasonOutOfScope, "")
		_, err = svc.CreateDepartment(ctx, op, backoffice.NewDepartment{UtilityID: f.utility.ID, Code: "X", Name: "Planted"})
		wantReasonOn(t, err, core.CodeForbidden, backoffice.ReasonOutOfScope, "")
		_, err = svc.CreateTerminal(ctx, op, backoffice.NewTerminal{Serial: "P1", Name: "Borrowed agent", AgentID: f.agent.ID})
		wantReasonOn(t, err, core.CodeInvalid, backoffice.ReasonInvalidTerminal, "agent_id")

		entries := auditSince(t, db, head)
		if len(entries) != 5 {
			t.Fatalf("got %d audit entries, want the 5 refusals: %+v", len(entries), entries)
		}
		for _, e := range entries {
			if e.Outcome != backoffice.OutcomeDenied || e.ActorName != "lakeside" {
				t.Errorf("entry %d: %s by %s, want denied by lakeside", e.Seq, e.Outcome, e.ActorName)
			}
		}
		got, err := svc.Hall(ctx, bo.Admin, theirs.ID)
		must(t, err)
		if got != theirs {
			t.Errorf("the refused changes changed the hall: %+v, was %+v", got, theirs)
		}
		deps, err := svc.Departments(ctx, bo.Admin, backoffice.OrgQuery{})
		must(t, err)
		if len(deps) != 0 {
			t.Errorf("a refused creation stored %+v", deps)
		}
		// A record an operator of one utility creates without naming a utility is its utility's.
		own, err := svc.CreateDepartment(ctx, op, backoffice.NewDepartment{Code: "OPS", Name: "Operations"})
		must(t, err)
		if own.UtilityID != second.ID {
			t.Errorf("the department belongs to utility %d, want the operator's %d", own.UtilityID, second.ID)
		}
	})
}

// TestOrganisationPermission: an operator without organisation.manage is refused with one denied
// entry and nothing written.
func TestOrganisationPermission(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := seed(t, db)
		bo := testkit.NewBackOffice(t, db)
		cashier := bo.Operator(t, "cashier", backoffice.RoleCashier)
		head := headSeq(t, db)
		_, err := bo.Svc.CreateHall(ctx, cashier, backoffice.NewHall{UtilityID: f.utility.ID, Code: "SOW", Name: "Soweto hall"})
		wantReasonOn(t, err, core.CodeForbidden, backoffice.ReasonPermissionDenied, "")
		entries := auditSince(t, db, head)
		if len(entries) != 1 || entries[0].Outcome != backoffice.OutcomeDenied || entries[0].Permission != backoffice.PermOrganisationManage {
			t.Fatalf("audit after the refusal: %+v", entries)
		}
		halls, err := bo.Svc.Halls(ctx, bo.Admin, backoffice.OrgQuery{})
		must(t, err)
		if len(halls) != 0 {
			t.Errorf("the refused creation stored %+v", halls)
		}
	})
}

// TestTerminalVend: a terminal's key authenticates as its agent with the terminal named, and a
// vend requested with it records the terminal; the agent's own key names none.
func TestTerminalVend(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := seed(t, db)
		bo := testkit.NewBackOffice(t, db)
		term, err := bo.Svc.CreateTerminal(ctx, bo.Admin, backoffice.NewTerminal{UtilityID: f.utility.ID, Serial: "POS-7", Name: "Counter 7", AgentID: f.agent.ID})
		must(t, err)
		key, err := bo.Svc.IssueTerminalKey(ctx, bo.Admin, term.ID, "")
		must(t, err)
		own, hash, err := core.NewAPIKey()
		must(t, err)
		_, err = db.IssueAPIKey(ctx, f.agent.ID, hash, "own")
		must(t, err)

		m := f.newMeter(t, 0)
		for _, c := range []struct {
			key          string
			wantTerminal int64
		}{{key.Key, term.ID}, {own, 0}} {
			agent, err := core.Authenticate(ctx, db, c.key)
			must(t, err)
			if agent.ID != f.agent.ID || agent.TerminalID != c.wantTerminal {
				t.Fatalf("authenticated as agent %d, terminal %d; want agent %d, terminal %d", agent.ID, agent.TerminalID, f.agent.ID, c.wantTerminal)
			}
			req := vendReq(agent.ID, m, "terminal-"+strconv.FormatInt(c.wantTerminal, 10), 50_00)
			req.TerminalID = agent.TerminalID
			v, err := f.vendor.Vend(ctx, req)
			must(t, err)
			stored, err := db.Vend(ctx, v.ID)
			must(t, err)
			if stored.TerminalID != c.wantTerminal {
				t.Errorf("the vend records terminal %d, want %d", stored.TerminalID, c.wantTerminal)
			}
		}
	})
}
