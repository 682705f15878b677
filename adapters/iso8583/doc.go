// Package iso8583 is Vendgate's ISO 8583 adapter: a TCP server that lets a bank's switch sell
// prepaid electricity at its ATMs. It speaks ISO 8583:1987 with ASCII fields and an ASCII-hex
// bitmap, framed by a 2-byte binary length header (or 4 ASCII digits), as written in
// docs/iso8583.md, the field table a bank's integrator reads:
//
//   - 0800/0810 network management: sign-on (field 70 = 001, field 32 the acquiring
//     institution), sign-off (002) and echo (301); idle connections are echoed;
//   - 0100/0110 (or 0200 with processing code 31): meter lookup, so the ATM can show the
//     customer's name before the card is charged;
//   - 0200/0210 purchase: the vend, with the tokens and receipt in field 63;
//   - 0420/0421 reversal advice and its repeats, answered 0430.
//
// The message spec is data (Spec); the wire structs and their converters to core's types live in
// message.go; responseCode is the one table from core's error codes to field 39. Connections run
// on github.com/moov-io/iso8583-connection: each inbound request is handled in its own goroutine
// and answered when done, so responses go out in completion order and the switch matches them by
// STAN.
package iso8583
