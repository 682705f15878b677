package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/vendgate/vendgate/store"
)

// seedStaged seeds the demo all or nothing: into a new database in a staging folder inside the
// data folder, with demo.json beside it; only when every step succeeded is the staged database
// renamed over the empty one (a rename within one folder is atomic), and it is the commit. A
// seed that fails anywhere (a full disk) leaves the empty database as it was, and the next start
// seeds again from the beginning. m.DB is reopened on the seeded database.
func (m *Main) seedStaged(ctx context.Context, baseURL string) error {
	cfg := m.Config
	staging := filepath.Join(cfg.DataDir, ".seeding")
	if err := os.RemoveAll(staging); err != nil { // what a failed start left
		return err
	}
	defer os.RemoveAll(staging)
	staged := cfg
	staged.DataDir = staging
	staged.MasterKeyFile = cfg.MasterKeyFilePath() // the data folder's key, which exists by now
	db, sealer, _, err := openStore(ctx, staged, true)
	if err != nil {
		return err
	}
	seeded, err := seedDemo(ctx, db, sealer, cfg.DataDir, baseURL, m.ISO8583Addr(), cfg.DefaultRoute())
	if err == nil && m.seedFault != nil {
		err = m.seedFault
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	raw, _ := json.MarshalIndent(seeded, "", "  ")
	if err := os.WriteFile(filepath.Join(staging, "demo.json"), append(raw, '\n'), 0o600); err != nil {
		return err
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(filepath.Join(staging, "vendgate.db"+suffix)); !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("the staged database was not closed cleanly (vendgate.db%s remains)", suffix)
		}
	}
	if err := m.DB.Close(); err != nil {
		return err
	}
	m.DB = nil
	for _, suffix := range []string{"-wal", "-shm"} { // the empty database's, closed
		if err := os.Remove(filepath.Join(cfg.DataDir, "vendgate.db"+suffix)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	// demo.json first: a crash between the two renames leaves it beside the empty database, and
	// the next start seeds (and writes it) again.
	if err := os.Rename(filepath.Join(staging, "demo.json"), filepath.Join(cfg.DataDir, "demo.json")); err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(staging, "vendgate.db"), filepath.Join(cfg.DataDir, "vendgate.db")); err != nil {
		return err
	}
	if m.DB, err = store.Open(ctx, cfg.DatabaseURL, cfg.DataDir, m.storeOptions()...); err != nil {
		return err
	}
	m.Demo = seeded
	return nil
}
