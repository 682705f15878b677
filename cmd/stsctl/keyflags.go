package main

import (
	"crypto/cipher"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/vendgate/vendgate/sts"
)

// keyFlags are the flags that name a decoder key (KEY in the usage): the key itself (--dk), or the
// vending key and meter parameters it is derived from; with the encryption algorithm and the base
// date. Every flag is a string so that a missing flag and a bad value get their own messages.
type keyFlags struct {
	dk, dkga, vk, kt, sgc, ti, krn, pan, iin, drn, ea, baseDate string
}

func (k *keyFlags) register(fs *flag.FlagSet) {
	for _, f := range []struct {
		p    *string
		name string
	}{
		{&k.dk, "dk"}, {&k.dkga, "dkga"}, {&k.vk, "vk"}, {&k.kt, "kt"}, {&k.sgc, "sgc"}, {&k.ti, "ti"},
		{&k.krn, "krn"}, {&k.pan, "pan"}, {&k.iin, "iin"}, {&k.drn, "drn"}, {&k.ea, "ea"}, {&k.baseDate, "base-date"},
	} {
		fs.StringVar(f.p, f.name, "", "")
	}
}

// given reports whether any KEY flag is set.
func (k *keyFlags) given() bool {
	return *k != keyFlags{}
}

// decoderKey is a decoder key with what is known about it.
type decoderKey struct {
	key   []byte
	ea    sts.EA
	block cipher.Block
	dkga  sts.DKGA // 0 for --dk
	// params holds KT, SGC, TI, KRN and the base date (0 when not given); PAN only when derived.
	params sts.KeyParams
}

// baseDateFlag returns --base-date, or 0 when it is not given.
func (k *keyFlags) baseDateFlag() (sts.BaseDate, error) {
	if k.baseDate == "" {
		return 0, nil
	}
	bd, err := sts.ParseBaseDate(k.baseDate)
	if err != nil {
		return 0, flagError("base-date", err)
	}
	return bd, nil
}

// build checks the KEY flags and returns the decoder key they name, with its cipher. It warns on
// warn when the key uses the unverified EA09. Errors never repeat --dk or --vk.
func (k *keyFlags) build(warn io.Writer) (*decoderKey, error) {
	d := new(decoderKey)
	var err error
	if d.params.BaseDate, err = k.baseDateFlag(); err != nil {
		return nil, err
	}
	if k.ea != "" {
		if d.ea, err = sts.ParseEA(k.ea); err != nil {
			return nil, flagError("ea", err)
		}
	}
	derived := k.dkga != ""
	if err := k.meterParams(&d.params, derived); err != nil {
		return nil, err
	}
	switch {
	case k.dk != "" && derived:
		return nil, usagef("--dkga: cannot be used with --dk")
	case k.dk != "":
		for _, f := range []struct{ name, val string }{{"vk", k.vk}, {"pan", k.pan}, {"iin", k.iin}, {"drn", k.drn}} {
			if f.val != "" {
				return nil, usagef("--%s: only used with --dkga, not --dk", f.name)
			}
		}
		if d.key, err = hex.DecodeString(k.dk); err != nil {
			return nil, usagef("--dk: not hex")
		}
		if d.ea == 0 {
			switch len(d.key) {
			case 8:
				d.ea = sts.EA07
			case 16:
				d.ea = sts.EA11
			default:
				return nil, usagef("--dk: %d bytes, want 8 (EA07) or 16 (EA11)", len(d.key))
			}
		}
		if len(d.key) != d.ea.KeySize() {
			return nil, usagef("--dk: %d bytes, but EA%s takes %d-byte keys", len(d.key), d.ea, d.ea.KeySize())
		}
	case derived:
		if err := k.derive(d, warn); err != nil {
			return nil, err
		}
	default:
		return nil, usagef("--dk: required (or --dkga, --vk and the meter's key parameters)")
	}
	if d.block, err = sts.NewCipher(d.ea, d.key); err != nil {
		return nil, err
	}
	if d.ea == sts.EA09 {
		fmt.Fprintln(warn, "stsctl: warning: EA09 (DES) is unverified: no published STS vector covers it")
	}
	return d, nil
}

// meterParams parses --kt, --sgc, --ti and --krn into p. They are required to derive a key; with
// --dk they only describe the key (to the meter) and default to KT 2, SGC 000000, TI 0, KRN 1.
func (k *keyFlags) meterParams(p *sts.KeyParams, required bool) error {
	p.KT, p.KRN = sts.KeyTypeUnique, 1
	if required {
		for _, f := range []struct{ name, val string }{{"vk", k.vk}, {"kt", k.kt}, {"sgc", k.sgc}, {"ti", k.ti}, {"krn", k.krn}} {
			if f.val == "" {
				return usagef("--%s: required with --dkga", f.name)
			}
		}
	}
	if k.kt != "" {
		v, err := parseNum("kt", k.kt, 0, 3)
		if err != nil {
			return err
		}
		p.KT = sts.KeyType(v)
	}
	if k.sgc != "" {
		v, err := sts.ParseSGC(k.sgc)
		if err != nil {
			return flagError("sgc", err)
		}
		p.SGC = v
	}
	if k.ti != "" {
		v, err := parseNum("ti", k.ti, 0, 99)
		if err != nil {
			return err
		}
		p.TI = uint8(v)
	}
	if k.krn != "" {
		v, err := parseNum("krn", k.krn, 1, 15)
		if err != nil {
			return err
		}
		p.KRN = uint8(v)
	}
	return nil
}

// derive derives d.key from the vending key with --dkga.
func (k *keyFlags) derive(d *decoderKey, warn io.Writer) error {
	var err error
	if d.dkga, err = sts.ParseDKGA(k.dkga); err != nil {
		return flagError("dkga", err)
	}
	switch {
	case d.ea == 0 && d.dkga == sts.DKGA02:
		d.ea = sts.EA07
	case d.ea == 0:
		return usagef("--ea: required with --dkga 04 (07 for an 8-byte key, 11 for a 16-byte key)")
	case d.dkga == sts.DKGA02 && d.ea == sts.EA11:
		return usagef("--ea: DKGA02 derives 8-byte keys; EA11 keys come from --dkga 04")
	case d.dkga == sts.DKGA04 && d.ea == sts.EA09:
		return usagef("--ea: DKGA04 derives EA07 or EA11 keys, not EA09")
	}
	if d.dkga == sts.DKGA04 && d.params.BaseDate == 0 {
		return usagef("--base-date: required with --dkga 04 (it is bound into the key)")
	}
	switch {
	case k.pan != "" && (k.iin != "" || k.drn != ""):
		return usagef("--pan: cannot be used with --iin and --drn")
	case k.pan != "":
		if d.params.PAN, err = sts.ParsePAN(k.pan); err != nil {
			// The derivation is defined for any digits: a meter whose number fails its own
			// check digit still has a key, so it is derived, with a warning.
			pan, lax := sts.ParsePANUnchecked(k.pan)
			if lax != nil {
				return flagError("pan", err)
			}
			fmt.Fprintf(warn, "stsctl: warning: --pan: %s; deriving the key from the digits as given\n", strings.TrimPrefix(err.Error(), "sts: "))
			d.params.PAN = pan
		}
	case k.iin == "" && k.drn == "":
		return usagef("--pan: required with --dkga (or --iin and --drn)")
	case k.iin == "":
		return usagef("--iin: required with --drn")
	case k.drn == "":
		return usagef("--drn: required with --iin")
	case k.iin != sts.IIN && k.iin != sts.LegacyIIN:
		return usagef("--iin: %q is neither %s nor %s", k.iin, sts.IIN, sts.LegacyIIN)
	default:
		if d.params.PAN, err = sts.NewPAN(k.iin, k.drn); err != nil {
			return flagError("drn", err)
		}
	}
	vk, err := hex.DecodeString(k.vk)
	if err != nil {
		return usagef("--vk: not hex")
	}
	if n := d.dkga.VendingKeySize(); len(vk) != n {
		return usagef("--vk: %d bytes, but DKGA%s takes a %d-byte vending key", len(vk), d.dkga, n)
	}
	d.params.EA = d.ea
	d.key, err = sts.DeriveKey(d.dkga, vk, d.params)
	return err
}

// parseNum parses a decimal flag value in lo..hi. Only for values that are not secret.
func parseNum(name, s string, lo, hi uint64) (uint64, error) {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v < lo || v > hi {
		return 0, usagef("--%s: %q is not a number %d..%d", name, s, lo, hi)
	}
	return v, nil
}
