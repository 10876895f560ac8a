/**
 * One WebAssembly module instance from its embedded bytes, for the scanners' hand-written
 * loops (dlp/wasm/, injection/wasm/). Undefined where the module cannot run: no
 * WebAssembly (`node --jitless`), or a big-endian host (the modules read the tables the
 * JavaScript side writes as little-endian words); the caller then runs its JavaScript loop.
 *
 * @example
 * const pass = instantiateWasm<{ mem: { buffer: ArrayBuffer }; pass(n: number): void }>(INDEX_PASS_WASM);
 * if (pass === undefined) runJsLoop();
 */

/** The WebAssembly API, as far as used here (the project's type libraries leave it out). */
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (mod: object, imports: object) => { exports: unknown };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export function instantiateWasm<T>(base64: string): T | undefined {
  const wasm = (globalThis as { WebAssembly?: Wasm }).WebAssembly;
  if (wasm === undefined || !LITTLE_ENDIAN) return undefined;
  try {
    return new wasm.Instance(new wasm.Module(Buffer.from(base64, 'base64')), {}).exports as T;
  } catch {
    return undefined; // no WebAssembly here (--jitless)
  }
}
