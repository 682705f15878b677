package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/vendgate/vendgate/sts"
)

// transferSpec describes a token of the RND, TID and 16-bit value layout: its kind, the flag that
// gives the value and how that flag's text becomes the raw value (exact is false when the value
// was rounded down to one the token can carry).
type transferSpec struct {
	kind  sts.Kind
	flag  string // "" when the token carries no value (clear tamper)
	parse func(s string) (raw uint16, exact bool, err error)
}

// transferSpecs are the credit token (its subclass comes from --subclass) and the class 2 tokens
// that share its layout, by command name.
var transferSpecs = map[string]transferSpec{
	"credit":              {sts.KindElectricity, "amount", parseAmount},
	"set-power-limit":     {sts.KindPowerLimit, "watts", parseWatts},
	"clear-credit":        {sts.KindClearCredit, "register", parseRegister},
	"set-tariff-rate":     {sts.KindTariffRate, "rate", parseRaw(0)},
	"clear-tamper":        {sts.KindClearTamper, "", nil},
	"set-phase-unbalance": {sts.KindPhaseUnbalance, "watts", parseWatts},
	"set-water-factor":    {sts.KindWaterFactor, "factor", parseRaw(1)},
}

const tokenKinds = "credit, set-power-limit, clear-credit, set-tariff-rate, clear-tamper, " +
	"set-phase-unbalance, set-water-factor, key-change, test"

func cmdToken(args []string, e *env) error {
	if len(args) == 0 {
		return usagef("token: kind required: %s", tokenKinds)
	}
	switch args[0] {
	case "key-change":
		return tokenKeyChange(args[1:], e)
	case "test":
		return tokenTest(args[1:], e)
	case "-h", "-help", "--help", "help":
		return errHelp
	}
	spec, ok := transferSpecs[args[0]]
	if !ok {
		return usagef("token: unknown kind %q (%s)", args[0], tokenKinds)
	}
	return tokenTransfer(spec, args[0] == "credit", args[1:], e)
}

// tokenTransfer issues a credit token or a class 2 token of the same layout.
func tokenTransfer(spec transferSpec, credit bool, args []string, e *env) error {
	fs := newFlagSet()
	var kf keyFlags
	kf.register(fs)
	var value, subclass, tidFlag, issued, rndFlag string
	if spec.flag != "" {
		fs.StringVar(&value, spec.flag, "", "")
	}
	if credit {
		fs.StringVar(&subclass, "subclass", "", "")
	}
	fs.StringVar(&tidFlag, "tid", "", "")
	fs.StringVar(&issued, "issued", "", "")
	fs.StringVar(&rndFlag, "rnd", "", "")
	jsonOut := fs.Bool("json", false, "")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	t := sts.Transfer{K: spec.kind}
	if credit {
		if subclass == "" {
			return usagef("--subclass: required (0 electricity, 1 water, 2 gas, 3 time, 4 currency)")
		}
		v, err := parseNum("subclass", subclass, 0, 4)
		if err != nil {
			return err
		}
		t.K.Subclass = uint8(v)
	}
	exact := true
	if spec.flag != "" {
		if value == "" {
			return usagef("--%s: required", spec.flag)
		}
		var err error
		if t.Value, exact, err = spec.parse(value); err != nil {
			return usagef("--%s: %v", spec.flag, err)
		}
	}
	bd, err := kf.baseDateFlag()
	if err != nil {
		return err
	}
	if t.TID, err = parseTID(tidFlag, issued, bd); err != nil {
		return err
	}
	if t.RND, err = parseRND(rndFlag); err != nil {
		return err
	}
	k, err := kf.build(e.stderr)
	if err != nil {
		return err
	}
	tok, err := sts.Encode(t, k.block)
	if err != nil {
		return err
	}
	r := append(kindRecord(t.K), payloadFields(t, bd)...)
	if !exact {
		r = append(r, field{spec.flag + "_requested", value})
	}
	return writeTokens(e.stdout, *jsonOut, []sts.Token{tok}, r)
}

// parseAmount parses units with one decimal place into an amount field, rounding down. 0 is a
// valid credit token (it carries no credit: utilities use it to test a meter's keypad).
func parseAmount(s string) (uint16, bool, error) {
	tenths, err := sts.ParseTenths(s)
	if err != nil {
		return 0, false, errors.New(strings.TrimPrefix(err.Error(), "sts: amount "))
	}
	return encodeAmount(tenths, s, sts.FormatTenths(sts.MaxAmount))
}

// parseWatts parses whole watts into an amount field, rounding down.
func parseWatts(s string) (uint16, bool, error) {
	w, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("%q is not a whole number of watts", s)
	}
	return encodeAmount(w, s, strconv.Itoa(sts.MaxAmount))
}

func encodeAmount(v uint64, s, maxText string) (uint16, bool, error) {
	raw, carried, err := sts.EncodeAmount(v, sts.RoundDown)
	if err != nil {
		return 0, false, fmt.Errorf("%s is above the maximum %s", s, maxText)
	}
	return raw, carried == v, nil
}

// parseRegister parses a clear credit register: a credit subclass 0..4, or 65535 for all.
func parseRegister(s string) (uint16, bool, error) {
	v, err := strconv.ParseUint(s, 10, 16)
	if err != nil || (v > 4 && v != 0xFFFF) {
		return 0, false, fmt.Errorf("%q is not a register 0..4, or 65535 for all", s)
	}
	return uint16(v), true, nil
}

// parseRaw returns a parser of a plain 16-bit value of at least lo.
func parseRaw(lo uint64) func(string) (uint16, bool, error) {
	return func(s string) (uint16, bool, error) {
		v, err := strconv.ParseUint(s, 10, 16)
		if err != nil || v < lo {
			return 0, false, fmt.Errorf("%q is not a number %d..65535", s, lo)
		}
		return uint16(v), true, nil
	}
}

// parseTID returns the TID of --tid, or of --issued counted from the base date.
func parseTID(tid, issued string, bd sts.BaseDate) (sts.TID, error) {
	switch {
	case tid != "" && issued != "":
		return 0, usagef("--issued: cannot be used with --tid")
	case tid != "":
		v, err := parseNum("tid", tid, 0, uint64(sts.MaxTID))
		return sts.TID(v), err
	case issued == "":
		return 0, usagef("--tid: required (or --issued with --base-date)")
	case bd == 0:
		return 0, usagef("--base-date: required with --issued (the TID counts minutes from it)")
	}
	at, err := time.Parse(time.RFC3339, issued)
	if err != nil {
		return 0, usagef("--issued: %q is not an RFC 3339 time such as 2026-01-02T15:04:05Z", issued)
	}
	t, err := bd.TIDAt(at)
	if err != nil {
		return 0, flagError("issued", err)
	}
	return t, nil
}

// parseRND returns --rnd, or a random 0..15 when it is not given.
func parseRND(s string) (uint8, error) {
	if s == "" {
		var b [1]byte
		rand.Read(b[:]) // never fails (crypto/rand)
		return b[0] & 15, nil
	}
	v, err := parseNum("rnd", s, 0, 15)
	return uint8(v), err
}

// tokenKeyChange issues the 2 or 4 key change tokens, encrypted under the current key.
func tokenKeyChange(args []string, e *env) error {
	fs := newFlagSet()
	var kf keyFlags
	kf.register(fs)
	var newDK, newKRN, newKT, newTI, ken, newSGC string
	fs.StringVar(&newDK, "new-dk", "", "")
	fs.StringVar(&newKRN, "new-krn", "", "")
	fs.StringVar(&newKT, "new-kt", "", "")
	fs.StringVar(&newTI, "new-ti", "", "")
	fs.StringVar(&ken, "ken", "", "")
	fs.StringVar(&newSGC, "new-sgc", "", "")
	rollover := fs.Bool("rollover", false, "")
	jsonOut := fs.Bool("json", false, "")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	for _, f := range []struct{ name, val string }{
		{"new-dk", newDK}, {"new-krn", newKRN}, {"new-kt", newKT}, {"new-ti", newTI}, {"ken", ken},
	} {
		if f.val == "" {
			return usagef("--%s: required", f.name)
		}
	}
	var nums [4]uint64
	for i, f := range []struct {
		name, val string
		lo, hi    uint64
	}{{"new-krn", newKRN, 1, 15}, {"new-kt", newKT, 0, 3}, {"new-ti", newTI, 0, 99}, {"ken", ken, 0, 255}} {
		v, err := parseNum(f.name, f.val, f.lo, f.hi)
		if err != nil {
			return err
		}
		nums[i] = v
	}
	if nums[1] == uint64(sts.KeyTypeInit) {
		return usagef("--new-kt: a key change cannot install an initialisation key (type 0)")
	}
	kc := sts.KeyChange{KRN: uint8(nums[0]), KT: sts.KeyType(nums[1]), TI: uint8(nums[2]), KEN: sts.KEN(nums[3]), RO: *rollover}
	k, err := kf.build(e.stderr)
	if err != nil {
		return err
	}
	if kc.NewKey, err = hex.DecodeString(newDK); err != nil {
		return usagef("--new-dk: not hex")
	}
	if n := k.ea.KeySize(); len(kc.NewKey) != n {
		return usagef("--new-dk: %d bytes, but the meter's EA%s takes %d-byte keys", len(kc.NewKey), k.ea, n)
	}
	switch {
	case len(kc.NewKey) == 16 && newSGC == "":
		return usagef("--new-sgc: required for a 16-byte key (key change tokens 3 and 4 carry it)")
	case len(kc.NewKey) == 16:
		if kc.SGC, err = sts.ParseSGC(newSGC); err != nil {
			return flagError("new-sgc", err)
		}
	case newSGC != "":
		return usagef("--new-sgc: only a 16-byte key change carries a supply group code")
	}
	ps, err := kc.Payloads()
	if err != nil {
		return err
	}
	toks := make([]sts.Token, len(ps))
	subclasses := make([]int, len(ps))
	for i, p := range ps {
		if toks[i], err = sts.Encode(p, k.block); err != nil {
			return err
		}
		subclasses[i] = int(p.Kind().Subclass)
	}
	r := record{{"kind", "key_change"}, {"class", sts.ClassManagement}, {"subclasses", subclasses},
		{"new_krn", kc.KRN}, {"new_kt", uint8(kc.KT)}, {"ro", kc.RO}, {"new_ti", kc.TI}, {"ken", kc.KEN}}
	if len(kc.NewKey) == 16 {
		r = append(r, field{"new_sgc", kc.SGC.String()})
	}
	return writeTokens(e.stdout, *jsonOut, toks, r)
}

// tokenTest issues a class 1 initiate meter test or display token; it needs no key.
func tokenTest(args []string, e *env) error {
	fs := newFlagSet()
	var subclass, mfr, control string
	fs.StringVar(&subclass, "subclass", "", "")
	fs.StringVar(&mfr, "mfr", "", "")
	fs.StringVar(&control, "control", "", "")
	jsonOut := fs.Bool("json", false, "")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	for _, f := range []struct{ name, val string }{{"subclass", subclass}, {"mfr", mfr}, {"control", control}} {
		if f.val == "" {
			return usagef("--%s: required", f.name)
		}
	}
	sub, err := parseNum("subclass", subclass, 0, 1)
	if err != nil {
		return err
	}
	p := sts.Test{Wide: sub == 1}
	mfrMax, controlMax := uint64(0xFF), uint64(1<<36-1)
	if p.Wide {
		mfrMax, controlMax = 0xFFFF, 1<<28-1
	}
	m, err := parseNum("mfr", mfr, 0, mfrMax)
	if err != nil {
		return err
	}
	if p.Control, err = parseNum("control", control, 0, controlMax); err != nil {
		return err
	}
	p.Manufacturer = uint16(m)
	tok, err := sts.Encode(p, nil)
	if err != nil {
		return err
	}
	return writeTokens(e.stdout, *jsonOut, []sts.Token{tok}, append(kindRecord(p.Kind()), payloadFields(p, 0)...))
}

// writeTokens prints tokens and what they carry: as JSON with a "tokens" array of 20-digit
// strings, or as one line per token (display form, then 20 digits) followed by the fields.
func writeTokens(w io.Writer, asJSON bool, toks []sts.Token, r record) error {
	if asJSON {
		s := make([]string, len(toks))
		for i, t := range toks {
			s[i] = t.String()
		}
		return writeRecord(w, true, append(record{{"tokens", s}}, r...))
	}
	for _, t := range toks {
		if _, err := fmt.Fprintf(w, "%s  %s\n", t.Display(), t); err != nil {
			return err
		}
	}
	return writeRecord(w, false, r)
}
