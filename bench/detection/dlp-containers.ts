/**
 * Binary uploads that carry files without a `Content-Encoding` label: zip archives,
 * tar (plain and gzipped), bare gzip and zlib streams, and a git push over smart HTTP
 * (receive-pack commands, then a packfile of zlib-deflated objects). Built here with
 * node:zlib, so the bench needs no tools.
 *
 * @example
 * zip([{ name: '.env', data: 'AWS_ACCESS_KEY_ID=AKIA...' }]) // a Buffer `unzip` reads
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { deflateRawSync, deflateSync } from 'node:zlib';

export interface FileEntry {
  name: string;
  data: string | Buffer;
}

/** A zip archive, each entry deflated (method 8), with its central directory. */
export function zip(files: readonly FileEntry[]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const data = Buffer.from(f.data);
    const comp = deflateRawSync(data);
    const name = Buffer.from(f.name);
    const crc = crc32(data);
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt16LE(8, 8);
    h.writeUInt32LE(crc, 14);
    h.writeUInt32LE(comp.length, 18);
    h.writeUInt32LE(data.length, 22);
    h.writeUInt16LE(name.length, 26);
    locals.push(h, name, comp);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(8, 10);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(comp.length, 20);
    c.writeUInt32LE(data.length, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt32LE(offset, 42);
    central.push(c, name);
    offset += 30 + name.length + comp.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** A ustar archive. */
export function tar(files: readonly FileEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    const data = Buffer.from(f.data);
    const h = Buffer.alloc(512);
    h.write(f.name, 0, 100, 'utf8');
    h.write('0000644\0', 100);
    h.write('0001750\0', 108);
    h.write('0001750\0', 116);
    h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
    h.write(
      `${Math.floor(Date.UTC(2026, 0, 1) / 1000)
        .toString(8)
        .padStart(11, '0')}\0`,
      136,
    );
    h.write('        ', 148);
    h.write('0', 156);
    h.write('ustar\x0000', 257, 'latin1');
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    parts.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

function pktLine(s: string): string {
  return (s.length + 4).toString(16).padStart(4, '0') + s;
}

/** A git object header in a packfile: type (3 = blob) and size as git's varint. */
function objectHeader(type: number, size: number): Buffer {
  const out = [((type & 7) << 4) | (size & 15) | (size > 15 ? 0x80 : 0)];
  let rest = size >>> 4;
  while (rest > 0) {
    out.push((rest & 0x7f) | (rest > 0x7f ? 0x80 : 0));
    rest >>>= 7;
  }
  return Buffer.from(out);
}

/**
 * The body of `git push` (POST .../git-receive-pack): one ref update, then a packfile
 * holding a blob per file, a tree and a commit (the shape git sends; ids are real).
 */
export function gitPushBody(files: readonly FileEntry[]): Buffer {
  const objects: Array<[number, Buffer]> = [];
  const sha = (type: string, data: Buffer): Buffer => createHash('sha1').update(`${type} ${data.length}\0`).update(data).digest();
  const treeEntries: Buffer[] = [];
  for (const f of files) {
    const data = Buffer.from(f.data);
    objects.push([3, data]);
    treeEntries.push(Buffer.concat([Buffer.from(`100644 ${f.name}\0`), sha('blob', data)]));
  }
  const tree = Buffer.concat(treeEntries);
  objects.push([2, tree]);
  const commit = Buffer.from(
    `tree ${sha('tree', tree).toString('hex')}\nauthor Dev <dev@example.com> 1767225600 +0000\ncommitter Dev <dev@example.com> 1767225600 +0000\n\nadd config\n`,
  );
  objects.push([1, commit]);
  const head = Buffer.alloc(12);
  head.write('PACK', 0);
  head.writeUInt32BE(2, 4);
  head.writeUInt32BE(objects.length, 8);
  const body: Buffer[] = [head];
  for (const [type, data] of objects) body.push(objectHeader(type, data.length), deflateSync(data));
  const pack = Buffer.concat(body);
  const trailer = createHash('sha1').update(pack).digest();
  const newId = sha('commit', commit).toString('hex');
  const cmd = pktLine(`${'0'.repeat(40)} ${newId} refs/heads/main\0 report-status side-band-64k agent=git/2.39.5\n`);
  return Buffer.concat([Buffer.from(`${cmd}0000`), pack, trailer]);
}
