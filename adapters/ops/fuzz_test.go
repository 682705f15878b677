package ops_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/vendgate/vendgate/adapters/ops"
	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

// The fakes of the fuzz target: every use case answers from what the adapter decoded, so a run
// costs no database and no password hash. Each records what it was given.
// (The interfaces are embedded by other names, as Sessions and Tokens have methods of those names.)
type (
	sessionsAPI  = ops.Sessions
	tokensAPI    = ops.Tokens
	fuzzSessions struct {
		sessionsAPI
		got *backoffice.SignInRequest
	}
	fuzzTokens    struct{ tokensAPI }
	fuzzAudit     struct{ ops.Audit }
	fuzzOperators struct{ ops.Operators }
	fuzzRoles     struct{ ops.Roles }
	fuzzAccount   struct{ ops.Account }
)

func (f fuzzSessions) OpenSession(_ context.Context, req backoffice.SignInRequest) (backoffice.SessionGrant, error) {
	*f.got = req
	return backoffice.SessionGrant{Token: "t", CSRF: "c", ExpiresAt: time.Unix(0, 0)}, nil
}

func (fuzzTokens) TokenActor(context.Context, string, string) (backoffice.Actor, error) {
	return backoffice.Actor{}, nil
}

func (fuzzTokens) IssueToken(_ context.Context, _ backoffice.Actor, n backoffice.NewToken) (backoffice.TokenGrant, error) {
	if n.Label == "" || n.TTL < 0 {
		return backoffice.TokenGrant{}, core.Errorf(core.CodeInvalid, backoffice.ReasonInvalidToken, "a label").OnField("label")
	}
	return backoffice.TokenGrant{Token: "vgo_x", ID: 1, Label: n.Label, Permissions: []backoffice.Permission{}}, nil
}

func (fuzzOperators) CreateOperator(_ context.Context, _ backoffice.Actor, n backoffice.NewOperator) (*backoffice.Credentials, error) {
	return &backoffice.Credentials{Operator: backoffice.OperatorView{ID: 1, Username: n.Username, Roles: []string{}, Status: backoffice.OperatorActive}, Password: "p"}, nil
}

func (fuzzOperators) ShowOperator(context.Context, backoffice.Actor, int64) (backoffice.OperatorView, error) {
	return backoffice.OperatorView{ID: 7, Roles: []string{}, Status: backoffice.OperatorActive, Version: 1}, nil
}

func (fuzzOperators) UpdateOperator(_ context.Context, _ backoffice.Actor, id int64, u backoffice.OperatorUpdate) (backoffice.OperatorView, error) {
	return backoffice.OperatorView{ID: id, FullName: u.FullName, Roles: []string{}, Status: backoffice.OperatorActive, Version: u.Version + 1}, nil
}

func (fuzzRoles) CreateRole(_ context.Context, _ backoffice.Actor, n backoffice.NewRole) (backoffice.RoleView, error) {
	return backoffice.RoleView{ID: 1, Name: n.Name, Permissions: []backoffice.Permission{}}, nil
}

func (fuzzAccount) EnrolTOTP(context.Context, backoffice.Actor, string) (backoffice.TOTPEnrolment, error) {
	return backoffice.TOTPEnrolment{Secret: "S", URI: "otpauth://totp/x"}, nil
}

func (fuzzAccount) ConfirmTOTP(context.Context, backoffice.Actor, string) error { return nil }

// bodySeeds are testdata/bodies.json.
type bodySeeds struct {
	Bodies []struct {
		Path        string `json:"path"`
		ContentType string `json:"content_type"`
		Body        string `json:"body"`
	} `json:"bodies"`
}

// FuzzRequestBodies sends fuzzed bodies and Content-Types to the routes that decode a body
// (sign-in by anyone, the others by an API token). Properties: nothing panics (no 500); every
// refusal is a problem with a reason, and a refused body never reaches the use case; a sign-in
// that is accepted decoded exactly the username and password the body holds; a body declared as
// anything but JSON is 415.
func FuzzRequestBodies(f *testing.F) {
	b, err := os.ReadFile("testdata/bodies.json")
	if err != nil {
		f.Fatal(err)
	}
	var seeds bodySeeds
	if err := json.Unmarshal(b, &seeds); err != nil || len(seeds.Bodies) == 0 {
		f.Fatalf("testdata/bodies.json: %v", err)
	}
	paths := []string{"/ops/v1/session", "/ops/v1/operators", "/ops/v1/operators/7", "/ops/v1/tokens", "/ops/v1/roles", "/ops/v1/me/totp", "/ops/v1/me/totp/confirm"}
	for _, s := range seeds.Bodies {
		i := 0
		for j, p := range paths {
			if p == s.Path {
				i = j
			}
		}
		f.Add(uint8(i), s.ContentType, s.Body)
	}
	var got backoffice.SignInRequest
	srv := ops.New(ops.Config{Account: fuzzAccount{}, Sessions: fuzzSessions{got: &got}, Tokens: fuzzTokens{}, Operators: fuzzOperators{},
		Roles: fuzzRoles{}, Audit: fuzzAudit{}, Approvals: unusedApprovals{}, Agents: unusedAgents{}, Vends: unusedVends{},
		Organisation: unusedOrganisation{}, Versions: unusedVersions{}, Stock: unusedStock{}, Contracts: unusedContracts{}, MeterTokens: unusedMeterTokens{}, Records: unusedRecords{}, Network: unusedNetwork{},
		Debts: unusedDebts{}, Charges: unusedCharges{}, Refunds: unusedRefunds{}, Exchanges: unusedExchanges{},
		Readings: unusedReadings{}, Tampering: unusedTampering{}, AgentTerms: unusedAgentTerms{}, Commissions: unusedCommissions{},
		Logger: zerolog.Nop()})
	f.Fuzz(func(t *testing.T, route uint8, contentType, body string) {
		path := paths[int(route)%len(paths)]
		method := http.MethodPost
		if path == "/ops/v1/operators/7" {
			method = http.MethodPatch
		}
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if path != "/ops/v1/session" {
			req.Header.Set("Authorization", "Bearer vgo_fuzz")
		}
		got = backoffice.SignInRequest{}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", method, path, body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 {
			var p struct {
				Reason string `json:"reason"`
				Status int    `json:"status"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Reason == "" || p.Status != rec.Code {
				t.Fatalf("%d without a problem: %q", rec.Code, rec.Body)
			}
			if got != (backoffice.SignInRequest{}) {
				t.Fatalf("a refused body reached the sign-in: %+v", got)
			}
			return
		}
		if ct := req.Header.Get("Content-Type"); ct != "" && !strings.Contains(strings.ToLower(ct), "json") {
			t.Fatalf("a body of type %q was accepted: %d", ct, rec.Code)
		}
		if path == "/ops/v1/session" {
			var in map[string]any
			if err := json.Unmarshal([]byte(body), &in); err != nil {
				t.Fatalf("an accepted sign-in body is not JSON: %q", body)
			}
			if in["username"] != got.Username || in["password"] != got.Password || got.Via != "session" {
				t.Fatalf("the sign-in decoded %+v from %q", got, body)
			}
		}
	})
}

// The interfaces of routes the fuzz never sends: calling one would panic, which the server
// answers 500 and the fuzz reports.
type (
	unusedApprovals    struct{ approvalQueue }
	unusedAgents       struct{ ops.Agents }
	unusedVends        struct{ ops.Vends }
	unusedOrganisation struct{ ops.Organisation }
	unusedVersions     struct{ ops.Versions }
	unusedStock        struct{ ops.Stock }
	unusedContracts    struct{ contractBook }
	unusedMeterTokens  struct{ ops.MeterTokens }
	unusedRecords      struct{ ops.Records }
	unusedNetwork      struct{ ops.Network }
	unusedDebts        struct{ ops.Debts }
	unusedCharges      struct{ ops.Charges }
	unusedRefunds      struct{ ops.Refunds }
	unusedExchanges    struct{ ops.Exchanges }
	unusedReadings     struct{ ops.Readings }
	unusedTampering    struct{ ops.Tampering }
	unusedAgentTerms   struct{ ops.AgentTerms }
	unusedCommissions  struct{ ops.Commissions }
	// Aliases, as these interfaces have a method of their own name.
	approvalQueue = ops.Approvals
	contractBook  = ops.Contracts
)
