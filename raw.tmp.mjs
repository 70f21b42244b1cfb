import net from 'node:net';
import crypto from 'node:crypto';
const s = net.connect(4110, '127.0.0.1');
let upgraded = false;
s.on('connect', () => {
  s.write('GET /socket/websocket?vsn=2.0.0&name=a HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ' + crypto.randomBytes(16).toString('base64') + '\r\nSec-WebSocket-Version: 13\r\n\r\n');
});
s.on('data', (d) => {
  if (!upgraded) { upgraded = true;
    const n = 1 << 20; const hdr = Buffer.alloc(14); hdr[0] = 0x81; hdr[1] = 0x80 | 127; hdr.writeBigUInt64BE(BigInt(n), 2); hdr.writeUInt32BE(0x01020304, 10);
    s.write(Buffer.concat([hdr, Buffer.alloc(n, 0x61)]));
    return; }
  console.log('data', d.length, d.subarray(0, 8).toString('hex'));
});
s.on('end', () => console.log('end (FIN)'));
s.on('error', (e) => console.log('error', e.message));
s.on('close', () => console.log('closed'));
