package rest_test

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/vendgate/vendgate/adapters/rest"
	"github.com/vendgate/vendgate/core"
)

// requestSeeds are testdata/requests.json: headers, paths and queries to seed the fuzz targets.
type requestSeeds struct {
	Headers []struct {
		Authorization  string `json:"authorization"`
		IdempotencyKey string `json:"idempotency_key"`
		ContentType    string `json:"content_type"`
		RequestID      string `json:"request_id"`
	} `json:"headers"`
	Paths []struct {
		ID    string `json:"id"`
		Meter string `json:"meter"`
		Query string `json:"query"`
	} `json:"paths"`
}

func loadRequestSeeds(f *testing.F) requestSeeds {
	f.Helper()
	b, err := os.ReadFile("testdata/requests.json")
	if err != nil {
		f.Fatal(err)
	}
	var s requestSeeds
	if err := json.Unmarshal(b, &s); err != nil {
		f.Fatal(err)
	}
	if len(s.Headers) == 0 || len(s.Paths) == 0 {
		f.Fatal("testdata/requests.json has no seeds")
	}
	return s
}

// saneRequestID is what the API accepts as a caller's X-Request-Id (and what it makes itself).
var saneRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// fuzzProblem is the part of a problem the properties look at.
type fuzzProblem struct {
	Reason string `json:"reason"`
	Field  string `json:"field"`
}

func serveFuzz(t *testing.T, e *env, req *http.Request) (*httptest.ResponseRecorder, fuzzProblem) {
	t.Helper()
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, req)
	var p fuzzProblem
	if rec.Code >= 400 {
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Reason == "" {
			t.Fatalf("%d without a problem: %q", rec.Code, rec.Body)
		}
	}
	if rec.Code >= 500 { // the fakes never fail: a 500 is a panic the middleware caught
		t.Fatalf("%s %s: %d %s", req.Method, req.URL, rec.Code, rec.Body)
	}
	return rec, p
}

// FuzzRequestHeaders sends POST /v1/vends with fuzzed Authorization, Idempotency-Key,
// Content-Type and X-Request-Id headers. Properties: nothing panics (no 500); a sane request ID
// comes back unchanged and any other is replaced by a sane one; a vend is sold only with agent
// 7's key as a bearer token, a key of printable ASCII and a JSON (or no) Content-Type; a refused
// key names the Idempotency-Key header; no answer echoes the Authorization header.
func FuzzRequestHeaders(f *testing.F) {
	for _, s := range loadRequestSeeds(f).Headers {
		f.Add(s.Authorization, s.IdempotencyKey, s.ContentType, s.RequestID)
	}
	e := newEnv(f, func(c *rest.Config) { c.Logger = zerolog.Nop() })
	e.vendor.fn = func(r core.VendRequest) (*core.Vend, error) { return sampleVend(101, r.AgentID), nil }
	f.Fuzz(func(t *testing.T, auth, idem, ctype, reqID string) {
		req := httptest.NewRequest(http.MethodPost, "/v1/vends", strings.NewReader(vendBody))
		for name, v := range map[string]string{"Authorization": auth, "Idempotency-Key": idem, "Content-Type": ctype, "X-Request-Id": reqID} {
			if v != "" {
				req.Header.Set(name, v)
			}
		}
		rec, p := serveFuzz(t, e, req)
		got := rec.Header().Get("X-Request-Id")
		if !saneRequestID.MatchString(got) || saneRequestID.MatchString(reqID) && got != reqID {
			t.Errorf("X-Request-Id %q answered %q", reqID, got)
		}
		if rec.Code == http.StatusOK {
			if !strings.Contains(auth, keySeven) || !strings.EqualFold(strings.Fields(auth)[0], "Bearer") {
				t.Errorf("sold with Authorization %q", auth)
			}
			if idem == "" || strings.IndexFunc(idem, func(r rune) bool { return r < ' ' || r > '~' }) >= 0 {
				t.Errorf("sold with Idempotency-Key %q", idem)
			}
			if mt, _, err := mime.ParseMediaType(ctype); ctype != "" && (err != nil || mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
				t.Errorf("sold with Content-Type %q", ctype)
			}
		}
		if strings.HasSuffix(p.Reason, "idempotency_key") && p.Field != "Idempotency-Key" {
			t.Errorf("reason %s names field %q, want Idempotency-Key", p.Reason, p.Field)
		}
		if rec.Code == http.StatusUnauthorized && rec.Header().Get("WWW-Authenticate") == "" {
			t.Error("401 without WWW-Authenticate")
		}
		if len(auth) >= 8 && strings.Contains(rec.Body.String(), auth) {
			t.Errorf("the answer echoes the Authorization header: %s", rec.Body)
		}
	})
}

// FuzzPathAndQuery sends fuzzed vend IDs (GET /v1/vends/{id}), meter numbers
// (GET /v1/meters/{number}) and query strings (GET /v1/vends, GET /v1/agent/statement).
// Properties: nothing panics (no 500); an ID is accepted only as a positive decimal without a
// sign and the vend answered is that one; a meter is looked up only when core.CheckMeterNumber
// accepts it; every refusal of an input names it (id, number, or a parameter of the query); no
// answer carries more than 13 characters of a refused meter number.
func FuzzPathAndQuery(f *testing.F) {
	for _, s := range loadRequestSeeds(f).Paths {
		f.Add(s.ID, s.Meter, s.Query)
	}
	e := newEnv(f, func(c *rest.Config) { c.Logger = zerolog.Nop() })
	get := func(path, rawQuery string) *http.Request {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Authorization", "Bearer "+keySeven)
		req.URL.Path, req.URL.RawPath, req.URL.RawQuery = path, "", rawQuery
		return req
	}
	f.Fuzz(func(t *testing.T, id, meter, query string) {
		if !strings.Contains(id, "/") {
			rec, p := serveFuzz(t, e, get("/v1/vends/"+id, ""))
			n, err := strconv.ParseInt(id, 10, 64)
			valid := err == nil && n > 0 && id[0] != '+'
			switch {
			case rec.Code == http.StatusOK:
				var v struct{ ID int64 }
				if !valid || json.Unmarshal(rec.Body.Bytes(), &v) != nil || v.ID != n {
					t.Errorf("GET /v1/vends/%q: answered %s", id, rec.Body)
				}
			case rec.Code == http.StatusBadRequest && (valid || p.Reason != "invalid_vend_id" || p.Field != "id"):
				t.Errorf("GET /v1/vends/%q: refused as %+v", id, p)
			case rec.Code == http.StatusNotFound && !valid && id != "":
				t.Errorf("GET /v1/vends/%q: 404 for an invalid ID, want 400", id)
			}
		}
		if !strings.Contains(meter, "/") && meter != "" {
			rec, p := serveFuzz(t, e, get("/v1/meters/"+meter, ""))
			checkErr := core.CheckMeterNumber(meter)
			if (rec.Code == http.StatusBadRequest) != (checkErr != nil) || checkErr != nil && (p.Reason != "invalid_meter_number" || p.Field != "number") {
				t.Errorf("GET /v1/meters/%q: %d %+v, check %v", meter, rec.Code, p, checkErr)
			}
			if checkErr != nil && len(meter) > 13 && strings.Contains(rec.Body.String(), meter) {
				t.Errorf("GET /v1/meters/%q: the answer echoes the number", meter)
			}
		}
		params, perr := url.ParseQuery(query)
		for _, path := range []string{"/v1/vends", "/v1/agent/statement"} {
			rec, p := serveFuzz(t, e, get(path, query))
			if rec.Code != http.StatusBadRequest {
				continue
			}
			if perr == nil && p.Field != "" && !params.Has(p.Field) && p.Reason != "missing_parameter" {
				t.Errorf("GET %s?%s: refused naming %q, not a parameter sent (%+v)", path, query, p.Field, p)
			}
			if p.Field == "" {
				t.Errorf("GET %s?%s: refused without naming the parameter (%+v)", path, query, p)
			}
		}
	})
}
