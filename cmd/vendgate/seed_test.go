package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/vendgate/vendgate/config"
	"github.com/vendgate/vendgate/store"
)

func openMain(t *testing.T, dir string, fault error) (*Main, *bytes.Buffer, error) {
	t.Helper()
	cfg := config.Defaults()
	cfg.HTTPAddr, cfg.ISO8583Addr, cfg.DataDir = "127.0.0.1:0", "off", dir
	var out bytes.Buffer
	m := &Main{Config: cfg, Stdout: &out, Logger: zerolog.New(&out), seedFault: fault}
	err := m.Open(context.Background())
	t.Cleanup(func() { m.Close() })
	return m, &out, err
}

// TestDemoSeedAllOrNothing: a demo seed that fails at its last step (a full disk) leaves the
// database empty and no demo.json, and the next start seeds the whole demo. It kept a utility,
// agents and meters, and the next start treated the demo as done and printed nothing.
func TestDemoSeedAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	_, out, err := openMain(t, dir, errors.New("no space left on device"))
	if err == nil || !strings.Contains(err.Error(), "no space left on device") {
		t.Fatalf("Open with a failing seed: %v, want the failure", err)
	}
	if strings.Contains(out.String(), "curl") {
		t.Errorf("a failed seed printed the demo:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "demo.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("demo.json after a failed seed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".seeding")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the staging folder was left behind: %v", err)
	}
	db, err := store.Open(context.Background(), "", dir)
	if err != nil {
		t.Fatal(err)
	}
	empty, err := db.Empty(context.Background())
	db.Close()
	if err != nil || !empty {
		t.Fatalf("after a failed seed the database is empty: %t (%v), want true", empty, err)
	}

	m, out, err := openMain(t, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Demo == nil || len(m.Demo.Meters) != 3 || !strings.Contains(out.String(), "/v1/ussd") {
		t.Fatalf("the next start did not seed the demo: %+v\n%s", m.Demo, out)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "demo.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d demoFile
	if err := json.Unmarshal(raw, &d); err != nil || d.APIKey == "" || d.Telco.ServiceCode == "" || d.Bank.Institution == "" {
		t.Fatalf("demo.json incomplete: %v %+v", err, d)
	}
	for _, mt := range m.Demo.Meters {
		if _, err := m.DB.MeterByNumber(context.Background(), mt.Number); err != nil {
			t.Errorf("meter %s of demo.json: %v", mt.Number, err)
		}
	}
}

// TestStartFiles: the database files are the owner's only (0600) in a 0700 folder, the API key
// is printed only to a terminal (elsewhere the output says where it is) and never logged, and a
// master key file that others can read is warned about.
func TestStartFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	m, out, err := openMain(t, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), m.Demo.APIKey) || !strings.Contains(out.String(), filepath.Join(dir, "demo.json")+" (mode 0600)") {
		t.Errorf("output that is not a terminal: want no API key and where it is:\n%s", out)
	}
	for _, c := range m.Demo.Operators {
		if strings.Contains(out.String(), c.Password) {
			t.Errorf("output that is not a terminal shows %s's one-time password:\n%s", c.Operator.Username, out)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("data folder mode %04o, want 0700", fi.Mode().Perm())
	}
	for _, e := range entries {
		fi, _ := e.Info()
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %04o: others can read it", e.Name(), fi.Mode().Perm())
		}
	}
	m.Close()
	if err := os.Chmod(filepath.Join(dir, "master.key"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, out, err = openMain(t, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "readable by others") {
		t.Errorf("no warning for a master key file of mode 0644:\n%s", out)
	}
	if strings.Contains(out.String(), "data folder is open") {
		t.Errorf("a warning for the data folder of mode 0700:\n%s", out)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	_, out, err = openMain(t, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "the data folder is open to others (mode 0755)") {
		t.Errorf("no warning for a data folder of mode 0755:\n%s", out)
	}
}
