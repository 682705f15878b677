package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/vendgate/vendgate/config"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
)

// startNote is a warning of the start-up about a file: the server logs it, admin prints it.
type startNote struct{ path, msg string }

// openStore opens the configured database with its migrations applied, and the sealer of the
// master key, tested against the database's check value (core.CheckMasterKey): a wrong master key
// stops the start. create says whether a missing embedded database and master key may be made
// (the server's first start) or must exist (admin).
func openStore(ctx context.Context, cfg config.Config, create bool, opts ...store.Option) (db *store.DB, sealer *core.Sealer, notes []startNote, err error) {
	if !create && cfg.DatabaseURL == "" && !store.EmbeddedExists(cfg.DataDir) {
		return nil, nil, nil, fmt.Errorf("no database in %s: create one with vendgate migrate --data-dir %s (or start the server there), "+
			"or point --data-dir or --database-url at an existing one", cfg.DataDir, cfg.DataDir)
	}
	path := cfg.MasterKeyFilePath()
	if !create && path != "" {
		if _, err := os.Stat(path); err != nil {
			return nil, nil, nil, fmt.Errorf("the master key file %s: %w", path, errors.Unwrap(err))
		}
	}
	master, created, err := cfg.MasterKeyBytes()
	if err != nil {
		return nil, nil, nil, err
	}
	if created {
		notes = append(notes, startNote{path, "created a new master key for vending keys at rest (mode 0600); back it up"})
	}
	if fi, err := os.Stat(path); path != "" && err == nil && fi.Mode().Perm()&0o077 != 0 {
		notes = append(notes, startNote{path, fmt.Sprintf("the master key file is readable by others (mode %04o): chmod 600 it", fi.Mode().Perm())})
	}
	if fi, err := os.Stat(cfg.DataDir); cfg.DatabaseURL == "" && err == nil && fi.Mode().Perm()&0o077 != 0 {
		notes = append(notes, startNote{cfg.DataDir, fmt.Sprintf("the data folder is open to others (mode %04o): it holds the database and the master key; chmod 700 it", fi.Mode().Perm())})
	}
	sealer, err = core.NewSealer(master)
	clear(master)
	if err != nil {
		return nil, nil, nil, err
	}
	if db, err = store.Open(ctx, cfg.DatabaseURL, cfg.DataDir, opts...); err != nil {
		return nil, nil, nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, nil, nil, fmt.Errorf("migrations: %w", err)
	}
	if err := core.CheckMasterKey(ctx, db, sealer); err != nil {
		db.Close()
		if errors.Is(err, core.ErrWrongMasterKey) {
			return nil, nil, nil, fmt.Errorf("the master key in %s does not match this database: it seals the vending keys, and a wrong one opens none of them "+
				"(give the key this database was set up with)", cfg.MasterKeySource())
		}
		return nil, nil, nil, err
	}
	return db, sealer, notes, nil
}

// migrate applies the migrations. With a master key (always for the embedded default, which
// makes its own) it also stores the key's check value, so that admin can set the database up
// next; a PostgreSQL database migrated without one gets it at the first start.
func migrate(ctx context.Context, cfg config.Config, stderr io.Writer) error {
	if cfg.DatabaseURL != "" && cfg.MasterKey == "" && cfg.MasterKeyFile == "" {
		db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
		if err != nil {
			return err
		}
		defer db.Close()
		return db.Migrate(ctx)
	}
	db, _, notes, err := openStore(ctx, cfg, true)
	if err != nil {
		return err
	}
	for _, n := range notes {
		fmt.Fprintf(stderr, "vendgate migrate: warning: %s: %s\n", n.path, n.msg)
	}
	return db.Close()
}
