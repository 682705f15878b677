// An SMSC Vendgate did not write, on the npm package smpp (0.5.1) as the server, for vendgate
// serve's SMS channel to bind to. It listens on 127.0.0.1 (a free port), accepts one account's
// bind_transceiver, answers enquire_link and unbind, takes every submit_sm with a message_id and,
// when a receipt is asked for, sends a delivery receipt for it (esm_class 0x04, the
// "id:... stat:DELIVRD" text, receipted_message_id and message_state TLVs).
//
// It prints one JSON object a line on stdout: {"event":"listening","port":N} first, then bind,
// submit (with the decoded text), receipt_resp, enquire_link, unbind, mo_sent, mo_resp and errors.
// It reads one JSON command a line on stdin:
//   {"op":"mo","ref":R,"from":F,"to":T,"text":X,"data_coding":D,"parts":[...]}  a customer's
//       message as deliver_sm (data_coding 0 is GSM 03.38, 8 is UCS-2, none is npm smpp's own
//       choice; with parts, a concatenated message, one deliver_sm a part with an 8-bit
//       reference UDH);
//   {"op":"again","ref":R}  the same deliver_sm(s) again, with new sequence numbers, as an SMSC
//       does when a deliver_sm_resp was lost;
//   {"op":"enquire_link"}, {"op":"unbind"}, {"op":"receipts","tlv":false} (text-only receipts).
// Usage: node smsc.js SYSTEM_ID PASSWORD
'use strict';
const crypto = require('crypto');
const readline = require('readline');
const smpp = require('smpp');

const [systemID, password] = process.argv.slice(2);
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');

let session = null; // the bound session
let receiptTLVs = true;
const sent = {}; // ref -> the deliver_sm options sent for it

// smscTime is an SMPP receipt date, YYMMDDhhmm.
function smscTime(d) {
  const p = (n) => String(n).padStart(2, '0');
  return p(d.getUTCFullYear() % 100) + p(d.getUTCMonth() + 1) + p(d.getUTCDate()) + p(d.getUTCHours()) + p(d.getUTCMinutes());
}

function receipt(s, sub, messageID, text) {
  const now = smscTime(new Date());
  const body = 'id:' + messageID + ' sub:001 dlvr:001 submit date:' + now + ' done date:' + now +
    ' stat:DELIVRD err:000 text:' + text.replace(/[^A-Za-z0-9 ]/g, '.').slice(0, 20);
  const opts = {
    source_addr_ton: sub.dest_addr_ton, source_addr_npi: sub.dest_addr_npi, source_addr: sub.destination_addr,
    dest_addr_ton: sub.source_addr_ton, dest_addr_npi: sub.source_addr_npi, destination_addr: sub.source_addr,
    esm_class: 0x04, data_coding: 0, short_message: body,
  };
  if (receiptTLVs) {
    opts.receipted_message_id = messageID;
    opts.message_state = 2;
  }
  s.send(new smpp.PDU('deliver_sm', opts), (resp) => {
    out({ event: 'receipt_resp', message_id: messageID, status: resp.command_status });
  });
}

const server = smpp.createServer((s) => {
  s.on('error', (e) => {
    // Vendgate closes the connection right after its unbind, without waiting for unbind_resp.
    if (!s.unbound) out({ event: 'error', error: String(e) });
  });
  s.on('bind_transceiver', (pdu) => {
    const ok = pdu.system_id === systemID && pdu.password === password;
    out({ event: 'bind', system_id: pdu.system_id, status: ok ? 0 : smpp.ESME_RBINDFAIL });
    if (!ok) {
      s.send(pdu.response({ command_status: smpp.ESME_RBINDFAIL }));
      s.close();
      return;
    }
    s.send(pdu.response({ system_id: 'npm-smsc' }));
    session = s;
  });
  for (const cmd of ['bind_transmitter', 'bind_receiver']) {
    s.on(cmd, (pdu) => {
      out({ event: 'bind', command: cmd, system_id: pdu.system_id, status: smpp.ESME_RINVBNDSTS });
      s.send(pdu.response({ command_status: smpp.ESME_RINVBNDSTS }));
    });
  }
  s.on('enquire_link', (pdu) => {
    out({ event: 'enquire_link' });
    s.send(pdu.response());
  });
  s.on('unbind', (pdu) => {
    s.unbound = true;
    out({ event: 'unbind' });
    s.send(pdu.response());
    s.close();
  });
  s.on('close', () => {
    if (session === s) session = null;
  });
  s.on('unknown', (pdu) => s.send(pdu.response()));
  s.on('submit_sm', (pdu) => {
    if (s !== session) {
      s.send(pdu.response({ command_status: smpp.ESME_RINVBNDSTS }));
      return;
    }
    const messageID = crypto.randomBytes(8).toString('hex');
    const sm = pdu.short_message || {};
    const text = typeof sm.message === 'string' ? sm.message : '';
    out({
      event: 'submit', message_id: messageID,
      source: pdu.source_addr, source_ton: pdu.source_addr_ton, source_npi: pdu.source_addr_npi,
      dest: pdu.destination_addr, dest_ton: pdu.dest_addr_ton, dest_npi: pdu.dest_addr_npi,
      esm_class: pdu.esm_class, data_coding: pdu.data_coding, registered_delivery: pdu.registered_delivery,
      udh: (sm.udh || []).map((u) => u.toString('hex')).join(''), text,
    });
    s.send(pdu.response({ message_id: messageID }), () => {
      // The receipt leaves the moment the response is written, as a fast handset's would.
      if (pdu.registered_delivery & 0x01) receipt(s, pdu, messageID, text);
    });
  });
});

// deliver sends a customer's message, one deliver_sm a part, and prints each response.
function deliver(ref, opts) {
  if (!session) {
    out({ event: 'error', error: 'no bind for ' + ref });
    return;
  }
  for (const o of opts) {
    const pdu = new smpp.PDU('deliver_sm', Object.assign({}, o));
    session.send(pdu, (resp) => {
      out({ event: 'mo_resp', ref, status: resp.command_status });
    });
    out({ event: 'mo_sent', ref, data_coding: pdu.data_coding, esm_class: pdu.esm_class });
  }
}

function moOptions(c) {
  const base = {
    source_addr_ton: 1, source_addr_npi: 1, source_addr: c.from,
    dest_addr_ton: 0, dest_addr_npi: 1, destination_addr: c.to,
    // Without data_coding npm smpp picks one itself (0x01 for text in the GSM alphabet).
    data_coding: 'data_coding' in c ? c.data_coding : null,
  };
  if (!c.parts) return [Object.assign({ short_message: c.text }, base)];
  const ref = crypto.randomBytes(1)[0];
  return c.parts.map((text, i) => Object.assign({
    short_message: { udh: Buffer.from([0x05, 0x00, 0x03, ref, c.parts.length, i + 1]), message: text },
  }, base));
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  let c;
  try {
    c = JSON.parse(line);
  } catch (e) {
    out({ event: 'error', error: 'command ' + line + ': ' + e });
    return;
  }
  switch (c.op) {
    case 'mo':
      sent[c.ref] = moOptions(c);
      deliver(c.ref, sent[c.ref]);
      break;
    case 'again':
      deliver(c.ref, sent[c.ref] || []);
      break;
    case 'enquire_link':
      if (session) session.enquire_link((resp) => out({ event: 'enquire_link_resp', status: resp.command_status }));
      break;
    case 'unbind':
      if (session) session.unbind((resp) => out({ event: 'unbind_resp', status: resp.command_status }));
      break;
    case 'receipts':
      receiptTLVs = c.tlv !== false;
      break;
    default:
      out({ event: 'error', error: 'unknown op ' + c.op });
  }
}).on('close', () => {
  // The test is over: stdin closed.
  server.close();
  for (const s of server.sessions.slice()) s.destroy();
  process.exit(0);
});

server.listen(0, '127.0.0.1', () => out({ event: 'listening', port: server.address().port }));
