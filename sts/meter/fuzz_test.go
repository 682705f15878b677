package meter_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/vendgate/vendgate/sts"
	"github.com/vendgate/vendgate/sts/meter"
)

// FuzzEnter types arbitrary keypad input: the meter never panics, a rejection changes nothing,
// and a token it accepts is refused the second time unless it carries no TID.
func FuzzEnter(f *testing.F) {
	raw, err := os.ReadFile("../testdata/vectors-public.json")
	if err != nil {
		f.Fatal(err)
	}
	var file struct {
		Vectors []struct {
			Token string `json:"token"`
		} `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		f.Fatal(err)
	}
	for _, v := range file.Vectors {
		f.Add(v.Token)
	}
	f.Add("")
	f.Add("0000-0000-0000-0000-0000")
	f.Add("73786976294838206464")
	f.Fuzz(func(t *testing.T, s string) {
		fx := newFixture(t, nil)
		before := fx.m.State()
		r := fx.m.Enter(s)
		if !r.Code.OK() {
			if !stateEqual(before, fx.m.State()) {
				t.Fatalf("rejected input %q changed the meter", s)
			}
			return
		}
		if _, ok := r.Payload.(sts.Transfer); ok && r.Code == meter.Accepted {
			if again := fx.m.Enter(s); again.Code != meter.ErrUsed {
				t.Fatalf("accepted token entered twice: got %v, want used", again)
			}
		}
	})
}
