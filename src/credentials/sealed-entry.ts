/**
 * One store entry sealed with AES-256-GCM: a fresh 12-byte IV per write, a 16-byte
 * tag, and the entry's name as additional authenticated data, so a ciphertext
 * copied under another name fails to open instead of yielding the other secret.
 *
 * @example
 * const e = seal(key, 'github', Buffer.from(token));
 * open(key, 'github', e); // Buffer with the token; under any other name: undefined
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface SealedEntry {
  iv: string;
  tag: string;
  ct: string;
  set_at: string;
}

const ALG = 'aes-256-gcm';
export const IV_BYTES = 12;
export const TAG_BYTES = 16;

/** Encrypt `value` for `name` under `key` (32 bytes). */
export function seal(key: Buffer, name: string, value: Buffer, now: Date = new Date()): SealedEntry {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALG, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(name, 'utf8'));
  const ct = Buffer.concat([cipher.update(value), cipher.final()]);
  return {
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ct: ct.toString('base64'),
    set_at: now.toISOString(),
  };
}

/** Decrypt `entry` stored under `name`; undefined when it does not authenticate (tampered, swapped, wrong key). */
export function open(key: Buffer, name: string, entry: SealedEntry): Buffer | undefined {
  try {
    const decipher = createDecipheriv(ALG, key, Buffer.from(entry.iv, 'base64'), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(name, 'utf8'));
    decipher.setAuthTag(Buffer.from(entry.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(entry.ct, 'base64')), decipher.final()]);
  } catch {
    // Node's message ("Unsupported state or unable to authenticate data") says nothing useful; callers name the entry.
    return undefined;
  }
}
