package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/vendgate/vendgate/sts"
	"github.com/vendgate/vendgate/sts/meter"
)

const meterHelp = `Type a 20-digit token (spaces and dashes allowed), or:
  status  the meter's key parameters (not the key), credit registers, settings and TID memory
  help    this help
  quit    leave (so does the end of input)
`

// cmdMeter runs a virtual keypad meter on the lines of stdin.
func cmdMeter(args []string, e *env) error {
	fset := newFlagSet()
	var kf keyFlags
	kf.register(fset)
	var statePath, ken, mfr string
	fset.StringVar(&statePath, "state", "", "")
	fset.StringVar(&ken, "ken", "", "")
	fset.StringVar(&mfr, "mfr", "", "")
	jsonOut := fset.Bool("json", false, "")
	if _, err := parseFlags(fset, args, 0); err != nil {
		return err
	}
	m, created, err := openMeter(&kf, statePath, ken, mfr, e.stderr)
	if err != nil {
		return err
	}
	save := func() error {
		if statePath == "" {
			return nil
		}
		return saveState(statePath, m.State())
	}
	if created {
		if err := save(); err != nil {
			return err
		}
	}
	interactive := isTerminal(e.stdin)
	sc := bufio.NewScanner(e.stdin)
	for {
		if interactive {
			fmt.Fprint(e.stdout, "meter> ")
		}
		if !sc.Scan() {
			break
		}
		line := strings.TrimSpace(sc.Text())
		var err error
		switch strings.ToLower(line) {
		case "":
		case "quit", "exit":
			return nil
		case "help":
			if *jsonOut {
				err = writeRecord(e.stdout, true, record{{"help", meterHelp}})
			} else {
				_, err = io.WriteString(e.stdout, meterHelp)
			}
		case "status":
			err = writeRecord(e.stdout, *jsonOut, statusRecord(m))
		default:
			r := m.Enter(line)
			if *jsonOut {
				err = writeRecord(e.stdout, true, resultRecord(m, r))
			} else {
				_, err = fmt.Fprintln(e.stdout, r)
			}
			if err == nil && r.Code.OK() {
				err = save()
			}
		}
		if err != nil {
			return err
		}
	}
	if interactive {
		fmt.Fprintln(e.stdout)
	}
	return sc.Err()
}

// openMeter restores the meter of the state file when there is one (the KEY flags, if given,
// must name its key), or builds a new one from the KEY flags; created says which.
func openMeter(kf *keyFlags, path, ken, mfr string, warn io.Writer) (m *meter.Meter, created bool, err error) {
	if path != "" {
		data, err := os.ReadFile(path)
		switch {
		case err == nil:
			return restoreMeter(kf, path, data, ken, mfr, warn)
		case !errors.Is(err, fs.ErrNotExist):
			return nil, false, err
		}
	}
	k, err := kf.build(warn)
	if err != nil {
		return nil, false, err
	}
	p := k.params
	cfg := meter.Config{Key: k.key, EA: k.ea, KT: p.KT, KRN: p.KRN, TI: p.TI, SGC: p.SGC,
		BaseDate: p.BaseDate, KEN: sts.NoExpiry}
	if cfg.BaseDate == 0 {
		cfg.BaseDate = sts.BaseDate1993
	}
	if !p.PAN.IsZero() {
		cfg.Manufacturer = p.PAN.ManufacturerCode()
	}
	if ken != "" {
		v, err := parseNum("ken", ken, 0, 255)
		if err != nil {
			return nil, false, err
		}
		cfg.KEN = sts.KEN(v)
	}
	if mfr != "" {
		v, err := parseNum("mfr", mfr, 0, 0xFFFF)
		if err != nil {
			return nil, false, err
		}
		cfg.Manufacturer = uint16(v)
	}
	m, err = meter.New(cfg)
	return m, true, err
}

func restoreMeter(kf *keyFlags, path string, data []byte, ken, mfr string, warn io.Writer) (*meter.Meter, bool, error) {
	switch {
	case ken != "":
		return nil, false, usagef("--ken: only for a new meter; the meter in --state %s keeps its own", path)
	case mfr != "":
		return nil, false, usagef("--mfr: only for a new meter; the meter in --state %s keeps its own", path)
	}
	var s meter.State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, false, fmt.Errorf("--state %s: %v", path, err)
	}
	m, err := meter.Restore(s)
	if err != nil {
		return nil, false, fmt.Errorf("--state %s: %v", path, err)
	}
	if kf.given() {
		k, err := kf.build(warn)
		if err != nil {
			return nil, false, err
		}
		if c := m.Key(); c.EA != k.ea || !bytes.Equal(c.Key, k.key) {
			return nil, false, usagef("--state: the meter in %s has another key than the KEY flags name", path)
		}
	}
	return m, false, nil
}

// saveState writes the meter state to path atomically (a temporary file renamed over it), 0600:
// the state holds the decoder key.
func saveState(path string, s meter.State) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // fails harmlessly after the rename
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// statusRecord is the meter's state without its key.
func statusRecord(m *meter.Meter) record {
	s := m.State()
	r := record{{"ea", s.EA}, {"kt", s.KT}, {"krn", s.KRN}, {"ti", s.TI}, {"sgc", s.SGC},
		{"base_date", s.BaseDate}, {"ken", s.KEN}, {"manufacturer_code", s.Manufacturer}}
	for i, v := range s.Credit {
		r = append(r, field{sts.Kind{Class: sts.ClassCredit, Subclass: uint8(i)}.String(), sts.FormatTenths(v)})
	}
	r = append(r, record{{"power_limit_watts", s.PowerLimit}, {"phase_unbalance_watts", s.PhaseUnbalance},
		{"tariff_rate", s.TariffRate}, {"water_factor", s.WaterFactor}, {"tamper", s.Tamper},
		{"tid_memory_used", len(s.TIDs)}, {"tid_memory_size", s.MemorySize}}...)
	if len(s.TIDs) > 0 {
		r = append(r, field{"last_tid", s.TIDs[len(s.TIDs)-1]})
	}
	if len(s.Pending) > 0 {
		r = append(r, field{"key_change_sections_stored", len(s.Pending)})
	}
	return r
}

// resultRecord is the JSON form of a meter result: the code, what the token carried, and the
// credit register's balance after an accepted credit token.
func resultRecord(m *meter.Meter, res meter.Result) record {
	r := record{{"result", res.Code.String()}, {"ok", res.Code.OK()}}
	if res.Payload != nil {
		r = append(r, kindRecord(res.Kind)...)
		r = append(r, payloadFields(res.Payload, m.Key().BaseDate)...)
	}
	if res.Code == meter.Accepted && res.Kind.Class == sts.ClassCredit {
		r = append(r, field{"balance", sts.FormatTenths(m.Credit(res.Kind.Subclass))})
	}
	if len(res.Pending) > 0 {
		r = append(r, field{"pending_sections", res.Pending})
	}
	if res.Detail != "" {
		r = append(r, field{"detail", res.Detail})
	}
	return r
}

// isTerminal reports whether r is a character device, such as a terminal.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
