// Package sts is Vendgate's STS token engine: IEC 62055-41 Standard Transfer Specification tokens
// for prepaid keypad meters. It is pure: it imports only the standard library, does no I/O, reads no
// clock and logs nothing; callers pass times and random values in.
//
// What it implements (clauses as summarised in docs/sts.md):
//   - 66-bit tokens <-> 20 digits, with the class inserted at bits 28..27 (Token, ParseToken);
//   - the CRC-16 over class and data block (CRC);
//   - every defined class and subclass: class 0 credit for electricity, water, gas, time and
//     currency; class 1 test/display in both manufacturer-code layouts; class 2 set maximum power
//     limit, clear credit, set tariff rate, the four key change sections, clear tamper, set maximum
//     phase power unbalance and set water meter factor (Transfer, Test, KeyChange1..4; Encode,
//     Decode);
//   - the 16-bit amount field with an explicit rounding mode (EncodeAmount); vending uses RoundDown,
//     so a token never transfers more than was paid for, and the encoder reports what it carries;
//   - TIDs from an issue time and base date 1993, 2014 or 2035, the per-meter monotonic rule and the
//     end of a base date's range (BaseDate.TIDAt, BaseDate.NextTID, ErrTIDExhausted);
//   - EA07 (STA) and EA11 (MISTY1, RFC 2994) as crypto/cipher.Block values; EA09 (DES) is offered
//     but UNVERIFIED: no published vector covers it, it is never a default and meters should not
//     use it;
//   - decoder keys by DKGA02 and DKGA04 for key types 0..3, from a meter PAN built of IIN 600727 or
//     0000, DRN and Luhn check digits (DeriveKey, NewPAN);
//   - key change token sets: two tokens for 64-bit keys, four for 128-bit MISTY1 keys, with KEN,
//     KRN, KT, TI, the rollover flag and the SGC halves (KeyChange, AssembleKeyChange).
//
// Choices where the standard's text was not available (docs/sts.md §11 lists them):
//   - TIDs count minutes in UTC.
//   - Decoder keys are handled in natural byte order (most significant byte first), as derived.
//   - KEN bounds the TID's top 8 bits; 255 never expires (KEN.Expired).
//   - Key change tokens are entered in the order KCT1, KCT2, KCT3, KCT4; the naming of the 128-bit
//     middle sections follows the byte placement that reproduces the compliance vectors.
//   - The reserved "3KCT" bit of KCT1 is written as 0 and kept when decoded.
//   - Set tariff rate and set water factor carry their 16-bit value as given; its scaling is
//     utility-defined.
//   - Currency credit (class 0 subclass 4) uses the same tenths encoding as the other credits.
//   - A common key (KT 3) under DKGA04 is derived from the PAN with its IAIN zeroed, as DKGA02 does.
//   - Class 1 manufacturer code 0 addresses every manufacturer.
//
// The package sts/meter is a virtual keypad meter built on this package.
package sts
