/**
 * quick-clear.ts's per-segment loop as one WebAssembly function (quick-clear.wat): the
 * same answer (test/inspect/injection/quick-clear-wasm.test.ts holds the two to each
 * other) in a fraction of the time, since a JavaScript loop of this shape pays for
 * bounds checks and tagged integers on every character.
 *
 * One module instance for the process, with its own memory: the character classes, the
 * segment's bytes (written straight in; a segment longer than TEXT_BYTES, or without
 * WebAssembly (`node --jitless`), runs the JavaScript loop), and the keyword automatons'
 * tables, each copied in the first time it is used (a gate has two per config load, so
 * that is at every reload; after AUTOMATON_BYTES of them the region starts over), with
 * `out` folded in: a transition into a state that ends a keyword is copied as -1, so the
 * loop reads one table a character (quick-clear.wat).
 *
 * @example
 * const r = wasmSegment(text, automaton, state, blank); // undefined: run the JS loop
 */
import type { KeywordAutomaton } from '../keyword-automaton.js';
import { QUICK_CLEAR_WASM } from './quick-clear-wasm.js';
import { instantiateWasm } from '../../wasm.js';

const TEXT = 1024;
/** Segments up to this many bytes are read by the module; longer ones by the JavaScript loop. */
export const TEXT_BYTES = 64 * 1024;
const TABLES = TEXT + TEXT_BYTES;
/** The tables of this many bytes of automatons are kept; then the region starts over. */
const AUTOMATON_BYTES = 16 * 1024 * 1024;
const PAGE = 65536;

interface Exports {
  mem: { buffer: ArrayBuffer; grow(pages: number): number };
  segment(text: number, n: number, tab: number, state: number, blank: number, minRun: number): number;
}

// Without WebAssembly (--jitless) or on a big-endian host (the tables are copied as host-order Int32Arrays) the JS loop runs.
const instance = instantiateWasm<Exports>(QUICK_CLEAR_WASM);

let enabled = instance !== undefined;
/** Tests turn the module off to compare with the JavaScript loop. */
export function useWasm(on: boolean): void {
  enabled = on && instance !== undefined;
}

let buffer: ArrayBuffer | null = null;
let bytes = Buffer.alloc(0);
let placed = new WeakMap<KeywordAutomaton, number>();
let next = TABLES;

/** The module's memory as a Buffer, made anew after the memory grew (the old views are then detached). */
function memory(x: Exports): Buffer {
  if (buffer !== x.mem.buffer) {
    buffer = x.mem.buffer;
    bytes = Buffer.from(buffer);
  }
  return bytes;
}

function ensure(x: Exports, end: number): void {
  const have = x.mem.buffer.byteLength;
  if (end > have) x.mem.grow(Math.ceil((end - have) / PAGE));
}

/** The character classes in the module's memory now (all automatons share them). */
let classesIn: Uint8Array | null = null;

/** Where `a`'s table is in the module's memory (`out` folded in), copied in the first time. */
function place(x: Exports, a: KeywordAutomaton): number {
  const hit = placed.get(a);
  if (hit !== undefined) return hit;
  const size = a.table.byteLength;
  if (next + size > TABLES + AUTOMATON_BYTES) {
    placed = new WeakMap();
    next = TABLES;
  }
  ensure(x, next + size);
  const mem = memory(x);
  const out = a.out;
  // A step into a state where a keyword ends is the loop's answer, whatever the state: -1.
  // A plain loop: Int32Array.from with a map function took ~110 ms for one 1.2 MB table
  // (the event loop stalled that long at each config load); this takes ~2 ms.
  const table = a.table;
  const folded = new Int32Array(table.length);
  for (let i = 0; i < table.length; i++) {
    const s = table[i]!;
    folded[i] = out[s] === -1 ? s : -1;
  }
  const at = next;
  mem.set(new Uint8Array(folded.buffer, folded.byteOffset, folded.byteLength), at);
  next += size;
  placed.set(a, at);
  return at;
}

/**
 * One segment through the module: -1 when it may yield a finding, else the automaton
 * state after it times two plus 1 when it ended on a blank; undefined when the module
 * cannot take it (none here, or the segment is too long), and the JS loop must.
 */
export function wasmSegment(text: string, a: KeywordAutomaton, classes: Uint8Array, minRun: number, state: number, blank: boolean): number | undefined {
  if (!enabled || text.length > TEXT_BYTES) return undefined;
  const x = instance!;
  const at = place(x, a);
  // The classes are the caller's, not the automaton's: copied whenever they are not the ones in
  // memory (a cached automaton placed with other classes once read those ever after).
  if (classesIn !== classes) {
    memory(x).set(classes, 0);
    classesIn = classes;
  }
  // Any character outside ASCII answers "may yield" in both loops: UTF-8 bytes of one say so here.
  const n = memory(x).write(text, TEXT, TEXT_BYTES, 'utf8');
  if (n !== text.length) return -1;
  return x.segment(TEXT, n, at, state, blank ? 1 : 0, minRun);
}
