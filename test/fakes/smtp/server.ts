import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * An SMTP receiver that holds a client to RFC 5321 and RFC 4954: a 220 greeting; EHLO (or HELO) before anything
 * else (503); AUTH PLAIN (with or without an initial response) or AUTH LOGIN, only after EHLO, checked against
 * the one user; MAIL FROM:<…> only after a successful AUTH when auth is required (530); RCPT TO:<…> after MAIL (503);
 * DATA after at least one RCPT (503), then 354 and the message up to CRLF.CRLF with dot-stuffing undone (a line
 * beginning "." was sent as ".."); RSET, NOOP, QUIT. It advertises no PIPELINING and no STARTTLS, so a client that
 * requires TLS must refuse it. Each message's body is decoded from quoted-printable when the header says so.
 */
export interface SmtpMessage {
  authUser: string | null;
  from: string;
  to: string[];
  /** The DATA as received, dot-stuffing undone. */
  data: string;
  headers: Record<string, string>;
  /** The body, quoted-printable decoded. */
  text: string;
}

function decodeQp(s: string): string {
  return s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

function parse(data: string): { headers: Record<string, string>; text: string } {
  const split = data.indexOf('\r\n\r\n');
  const head = data.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  let text = data.slice(split + 4);
  if ((headers['content-transfer-encoding'] ?? '').toLowerCase() === 'quoted-printable') text = decodeQp(text);
  return { headers, text: text.replace(/\r\n/g, '\n') };
}

export async function startFakeSmtp(o: { user: string; password: string }): Promise<{
  port: number;
  messages: SmtpMessage[];
  /** Protocol violations seen (a strict server would have answered 5xx to each). */
  violations: string[];
  close(): Promise<void>;
}> {
  const messages: SmtpMessage[] = [];
  const violations: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.setEncoding('latin1');
    let buffer = '';
    let greeted = false;
    let authUser: string | null = null;
    let from: string | null = null;
    let to: string[] = [];
    let inData = false;
    let authStep: null | { kind: 'plain' } | { kind: 'login-user' } | { kind: 'login-pass'; user: string } = null;
    const reply = (line: string) => socket.write(`${line}\r\n`);
    const fail = (code: string, why: string) => {
      violations.push(why);
      reply(`${code} ${why}`);
    };
    const checkPlain = (b64: string) => {
      const [, user, pass] = Buffer.from(b64, 'base64').toString('utf8').split('\0');
      if (user === o.user && pass === o.password) {
        authUser = user;
        reply('235 2.7.0 Authentication successful');
      } else reply('535 5.7.8 Authentication credentials invalid');
    };
    reply('220 fake-smtp.test ESMTP ready');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          const raw = buffer.slice(0, end + 2);
          buffer = buffer.slice(end + 5);
          inData = false;
          const data = raw
            .split('\r\n')
            .map((l) => (l.startsWith('..') ? l.slice(1) : l))
            .join('\r\n');
          if (raw.split('\r\n').some((l) => l.startsWith('.') && !l.startsWith('..') && l !== ''))
            violations.push('a line beginning with "." was not dot-stuffed');
          const utf8 = Buffer.from(data, 'latin1').toString('utf8');
          messages.push({ authUser, from: from!, to, data: utf8, ...parse(utf8) });
          from = null;
          to = [];
          reply('250 2.0.0 Ok: queued');
          continue;
        }
        const nl = buffer.indexOf('\r\n');
        if (nl < 0) return;
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        if (line.length > 510) fail('500', 'line too long');
        if (authStep) {
          const step = authStep;
          authStep = null;
          if (step.kind === 'plain') checkPlain(line);
          else if (step.kind === 'login-user') {
            authStep = { kind: 'login-pass', user: Buffer.from(line, 'base64').toString('utf8') };
            reply('334 UGFzc3dvcmQ6');
          } else {
            const pass = Buffer.from(line, 'base64').toString('utf8');
            if (step.user === o.user && pass === o.password) {
              authUser = step.user;
              reply('235 2.7.0 Authentication successful');
            } else reply('535 5.7.8 Authentication credentials invalid');
          }
          continue;
        }
        const [verb = '', ...rest] = line.split(' ');
        const arg = rest.join(' ');
        switch (verb.toUpperCase()) {
          case 'EHLO':
            greeted = true;
            socket.write('250-fake-smtp.test\r\n250-8BITMIME\r\n250-AUTH PLAIN LOGIN\r\n250 SIZE 10485760\r\n');
            break;
          case 'HELO':
            greeted = true;
            reply('250 fake-smtp.test');
            break;
          case 'AUTH': {
            if (!greeted) fail('503', 'AUTH before EHLO');
            else if (authUser) fail('503', 'already authenticated');
            else {
              const [mech = '', initial] = arg.split(' ');
              if (mech.toUpperCase() === 'PLAIN') {
                if (initial) checkPlain(initial);
                else {
                  authStep = { kind: 'plain' };
                  reply('334 ');
                }
              } else if (mech.toUpperCase() === 'LOGIN') {
                authStep = { kind: 'login-user' };
                reply('334 VXNlcm5hbWU6');
              } else fail('504', `unrecognised authentication type ${mech}`);
            }
            break;
          }
          case 'MAIL': {
            const m = /^FROM:<([^>]*)>/i.exec(arg);
            if (!greeted) fail('503', 'MAIL before EHLO');
            else if (!authUser) fail('530', 'MAIL before AUTH (authentication required)');
            else if (!m) fail('501', 'MAIL syntax: FROM:<address>');
            else if (from !== null) fail('503', 'nested MAIL command');
            else {
              from = m[1]!;
              reply('250 2.1.0 Ok');
            }
            break;
          }
          case 'RCPT': {
            const m = /^TO:<([^>]+)>/i.exec(arg);
            if (from === null) fail('503', 'RCPT before MAIL');
            else if (!m) fail('501', 'RCPT syntax: TO:<address>');
            else {
              to.push(m[1]!);
              reply('250 2.1.5 Ok');
            }
            break;
          }
          case 'DATA':
            if (to.length === 0) fail('503', 'DATA before RCPT');
            else {
              inData = true;
              reply('354 End data with <CR><LF>.<CR><LF>');
            }
            break;
          case 'RSET':
            from = null;
            to = [];
            reply('250 2.0.0 Ok');
            break;
          case 'NOOP':
            reply('250 2.0.0 Ok');
            break;
          case 'QUIT':
            reply('221 2.0.0 Bye');
            socket.end();
            break;
          default:
            fail('502', `command not implemented: ${verb}`);
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    messages,
    violations,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
