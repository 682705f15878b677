// Drives Vendgate's test SMSC with an independent SMPP 3.4 client, the npm package smpp (0.5.1):
// bind_transceiver, enquire_link, submit_sm asking for a receipt, then it waits for one MO
// deliver_sm and one receipt, answers them, and unbinds. It prints one JSON object per step and a
// last line {"done": true}. Usage: node interop.js HOST:PORT SYSTEM_ID PASSWORD
'use strict';
const smpp = require('smpp');

const [host, port] = process.argv[2].split(':');
const systemID = process.argv[3];
const password = process.argv[4];
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const fail = (msg) => { out({ error: String(msg) }); process.exit(1); };
setTimeout(() => fail('timed out'), 20000).unref();

const session = smpp.connect({ host, port: Number(port) });
session.on('error', (e) => fail(e));

let mo = null;
let receipt = null;
function maybeFinish() {
  if (!mo || !receipt) return;
  session.unbind((pdu) => {
    out({ step: 'unbind', status: pdu.command_status });
    out({ done: true });
    session.close();
  });
}

session.on('deliver_sm', (pdu) => {
  session.send(pdu.response());
  const text = pdu.short_message && pdu.short_message.message !== undefined
    ? pdu.short_message.message : String(pdu.short_message);
  if (pdu.esm_class & 0x04) {
    receipt = { step: 'receipt', id: pdu.receipted_message_id, state: pdu.message_state, text };
    out(receipt);
  } else {
    mo = { step: 'mo', source: pdu.source_addr, destination: pdu.destination_addr, text, dataCoding: pdu.data_coding };
    out(mo);
  }
  maybeFinish();
});

session.on('connect', () => {
  session.bind_transceiver({ system_id: systemID, password }, (pdu) => {
    out({ step: 'bind', status: pdu.command_status, systemID: pdu.system_id });
    if (pdu.command_status !== 0) return fail('bind refused');
    session.enquire_link((pdu) => {
      out({ step: 'enquire_link', status: pdu.command_status });
      session.submit_sm({
        source_addr_ton: 0, source_addr_npi: 1, source_addr: '32123',
        dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '27821234567',
        registered_delivery: 1,
        short_message: 'Token 1234 5678 9012 3456 7890',
      }, (pdu) => {
        out({ step: 'submit', status: pdu.command_status, messageID: pdu.message_id });
      });
    });
  });
});
