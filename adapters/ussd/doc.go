// Package ussd is Vendgate's USSD channel: the HTTP callbacks of a USSD aggregator, in the common
// form (Africa's Talking and others). Each key press of a customer's dialogue is a
// POST /v1/ussd with sessionId, serviceCode, phoneNumber and text (the inputs so far joined by
// "*", or only the newest input on some aggregators), as application/x-www-form-urlencoded or,
// as a courtesy, JSON. The answer is text/plain: "CON <screen>" to continue the dialogue or
// "END <screen>" to close it, the screen at most 182 characters (GSM 03.38 7-bit; the prefix
// does not count).
//
// The menu, in the customer's language (adapters/lang): 1 buy (the meter number, the customer's
// name to confirm, the amount, a confirmation, then the tokens on the last screen and by SMS),
// 2 the last token again (on the screen and by SMS), 3 help, 4 language, 0 exit.
//
// The dialogue's state lives in the database (core.USSDSession), so that it survives a restart
// and several Vendgate nodes can serve one aggregator. A session idle for longer than the
// timeout answers the expired screen. The session id, scoped by the service code, is the vend's
// idempotency key: a repeated final callback answers the same screen and never vends twice.
// Each service code belongs to a telecom operator's settlement account (an agent of kind telco),
// which the purchases are sold from.
package ussd
