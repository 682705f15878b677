// Package smsc is an SMPP v3.4 SMSC simulator for Vendgate's tests, demos and load commands. It
// plays the network side of the SMS channel: Vendgate's SMPP adapter binds to it as an ESME
// (normally a transceiver), receives customers' MO messages and delivery receipts as deliver_sm,
// and sends token replies as submit_sm.
//
// It implements, of SMPP v3.4: bind_transmitter, bind_receiver and bind_transceiver with accounts
// (5.2.1 to 5.2.6; ESME_RINVSYSID, ESME_RINVPASWD, ESME_RALYBND), unbind, enquire_link,
// generic_nack for unknown commands, submit_sm recorded octet for octet with its TLVs
// (message_payload, sar_*) and answered with a unique message_id (4.4), deliver_sm for MO
// messages, concatenated MO parts with a UDH (3GPP TS 23.040, 9.2.3.24.1) and delivery receipts
// in the format of appendix B with the receipted_message_id and message_state TLVs (5.3.2.12,
// 5.3.2.35). PDUs are decoded and encoded with github.com/linxGnu/gosmpp/pdu.
//
// Faults are switched at run time with SetFaults: refused binds, connections dropped on bind or
// after N PDUs, slow, refused (ESME_RTHROTTLED, ESME_RSYSERR ...) or unanswered submit_sm, and a
// deliver_sm that reuses the sequence_number of the ESME's pending submit_sm. Kill emulates a
// crash and Restart brings the SMSC back on the same address with its recorded state. Redeliver
// sends a deliver_sm again, as an SMSC does when it missed the deliver_sm_resp. Config.Throughput
// is the load mode: submits are answered at once and counted, and only a bounded number kept.
//
// Non-test code never imports this package.
//
// A test drives the adapter against it like this:
//
//	srv, err := smsc.Listen(smsc.Config{
//		Accounts: map[string]string{"vendgate": "secret"},
//		Receipts: smsc.Receipts{Enabled: true, Delay: 50 * time.Millisecond},
//	})
//	if err != nil {
//		t.Fatal(err)
//	}
//	t.Cleanup(func() { _ = srv.Close() })
//	// ... start the adapter with srv.Addr(), system_id "vendgate", password "secret" ...
//
//	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
//	defer cancel()
//	d, err := srv.SendText(ctx, "27821234567", "32123", "BUY 01234567897 50")
//	if err != nil || d.Status != smsc.StatusOK {
//		t.Fatalf("MO: got status 0x%X, err %v", d.Status, err)
//	}
//	subs, err := srv.WaitSubmits(ctx, 1)
//	if err != nil {
//		t.Fatal(err)
//	}
//	text, _ := subs[0].Text() // the token reply
//
//	srv.SetFaults(smsc.Faults{SubmitStatus: smsc.StatusThrottled}) // the next replies are throttled
//	srv.Kill()                                                      // the SMSC crashes ...
//	err = srv.Restart()                                             // ... and comes back
package smsc
