/**
 * A minimal POSIX ustar writer: what Velero's backup tarball is (Go's archive/tar,
 * gzipped). Regular files only, paths under 100 bytes: enough for the fake
 * controller's backups, and readable by the real tar.
 */
import { gzipSync } from 'node:zlib';

function header(path: string, size: number, mtime: number): Buffer {
  const h = Buffer.alloc(512);
  const put = (text: string, offset: number, length: number) => h.write(text, offset, length, 'ascii');
  if (Buffer.byteLength(path) > 100) throw new Error(`tar path too long: ${path}`);
  put(path, 0, 100);
  const field = (n: number, offset: number, length: number) =>
    put(`${n.toString(8).padStart(length - 1, '0')}\0`, offset, length);
  field(0o644, 100, 8); // mode
  field(0, 108, 8); // uid
  field(0, 116, 8); // gid
  field(size, 124, 12);
  field(Math.floor(mtime / 1000), 136, 12);
  put('        ', 148, 8); // checksum counted as spaces
  put('0', 156, 1); // regular file
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  let sum = 0;
  for (const b of h) sum += b;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return h;
}

export function tarGz(files: Array<{ path: string; body: string | Buffer }>, mtime = Date.now()): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    const body = typeof f.body === 'string' ? Buffer.from(f.body) : f.body;
    parts.push(header(f.path, body.length, mtime), body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024)); // two zero blocks end the archive
  return gzipSync(Buffer.concat(parts));
}
