// Shared by the browser suites that read e-mail: a small SMTP server in the test process that
// keeps what it receives. The server under test sends to it (test.sh starts the server with
// THROUGHLINE_SMTP_URL=smtp://127.0.0.1:$SMTP_PORT and gives the suites SMTP_PORT).
import net from 'node:net';

export function startSmtpSink(port) {
  const messages = [];
  const sockets = new Set();
  const server = net.createServer((socket) => {
    // Senders keep idle connections for their next message: closing the sink ends them.
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffer = '';
    let inData = false;
    let current = { to: [], data: '' };
    const reply = (line) => socket.write(`${line}\r\n`);
    reply('220 sink ESMTP');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          current.data = buffer.slice(0, end).replace(/\r\n\.\./g, '\r\n.');
          buffer = buffer.slice(end + 5);
          messages.push(current);
          current = { to: [], data: '' };
          inData = false;
          reply('250 2.0.0 kept');
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol < 0) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') reply('250 sink');
        else if (verb === 'MAIL') { current = { to: [], data: '' }; reply('250 2.1.0 ok'); }
        else if (verb === 'RCPT') { current.to.push(line.replace(/^RCPT TO:\s*<?([^>]*)>?.*$/i, '$1').toLowerCase()); reply('250 2.1.5 ok'); }
        else if (verb === 'DATA') { inData = true; reply('354 go ahead'); }
        else if (verb === 'QUIT') { reply('221 bye'); socket.end(); return; }
        else reply('250 ok');
      }
    });
    socket.on('error', () => {});
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(port), '127.0.0.1', () => resolve({
      messages,
      close: () => new Promise((r) => {
        server.close(r);
        for (const s of sockets) s.destroy();
      }),
      // The first message to `to` that satisfies `match`, waiting up to `ms`.
      async waitFor(to, match = () => true, ms = 30_000) {
        const deadline = Date.now() + ms;
        for (;;) {
          const m = messages.find((x) => x.to.includes(to.toLowerCase()) && match(x));
          if (m) return m;
          if (Date.now() > deadline) throw new Error(`no e-mail to ${to} within ${ms / 1000} s (${messages.length} received)`);
          await new Promise((r) => setTimeout(r, 200));
        }
      },
    }));
  });
}

// A message body with quoted-printable soft line breaks undone.
export function unfold(data) {
  return data.replace(/=\r\n/g, '');
}
