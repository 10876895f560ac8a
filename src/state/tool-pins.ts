/**
 * MCP tool pins: the rug-pull guard's memory. The first tools/list a server
 * returns for a tenant is pinned (one fingerprint per tool); afterwards a pinned
 * tool whose description or schema changed is reported and kept pending until an
 * operator accepts it (`sluice mcp accept SERVER`). A tool first seen later is
 * pinned on sight (trust on first use, per tool) and reported as added, so the
 * audit trail shows it; tool poisoning scanning still applies to it.
 *
 * `server` is whatever names the server for policy: its host, or a configured
 * server name. Async so a network backend can implement the same interface.
 *
 * @example
 * const pins = openToolPinStore(dataDir, { compare: comparePins }); // or runtime/ openRuntime(..., { need: ['pins'] })
 * await pins.pinIfFirst('acme', 'tickets', tools);            // true: first list, all pinned
 * (await pins.check('acme', 'tickets', laterTools)).changed;  // ['tickets.create']: block, audit
 * await pins.accept('tickets');                                // the operator accepts the change
 */
import { SqliteToolPinStore } from './tool-pins-sqlite.js';
import type { ToolPinStoreOptions } from './tool-pins-sqlite.js';

/**
 * What a listing is to the pins, tool names by how they stand (`new`: listed, not
 * pinned; `changed`: listed with another fingerprint; `removed`: pinned, not listed),
 * with positions of entries that are not tools and the listed fingerprints.
 */
export type PinComparison = Record<'new' | 'changed' | 'removed' | 'unchanged', string[]> & { invalid: number[]; hashes: ReadonlyMap<string, string> };

/** Compares a listing (`tools`, as the server sent it) with the pinned fingerprints. */
export type PinComparer = (pinned: ReadonlyMap<string, string>, tools: readonly unknown[]) => PinComparison;

export interface ToolCheck {
  /** No pins existed for this tenant and server: every tool was pinned now. */
  firstList: boolean;
  /** Pinned tools whose definition changed: block them; recorded as pending. */
  changed: string[];
  /** Tools not pinned before, pinned now. */
  added: string[];
  /** Pinned tools the server did not list. Their pins are kept. */
  removed: string[];
  /** Positions of entries that are not tools (no string name). */
  invalid: number[];
}

export interface PinnedTool {
  tenant: string;
  server: string;
  tool: string;
  /** The accepted fingerprint; null for a tool that was never accepted (listed twice, differently). */
  hash: string | null;
  /** Epoch ms. */
  firstSeen: number | null;
  /** Epoch ms of the last operator accept; null while the pin is the first one seen. */
  acceptedAt: number | null;
  /** A changed definition waiting for an operator. */
  pending: { hash: string; seenAt: number } | null;
}

export interface AcceptedPin {
  tenant: string;
  server: string;
  tool: string;
  hash: string;
  previousHash: string | null;
}

export interface ToolPinStore {
  /** Pin every tool when nothing is pinned for this tenant and server; true when it did. */
  pinIfFirst(tenant: string, server: string, tools: readonly unknown[]): Promise<boolean>;
  /** Compare with the pins, pin new tools, record changed ones as pending. */
  check(tenant: string, server: string, tools: readonly unknown[]): Promise<ToolCheck>;
  /** Pending definitions become the pins (all tenants unless one is named); returns what changed. */
  accept(server: string, tenant?: string): Promise<AcceptedPin[]>;
  /** Pins and pending changes, for one server or all, ordered by server, tenant, tool. */
  list(server?: string): Promise<PinnedTool[]>;
  close(): Promise<void>;
}

export type { ToolPinStoreOptions } from './tool-pins-sqlite.js';

/**
 * The tool pin store in `<dataDir>/state.db`.
 *
 * @example
 * const pins = openToolPinStore('/var/lib/sluice', { compare: comparePins });
 */
export function openToolPinStore(dataDir: string, opts: ToolPinStoreOptions): ToolPinStore {
  return SqliteToolPinStore.open(dataDir, opts);
}
