package ops_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/testkit"
)

// TestPermissionMatrix sends every route that needs a permission, by an API token of an operator
// of each built-in role, on both databases. A role without the permission gets 403 naming it,
// and the only entry the request adds to the audit trail is its refusal; a role with it is never
// refused for it.
func TestPermissionMatrix(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, db *store.DB) {
		e := newEnvOn(t, db)
		ctx := context.Background()
		targetID := createdID(t, e, "target", backoffice.RoleReadOnly)
		if _, err := e.bo.Svc.CreateRole(ctx, e.bo.Admin, backoffice.NewRole{Name: "custom", Summary: "x", Permissions: []backoffice.Permission{backoffice.PermMetersRead}}); err != nil {
			t.Fatal(err)
		}
		id := strconv.FormatInt(targetID, 10)
		routes := []struct {
			method, path string
			body         any
			perm         backoffice.Permission
		}{
			{"GET", "/ops/v1/operators", nil, backoffice.PermOperatorsRead},
			{"POST", "/ops/v1/operators", map[string]any{"username": "newcomer", "roles": []string{"read_only"}}, backoffice.PermOperatorsManage},
			{"GET", "/ops/v1/operators/" + id, nil, backoffice.PermOperatorsRead},
			{"PATCH", "/ops/v1/operators/" + id, map[string]any{"version": 1, "full_name": "T", "email": "", "roles": []string{"read_only"}, "utility_id": 0, "hall_id": 0}, backoffice.PermOperatorsManage},
			{"POST", "/ops/v1/operators/" + id + "/deactivate", nil, backoffice.PermOperatorsManage},
			{"POST", "/ops/v1/operators/" + id + "/reactivate", nil, backoffice.PermOperatorsManage},
			{"POST", "/ops/v1/operators/" + id + "/unlock", nil, backoffice.PermOperatorsManage},
			{"POST", "/ops/v1/operators/" + id + "/reset-totp", nil, backoffice.PermOperatorsManage},
			{"POST", "/ops/v1/operators/" + id + "/reset-password", nil, backoffice.PermOperatorsManage},
			{"GET", "/ops/v1/operators/" + id + "/sessions", nil, backoffice.PermOperatorsManage},
			{"DELETE", "/ops/v1/operators/" + id + "/sessions", nil, backoffice.PermOperatorsManage},
			{"GET", "/ops/v1/operators/" + id + "/tokens", nil, backoffice.PermOperatorsManage},
			{"GET", "/ops/v1/roles", nil, backoffice.PermOperatorsRead},
			{"POST", "/ops/v1/roles", map[string]any{"name": "another", "permissions": []string{"meters.read"}}, backoffice.PermRolesManage},
			{"PATCH", "/ops/v1/roles/custom", map[string]any{"version": 1, "summary": "y", "permissions": []string{"meters.read"}}, backoffice.PermRolesManage},
			{"POST", "/ops/v1/roles/custom/deactivate", nil, backoffice.PermRolesManage},
			{"GET", "/ops/v1/audit", nil, backoffice.PermAuditRead},
			{"GET", "/ops/v1/audit/verify", nil, backoffice.PermAuditRead},
			{"GET", "/ops/v1/audit/export?format=json", nil, backoffice.PermAuditRead},
		}
		denials := 0
		for _, role := range backoffice.BuiltInRoles() {
			actor := e.bo.Operator(t, strings.ReplaceAll(role.Name, "_", "-"), role.Name)
			c := e.client(t)
			c.bearer = e.token(t, actor)
			for _, r := range routes {
				before := auditHead(t, e)
				a := c.do(t, r.method, r.path, r.body)
				denied := a.status == http.StatusForbidden && strings.Contains(string(a.body), `"reason":"permission_denied"`)
				if role.Has(r.perm) {
					if denied {
						t.Errorf("%s: %s %s refused although the role holds %s: %s", role.Name, r.method, r.path, r.perm, a.body)
					}
					continue
				}
				if !denied {
					t.Errorf("%s: %s %s answered %d, want 403 for %s: %s", role.Name, r.method, r.path, a.status, r.perm, a.body)
					continue
				}
				denials++
				if p := a.problem(t); p["permission"] != string(r.perm) {
					t.Errorf("%s: %s %s names %v, want %s", role.Name, r.method, r.path, p["permission"], r.perm)
				}
				added, err := e.bo.Svc.AuditTrail(ctx, e.bo.Admin, backoffice.AuditQuery{AfterSeq: before})
				if err != nil {
					t.Fatal(err)
				}
				if len(added) != 1 || added[0].Outcome != backoffice.OutcomeDenied || added[0].ActorID != actor.ID() || added[0].Permission != r.perm {
					t.Errorf("%s: %s %s added %d audit entries, want only its refusal: %+v", role.Name, r.method, r.path, len(added), added)
				}
			}
		}
		if denials < len(routes) { // read_only alone is refused every route that changes something
			t.Errorf("%d refusals: the matrix refused too little to prove anything", denials)
		}
		// Every route of the table that no operator may call without a permission is above.
		var covered []string
		for _, r := range routes {
			covered = append(covered, r.method+" "+strings.Split(strings.Replace(strings.Replace(r.path, id, "{id}", 1), "custom", "{name}", 1), "?")[0])
		}
		for _, r := range e.srv.Routes() {
			if !slices.Contains(covered, r.Method+" "+r.Path) && !slices.Contains(selfService, r.Method+" "+r.Path) {
				t.Errorf("route %s %s is neither in the matrix nor self-service", r.Method, r.Path)
			}
		}
	})
}

// selfService are the routes any signed-in operator may call for themselves (or anyone, to sign
// in): they need no permission.
var selfService = []string{
	"GET /ops/v1/openapi.json", "POST /ops/v1/session", "DELETE /ops/v1/session",
	"GET /ops/v1/me", "POST /ops/v1/me/password", "POST /ops/v1/me/totp", "POST /ops/v1/me/totp/confirm",
	"GET /ops/v1/tokens", "POST /ops/v1/tokens", "DELETE /ops/v1/tokens/{id}",
}

// createdID creates an operator by the administrator and returns its ID.
func createdID(t *testing.T, e *env, username string, roles ...string) int64 {
	t.Helper()
	creds, err := e.bo.Svc.CreateOperator(context.Background(), e.bo.Admin, backoffice.NewOperator{Username: username, FullName: username, Roles: roles})
	if err != nil {
		t.Fatal(err)
	}
	return creds.Operator.ID
}

// auditHead is the sequence number of the audit trail's newest entry.
func auditHead(t *testing.T, e *env) int64 {
	t.Helper()
	v, err := e.bo.Svc.VerifyAudit(context.Background(), e.bo.Admin)
	if err != nil {
		t.Fatal(err)
	}
	return v.Head.Seq + 1 // the verification records itself
}
