// Package smpp is Vendgate's SMS channel over SMPP 3.4: it binds to SMSCs as an ESME
// transceiver (github.com/linxGnu/gosmpp), answers customers' messages ("BUY <meter> <amount>",
// LAST, HELP, LANG) through the vending core, and delivers the replies the outbox holds.
package smpp
