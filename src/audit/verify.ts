/**
 * `sluice audit verify`: recompute every hash chain in a trail (audit.db, or an exported
 * JSON-lines range) and check its signed checkpoints and prune anchors. The answer is
 * OK with counts, or the FIRST break in the trail's order: the record it names, its
 * chain and place, and what differs (its content no longer matches its hash, a record
 * before it is missing or was replaced, a signed checkpoint names a later or another
 * record).
 */
import type { KeyObject } from 'node:crypto';
import { GENESIS, recordHash } from './chain-canonical.js';
import { checkpointValid, type Checkpoint } from './checkpoint-sign.js';
import type { AuditRecord } from './fields.js';

/** One chained record and where it sits in the trail (rowid, or line number of a file). */
export interface Placed {
  pos: number;
  record: AuditRecord;
}

/** The first thing found wrong. */
export interface ChainBreak {
  /** Rowid in audit.db, or line number of the file. */
  pos: number;
  decision_id: string | null;
  chain_id: string | null;
  seq: number | null;
  what: string;
}

export interface VerifyReport {
  ok: boolean;
  records: number;
  chains: number;
  checkpoints: number;
  anchors: number;
  /** Checkpoints whose signature could not be checked (no public key given or found). */
  unsigned_checked: number;
  /** Records written before the chain existed (before any chained record). */
  unchained: number;
  first_break: ChainBreak | null;
}

export interface VerifyInput {
  /** Chained records ordered by chain_id, then chain_seq. */
  chained: Iterable<Placed>;
  /** Unchained records placed after the first chained one (inserted or stripped): each is a break. */
  strayUnchained: Iterable<Placed>;
  unchained: number;
  checkpoints: readonly Checkpoint[];
  /** Public keys by key id; empty: signatures are not checked (reported). */
  keys: ReadonlyMap<string, KeyObject>;
  /**
   * A range (--from/--to, or an exported file): a chain may start mid-way (its first
   * record's chain_prev is taken as given) and end before its checkpoints.
   */
  range: boolean;
}

/**
 * @example
 * const report = verifyChains({ chained, strayUnchained: [], unchained: 0, checkpoints, keys, range: false });
 * if (!report.ok) console.log(report.first_break?.what);
 */
export function verifyChains(input: VerifyInput): VerifyReport {
  let first: ChainBreak | null = null;
  const brk = (b: ChainBreak): void => {
    if (first === null || b.pos < first.pos) first = b;
  };
  const anchors = new Map<string, Checkpoint>();
  const cps = new Map<string, Checkpoint[]>();
  let checkpoints = 0;
  let anchorCount = 0;
  let unchecked = 0;
  const late: Checkpoint[] = [];
  for (const c of input.checkpoints) {
    const key = input.keys.get(c.key_id);
    if (input.keys.size === 0) unchecked++;
    else if (!key) late.push({ ...c, sig: 'unknown-key' });
    else if (!checkpointValid(c, key)) late.push(c);
    if (c.kind === 'anchor') {
      anchorCount++;
      const a = anchors.get(c.chain_id);
      if (!a || a.seq < c.seq) anchors.set(c.chain_id, c);
    } else {
      checkpoints++;
      const list = cps.get(c.chain_id) ?? [];
      list.push(c);
      cps.set(c.chain_id, list);
    }
  }
  /** Position of the record each bad signature covers (found while walking). */
  const badSig = new Map<string, Checkpoint>(late.map((c) => [`${c.chain_id}\n${c.seq}\n${c.kind}`, c]));

  let records = 0;
  let chains = 0;
  let cur: { id: string; lastSeq: number; lastHash: string; lastPos: number; lastId: string; bySeq: Map<number, Checkpoint> } | null = null;
  const seen = new Set<string>();

  const finish = (): void => {
    if (!cur) return;
    // The furthest checkpoint says how much is missing.
    let far: Checkpoint | null = null;
    for (const c of cps.get(cur.id) ?? []) if (c.seq > cur.lastSeq && (!far || c.seq > far.seq)) far = c;
    for (const c of far && !input.range ? [far] : []) {
      brk({
        pos: cur.lastPos,
        decision_id: cur.lastId,
        chain_id: cur.id,
        seq: cur.lastSeq,
        what: `records after seq ${cur.lastSeq} of this chain are missing: a signed checkpoint covers seq ${c.seq} (the trail was cut short after this record)`,
      });
    }
  };

  for (const { pos, record: r } of input.chained) {
    records++;
    const id = r.chain_id!;
    const seq = r.chain_seq ?? -1;
    const at = { pos, decision_id: r.decision_id, chain_id: id, seq };
    if (cur === null || cur.id !== id) {
      finish();
      chains++;
      seen.add(id);
      const bySeq = new Map<number, Checkpoint>();
      for (const c of cps.get(id) ?? []) bySeq.set(c.seq, c);
      cur = { id, lastSeq: 0, lastHash: GENESIS, lastPos: pos, lastId: r.decision_id, bySeq };
      const anchor = anchors.get(id);
      if (anchor) {
        if (seq !== anchor.seq + 1)
          brk({ ...at, what: `records ${anchor.seq + 1}..${seq - 1} of this chain are missing after its prune anchor (seq ${anchor.seq})` });
        else if (r.chain_prev !== anchor.hash) brk({ ...at, what: `chain_prev does not match the signed prune anchor (seq ${anchor.seq})` });
      } else if (seq === 1) {
        if (r.chain_prev !== GENESIS) brk({ ...at, what: 'the first record of the chain does not name the genesis hash as its predecessor' });
      } else if (!input.range) {
        brk({ ...at, what: `the chain starts at seq ${seq}: records 1..${seq - 1} are missing (deleted), and no prune anchor covers them` });
      }
    } else if (seq === cur.lastSeq) {
      brk({ ...at, what: `fork: a second record with seq ${seq} in this chain (the other is ${cur.lastId})` });
    } else if (seq !== cur.lastSeq + 1) {
      brk({ ...at, what: `records ${cur.lastSeq + 1}..${seq - 1} of this chain are missing (deleted) before this record` });
    } else if (r.chain_prev !== cur.lastHash) {
      brk({ ...at, what: `chain_prev does not match the hash of the record before it (${cur.lastId}, seq ${cur.lastSeq}): that record was replaced` });
    }
    if (recordHash(r) !== r.chain_hash) brk({ ...at, what: 'its content does not match its chain_hash: the record was altered after it was written' });
    const cp = cur.bySeq.get(seq);
    if (cp && cp.hash !== r.chain_hash) brk({ ...at, what: `a signed checkpoint at seq ${seq} names another hash: the record was rewritten` });
    for (const kind of ['checkpoint', 'anchor'] as const) {
      const bad = badSig.get(`${id}\n${seq}\n${kind}`);
      if (bad) {
        brk({
          ...at,
          what: `the ${kind} at seq ${seq} ${bad.sig === 'unknown-key' ? `is signed by an unknown key (${bad.key_id})` : 'has an invalid signature'}`,
        });
        badSig.delete(`${id}\n${seq}\n${kind}`);
      }
    }
    cur.lastSeq = seq;
    cur.lastHash = r.chain_hash ?? '';
    cur.lastPos = pos;
    cur.lastId = r.decision_id;
  }
  finish();
  // Signatures on checkpoints whose record is gone (pruned: anchors) or never walked.
  for (const c of badSig.values())
    brk({
      pos: -1,
      decision_id: null,
      chain_id: c.chain_id,
      seq: c.seq,
      what: `the ${c.kind} at seq ${c.seq} ${c.sig === 'unknown-key' ? `is signed by an unknown key (${c.key_id})` : 'has an invalid signature'}`,
    });
  if (!input.range) {
    for (const [id, list] of cps) {
      if (seen.has(id)) continue;
      const anchor = anchors.get(id);
      const past = list.filter((c) => !anchor || c.seq > anchor.seq);
      if (past.length > 0)
        brk({
          pos: Number.MAX_SAFE_INTEGER,
          decision_id: null,
          chain_id: id,
          seq: past[0]!.seq,
          what: `every record of this chain is missing: a signed checkpoint covers seq ${past[0]!.seq}`,
        });
    }
  }
  for (const { pos, record: r } of input.strayUnchained)
    brk({
      pos,
      decision_id: r.decision_id,
      chain_id: null,
      seq: null,
      what: 'it has no chain fields, among chained records: it was inserted, or its chain fields stripped',
    });
  return {
    ok: first === null,
    records,
    chains,
    checkpoints,
    anchors: anchorCount,
    unsigned_checked: unchecked,
    unchained: input.unchained,
    first_break: first,
  };
}
