package core_test

import (
	"bytes"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
	"github.com/vendgate/vendgate/testkit/memstore"
)

func newSealer(t *testing.T) *core.Sealer {
	t.Helper()
	master := make([]byte, 32)
	if _, err := rand.Read(master); err != nil {
		t.Fatal(err)
	}
	s, err := core.NewSealer(master)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSealer: a sealed vending key opens only under its master key and for its own supply
// group, revision and algorithm; a copy in another group's row, a wrong master key and a
// damaged key all fail without saying more.
func TestSealer(t *testing.T) {
	s := newSealer(t)
	vk := []byte("8 bytes!")
	sealed, err := s.Seal(vk, 123456, 1, sts.DKGA02)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, vk) {
		t.Fatal("the sealed key carries the key in clear")
	}
	if got, err := s.Open(sealed, 123456, 1, sts.DKGA02); err != nil || !bytes.Equal(got, vk) {
		t.Fatalf("Open: got %x, %v; want the key", got, err)
	}
	damaged := bytes.Clone(sealed)
	damaged[len(damaged)-1] ^= 1
	for name, open := range map[string]func() ([]byte, error){
		"ErrOtherGroup":     func() ([]byte, error) { return s.Open(sealed, 654321, 1, sts.DKGA02) },
		"ErrOtherRevision":  func() ([]byte, error) { return s.Open(sealed, 123456, 2, sts.DKGA02) },
		"ErrOtherAlgorithm": func() ([]byte, error) { return s.Open(sealed, 123456, 1, sts.DKGA04) },
		"ErrWrongMaster":    func() ([]byte, error) { return newSealer(t).Open(sealed, 123456, 1, sts.DKGA02) },
		"ErrDamaged":        func() ([]byte, error) { return s.Open(damaged, 123456, 1, sts.DKGA02) },
		"ErrTooShort":       func() ([]byte, error) { return s.Open(sealed[:10], 123456, 1, sts.DKGA02) },
	} {
		t.Run(name, func(t *testing.T) {
			got, err := open()
			if err == nil || got != nil {
				t.Fatalf("got %x, %v; want an error", got, err)
			}
			if strings.Contains(err.Error(), string(vk)) {
				t.Fatalf("the error %q carries the key", err)
			}
		})
	}
	if _, err := core.NewSealer(make([]byte, 16)); err == nil {
		t.Fatal("NewSealer accepted a 16-byte master key")
	}
}

// TestSoftIssuerCache: the issuer's cache of decoder ciphers is bounded and a token made after
// the cache was emptied is the same as before.
func TestSoftIssuerCache(t *testing.T) {
	w := memstore.NewWorld(t)
	iss := &core.SoftIssuer{Keys: w.Store, Sealer: w.Sealer, CacheSize: 1}
	a, b := w.AddMeter(t, w.Site, nil), w.AddMeter(t, w.Site, nil)
	p := []sts.Payload{sts.Transfer{K: sts.KindElectricity, RND: 3, TID: 100, Value: 10}}
	first, err := iss.Tokens(bg, a.Key, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iss.Tokens(bg, b.Key, p); err != nil { // pushes a's cipher out
		t.Fatal(err)
	}
	again, err := iss.Tokens(bg, a.Key, p)
	if err != nil || again[0] != first[0] {
		t.Fatalf("after the cache turned over: got %v, %v; want %v", again, err, first)
	}
}

// TestAuthenticate finds the agent of an API key and refuses the rest.
func TestAuthenticate(t *testing.T) {
	w := memstore.NewWorld(t)
	key, hash, err := core.NewAPIKey()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key, "vg_") || hash != core.HashAPIKey(key) || len(hash) != 64 {
		t.Fatalf("NewAPIKey: %q, %q", core.MaskSecret(key), hash)
	}
	id, err := w.Store.IssueAPIKey(bg, w.Agent.ID, hash, "till")
	if err != nil {
		t.Fatal(err)
	}
	if a, err := core.Authenticate(bg, w.Store, key); err != nil || a.ID != w.Agent.ID {
		t.Fatalf("got %+v, %v; want agent %d", a, err, w.Agent.ID)
	}
	_, err = core.Authenticate(bg, w.Store, "")
	wantReason(t, err, core.CodeUnauthorized, "missing_api_key")
	_, err = core.Authenticate(bg, w.Store, key+"x")
	wantReason(t, err, core.CodeUnauthorized, "invalid_api_key")
	w.Store.SetFault(failing(errDown, "AgentByAPIKeyHash"))
	_, err = core.Authenticate(bg, w.Store, key)
	wantReason(t, err, core.CodeUnavailable, "unavailable")
	w.Store.SetFault(nil)
	if err := w.Store.SetAgentActive(w.Agent.ID, false); err != nil {
		t.Fatal(err)
	}
	_, err = core.Authenticate(bg, w.Store, key)
	wantReason(t, err, core.CodeUnauthorized, "agent_inactive")
	if err := w.Store.RevokeAPIKey(bg, id); err != nil {
		t.Fatal(err)
	}
	_, err = core.Authenticate(bg, w.Store, key)
	wantReason(t, err, core.CodeUnauthorized, "invalid_api_key")
}

func TestMaskSecret(t *testing.T) {
	for in, want := range map[string]string{"": "", "short": "*****", "vg_abcdefghij": "vg_abc*******"} {
		if got := core.MaskSecret(in); got != want {
			t.Errorf("MaskSecret(%q) = %q, want %q", in, got, want)
		}
	}
}
