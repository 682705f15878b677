package main

import (
	"crypto/cipher"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vendgate/vendgate/sts"
)

// cmdDecode decrypts a token and prints what it carries. A token that does not decode is a
// failure (exit 1); with --json its object is still printed, with crc_ok false and an error.
func cmdDecode(args []string, e *env) error {
	fs := newFlagSet()
	var kf keyFlags
	kf.register(fs)
	jsonOut := fs.Bool("json", false, "")
	pos, err := parseFlags(fs, args, 5) // the token may come as 5 groups of 4 digits
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("decode: TOKEN required")
	}
	bd, err := kf.baseDateFlag()
	if err != nil {
		return err
	}
	r := record{}
	fail := func(err error, crcOK bool) error {
		if *jsonOut {
			r = append(r, field{"crc_ok", crcOK}, field{"error", trimSTS(err.Error())})
			if werr := writeRecord(e.stdout, true, r); werr != nil {
				return werr
			}
		}
		return err
	}
	tok, err := sts.ParseToken(strings.Join(pos, ""))
	if err != nil {
		return fail(err, false)
	}
	var c cipher.Block
	if cl := tok.Class(); cl == sts.ClassCredit || cl == sts.ClassManagement {
		k, err := kf.build(e.stderr)
		if err != nil {
			return err
		}
		c = k.block
	}
	class, block, err := sts.Decrypt(tok, c)
	r = append(r, field{"class", class})
	if err != nil {
		return fail(err, false)
	}
	p, err := sts.ParseBlock(class, block)
	if errors.Is(err, sts.ErrUnknownKind) {
		k := sts.Kind{Class: class, Subclass: uint8(block >> 60)}
		r = append(r, field{"subclass", k.Subclass}, field{"kind", k.String()})
		return fail(err, true)
	}
	if err != nil {
		return fail(err, false)
	}
	r = record{{"class", class}, {"subclass", p.Kind().Subclass}, {"kind", p.Kind().String()}, {"crc_ok", true}}
	return writeRecord(e.stdout, *jsonOut, append(r, payloadFields(p, bd)...))
}

// kindRecord is the head of a token's output: its kind, class and subclass.
func kindRecord(k sts.Kind) record {
	return record{{"kind", k.String()}, {"class", k.Class}, {"subclass", k.Subclass}}
}

// payloadFields returns the fields a payload carries, in snake_case: amounts in units (credit) or
// watts (power limit, phase unbalance), and the TID's time when the base date bd is known.
func payloadFields(p sts.Payload, bd sts.BaseDate) record {
	switch v := p.(type) {
	case sts.Transfer:
		r := record{{"rnd", v.RND}, {"tid", v.TID}}
		if bd != 0 {
			r = append(r, field{"tid_time", bd.TIDTime(v.TID).Format(time.RFC3339)})
		}
		r = append(r, field{"value_raw", v.Value})
		switch v.K {
		case sts.KindPowerLimit, sts.KindPhaseUnbalance:
			r = append(r, field{"watts", sts.DecodeAmount(v.Value)})
		case sts.KindClearCredit:
			r = append(r, field{"register", v.Value})
		case sts.KindTariffRate:
			r = append(r, field{"rate", v.Value})
		case sts.KindWaterFactor:
			r = append(r, field{"factor", v.Value})
		case sts.KindClearTamper:
		default: // credit
			r = append(r, field{"amount", sts.FormatTenths(sts.DecodeAmount(v.Value))})
		}
		return r
	case sts.Test:
		return record{{"manufacturer_code", v.Manufacturer}, {"control", v.Control}}
	case sts.KeyChange1:
		return record{{"kenho", v.KENHO}, {"new_krn", v.KRN}, {"ro", v.RO}, {"res", v.Res},
			{"new_kt", uint8(v.KT)}, {"nkho", fmt.Sprintf("%08x", v.NKHO)}}
	case sts.KeyChange2:
		return record{{"kenlo", v.KENLO}, {"new_ti", v.TI}, {"nklo", fmt.Sprintf("%08x", v.NKLO)}}
	case sts.KeyChange3:
		return record{{"sgc_low", v.SGCLow}, {"nkmo2", fmt.Sprintf("%08x", v.NKMO2)}}
	case sts.KeyChange4:
		return record{{"sgc_high", v.SGCHigh}, {"nkmo1", fmt.Sprintf("%08x", v.NKMO1)}}
	}
	return nil
}
