package main

import (
	"context"
	"encoding/hex"
	"flag"
	"os"
	"strings"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/sts"
)

// adminSupplyGroupCreate imports a vending key: from a file or an environment variable, never a
// flag value (command lines show in process lists). It is sealed under the master key and never
// printed.
var adminSupplyGroupCreate = adminCommand{summary: "import a vending key for a supply group (sealed under the master key, never printed)", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	utility := fs.Int64("utility", 0, "`id` of the utility (required)")
	sgcFlag := fs.String("sgc", "", "supply group `code`, 6 digits (required)")
	krn := fs.Int("krn", 1, "key revision number, 1 to 15")
	dkgaFlag := fs.String("dkga", "", "key derivation `algorithm`: 02 or 04 (required)")
	name := fs.String("name", "", "a name for operators")
	keyFile := fs.String("vending-key-file", "", "`file` holding the vending key in hex (or --vending-key-env)")
	keyEnv := fs.String("vending-key-env", "", "environment `variable` holding the vending key in hex (or --vending-key-file)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		if *utility <= 0 {
			return nil, usagef("--utility: required")
		}
		sgc, err := sts.ParseSGC(*sgcFlag)
		if err != nil {
			return nil, usagef("--sgc: %q is not 6 digits", *sgcFlag)
		}
		if *krn < 1 || *krn > 15 {
			return nil, usagef("--krn: %d is not 1..15", *krn)
		}
		dkga, err := sts.ParseDKGA(*dkgaFlag)
		if err != nil {
			return nil, usagef("--dkga: %q is not 02 or 04", *dkgaFlag)
		}
		var text string
		switch {
		case (*keyFile == "") == (*keyEnv == ""):
			return nil, usagef("--vending-key-file or --vending-key-env: give exactly one")
		case *keyFile != "":
			raw, err := os.ReadFile(*keyFile)
			if err != nil {
				return nil, usagef("--vending-key-file: %v", err)
			}
			text = string(raw)
		default:
			v, ok := os.LookupEnv(*keyEnv)
			if !ok || strings.TrimSpace(v) == "" {
				return nil, usagef("--vending-key-env: the variable %s is not set", *keyEnv)
			}
			text = v
		}
		vk, err := hex.DecodeString(strings.TrimSpace(text))
		if err != nil {
			return nil, usagef("the vending key is not hex")
		}
		defer clear(vk)
		if err := core.CheckVendingKey(dkga, vk); err != nil {
			return nil, usagef("%s", core.AsError(err).Message)
		}
		g := core.SupplyGroup{UtilityID: *utility, SGC: sgc, KRN: uint8(*krn), DKGA: dkga, Name: *name}
		return a.svc.CreateSupplyGroup(ctx, a.actor, g, vk)
	}
}}
