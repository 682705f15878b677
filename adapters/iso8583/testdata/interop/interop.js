// Drives Vendgate's ISO 8583 server with an independent implementation, the npm package
// iso_8583 (2.6.7): sign-on, lookup, purchase, repeat, reversal, echo, over one TCP connection
// with the 2-byte binary length header. It prints one JSON object per exchange and a last line
// {"done": true}. Usage: node interop.js HOST:PORT INSTITUTION METER
'use strict';
const net = require('net');
const ISO8583 = require('iso_8583');

const [host, port] = process.argv[2].split(':');
const institution = process.argv[3];
const meter = process.argv[4];

// ASCII-hex bitmap (ISO 8583:1987 ASCII); every other field keeps the package's defaults, which
// are Vendgate's formats. iso_8583 always sends 32 bitmap characters (a secondary bitmap) and
// parses responses expecting 32: Vendgate's SecondaryBitmap option sends them.
const formats = { '1': { ContentType: 'an', Label: 'Bitmap', LenType: 'fixed', MaxLen: 32 } };
const parseConfig = { bitmapEncoding: 'utf8' };

const now = new Date();
const pad = (n, w) => String(n).padStart(w, '0');
const f7 = pad(now.getUTCMonth() + 1, 2) + pad(now.getUTCDate(), 2) + pad(now.getUTCHours(), 2) +
  pad(now.getUTCMinutes(), 2) + pad(now.getUTCSeconds(), 2);
const rrnBase = pad(Date.now() % 1e9, 9);

function field48(m) { return '01' + pad(m.length, 2) + m; }

function financial(mti, proc, stan, amount) {
  const msg = {
    0: mti, 2: '4761739001010119', 3: proc, 7: f7, 11: stan, 12: '113000', 13: '0301',
    32: institution, 37: rrnBase + stan.slice(3), 41: 'NPMATM01', 42: 'NPM-ISO8583-001',
    48: field48(meter), 49: '710',
  };
  if (amount) msg[4] = pad(amount, 12);
  return msg;
}

const purchase = financial('0200', '000000', '000301', 2500);
const reversal = Object.assign({}, purchase, {
  0: '0420', 7: f7, 11: '000303',
  90: '0200' + purchase[11] + purchase[7] + pad(institution, 11) + pad(0, 11),
});
const script = [
  { name: 'signon', msg: { 0: '0800', 7: f7, 11: '000100', 32: institution, 70: '001' } },
  { name: 'lookup', msg: financial('0100', '310000', '000200') },
  { name: 'purchase', msg: purchase },
  { name: 'repeat', msg: purchase },
  { name: 'reversal', msg: reversal },
  { name: 'echo', msg: { 0: '0800', 7: f7, 11: '000400', 70: '301' } },
];

const sock = net.connect({ host, port: Number(port) });
let buf = Buffer.alloc(0);
let step = 0;
const timer = setTimeout(() => { console.log(JSON.stringify({ error: 'timeout at ' + script[step].name })); process.exit(2); }, 15000);

function send() {
  const out = new ISO8583(script[step].msg, formats).getBufferMessage();
  if (out.error) {
    console.log(JSON.stringify({ error: 'packing ' + script[step].name + ': ' + out.error }));
    process.exit(2);
  }
  sock.write(out);
}

sock.on('connect', send);
sock.on('data', (chunk) => {
  buf = Buffer.concat([buf, chunk]);
  while (buf.length >= 2) {
    const len = buf.readUInt16BE(0);
    if (buf.length < 2 + len) return;
    const frame = buf.slice(0, 2 + len);
    buf = buf.slice(2 + len);
    const json = new ISO8583().getIsoJSON(frame, parseConfig);
    if (json.error) {
      console.log(JSON.stringify({ step: script[step].name, error: 'parsing: ' + json.error, raw: frame.slice(2).toString() }));
      process.exit(2);
    }
    if (json[0] === '0800') continue; // Vendgate's idle echo: not part of the script
    // Echo the fields the test checks; never the PAN.
    console.log(JSON.stringify({ step: script[step].name, mti: json[0], stan: json[11], rc: json[39], f48: json[48], f63: json[63] }));
    step++;
    if (step === script.length) {
      clearTimeout(timer);
      console.log(JSON.stringify({ done: true }));
      sock.end();
      return;
    }
    send();
  }
});
sock.on('error', (e) => { console.log(JSON.stringify({ error: e.message })); process.exit(2); });
