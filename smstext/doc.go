// Package smstext reads and writes the text of SMPP 3.4 short messages: what customers' phones
// send through an SMSC (deliver_sm) and the replies Vendgate submits (submit_sm). The SMPP adapter
// codes messages with it, and the language files measure reply lengths with it (Measure). It is
// pure: no network, no clock of its own, the standard library only.
//
// Decoding (Codec.Decode) follows data_coding as SMPP 3.4 §5.2.19 and the coding groups of
// 3GPP TS 23.038 §4 define it: the SMSC default alphabet (0; GSM 7-bit unpacked, GSM 7-bit packed
// or ISO 8859-1, configured per SMSC as Codec.Default), IA5 (1), ISO 8859-1 (3), UCS-2 (8, read as
// UTF-16BE so that surrogate pairs work), 8-bit data (read as ISO 8859-1) and the GSM groups with
// message classes and message waiting indications. GSM 7-bit uses the default alphabet and
// extension table of TS 23.038 §6.2.1. Invalid input is an error, never a guess and never a
// panic (see Codec.Decode and Error).
//
// When esm_class has the UDHI bit, the user data header (TS 23.040 §9.2.3.24) is parsed
// (ParseUDH): concatenation with 8-bit (IE 0x00) or 16-bit (IE 0x08) references is read, other
// elements are skipped, and headers whose lengths overrun are rejected. Concatenation carried in
// the SAR TLVs instead is built with SAR.
//
// A Reassembler joins the decoded parts of a long message, keyed by source, destination,
// reference and total; it drops incomplete messages after a timeout, holds a bounded number and
// reports what it drops.
//
// Encoding (Codec.Encode) chooses GSM 7-bit when it can and UCS-2 otherwise and splits long
// replies into parts with a concatenation header (153 septets or 67 UTF-16 units each), never
// inside an escape sequence or a surrogate pair; Measure says how many parts a text needs.
//
// Vendgate does not use gosmpp v0.3.1's data codings for this: tried against known vectors, its
// unpacked GSM 7-bit tables are right, but its packed decoder confuses a final '@' with padding,
// its UCS-2 turns odd lengths and lone surrogates into U+FFFD silently, its IA5 passes octets
// above 0x7F through as invalid UTF-8, its splitters count UTF-8 bytes or runes rather than
// septets and UTF-16 units (so a GSM part of 100 'é' is "too long" and a UCS-2 part of emoji
// overflows to 268 octets), it reads no data coding groups, and its pdu.UDH accepts information
// elements that overrun UDHL and does not read 16-bit references.
package smstext
