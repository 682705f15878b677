package sts

import (
	"errors"
	"fmt"
	"time"
)

// TID is a token identifier: whole minutes since the decoder key's base date, in 24 bits
// (IEC 62055-41; docs/sts.md §4). Vendgate counts minutes in UTC.
type TID uint32

// MaxTID is the last TID of a base date's range (about 31.9 years after it).
const MaxTID TID = 1<<24 - 1

// BaseDate is the year whose 1 January 00:00 UTC is TID 0 for a decoder key.
type BaseDate uint16

// The base dates of IEC 62055-41.
const (
	BaseDate1993 BaseDate = 1993
	BaseDate2014 BaseDate = 2014
	BaseDate2035 BaseDate = 2035
)

var (
	// ErrTIDExhausted means the key's base date has no TID left for the time: the meter needs a
	// key change to a later base date (the TID rollover).
	ErrTIDExhausted = errors.New("sts: TID range of the base date exhausted; the meter needs a key change to a later base date")
	// ErrBeforeBaseDate means a time before the key's base date.
	ErrBeforeBaseDate = errors.New("sts: time is before the key's base date")
)

// ParseBaseDate parses "1993", "2014", "2035" or their two-digit forms "93", "14", "35".
func ParseBaseDate(s string) (BaseDate, error) {
	switch s {
	case "1993", "93":
		return BaseDate1993, nil
	case "2014", "14":
		return BaseDate2014, nil
	case "2035", "35":
		return BaseDate2035, nil
	}
	return 0, fmt.Errorf("sts: unknown base date %q (want 1993, 2014 or 2035)", s)
}

// Valid reports whether bd is one of the standard's base dates.
func (bd BaseDate) Valid() bool {
	return bd == BaseDate1993 || bd == BaseDate2014 || bd == BaseDate2035
}

// String returns the year.
func (bd BaseDate) String() string { return fmt.Sprintf("%d", uint16(bd)) }

// Code returns the two-digit form used in DKGA04 ("93", "14", "35").
func (bd BaseDate) Code() string { return fmt.Sprintf("%02d", uint16(bd)%100) }

// Next returns the base date that follows bd, the target of a TID rollover, and false for 2035.
func (bd BaseDate) Next() (BaseDate, bool) {
	switch bd {
	case BaseDate1993:
		return BaseDate2014, true
	case BaseDate2014:
		return BaseDate2035, true
	}
	return 0, false
}

// Time returns TID 0 of the base date.
func (bd BaseDate) Time() time.Time {
	return time.Date(int(bd), time.January, 1, 0, 0, 0, 0, time.UTC)
}

// TIDAt returns the TID of an issue time: the whole minutes since the base date.
func (bd BaseDate) TIDAt(t time.Time) (TID, error) {
	if !bd.Valid() {
		return 0, fmt.Errorf("sts: unknown base date %d", uint16(bd))
	}
	d := t.Sub(bd.Time())
	if d < 0 {
		return 0, ErrBeforeBaseDate
	}
	m := d / time.Minute
	if m > time.Duration(MaxTID) {
		return 0, ErrTIDExhausted
	}
	return TID(m), nil
}

// TIDTime returns the minute a TID stands for.
func (bd BaseDate) TIDTime(tid TID) time.Time {
	return bd.Time().Add(time.Duration(tid) * time.Minute)
}

// NextTID returns the TID for a token issued at t to a meter whose last token under the same key
// had TID last: the minute of t, or last+1 when that minute is already used, so TIDs strictly
// increase per meter and key (compliance test CTSA09). A meter with no token yet passes last = 0.
func (bd BaseDate) NextTID(t time.Time, last TID) (TID, error) {
	now, err := bd.TIDAt(t)
	if err != nil {
		return 0, err
	}
	if now > last {
		return now, nil
	}
	if last >= MaxTID {
		return 0, ErrTIDExhausted
	}
	return last + 1, nil
}
