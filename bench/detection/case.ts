/**
 * One case of the detection benchmark (`npm run bench:detection`): an attack a scanner
 * must catch, or a benign document it must let through. Case sources (generators and
 * corpus readers) and evaluators (one per scanner) share this shape; `sources.ts` lists
 * them, and the runner reports detection and false-positive rates per scanner and
 * category.
 */

/** Which scanner a case is for. */
export type Scanner = 'dlp' | 'injection' | 'reflection';

export interface DetectionCase {
  /** Unique across the benchmark, stable between runs (e.g. `dlp/aws-key/base64-wrap76/header`). */
  id: string;
  scanner: Scanner;
  kind: 'attack' | 'benign';
  /** The row it is reported under: an encoding (`base64-wrap76`), a language (`es`), a corpus (`npm-readme`). */
  category: string;
  /** Where the payload sits: `url`, `header`, `cookie`, `body-json`, `body-form`, `multipart`, `text`, `websocket`, `html-hidden`, `sse`, `mcp-result`, ... */
  placement: string;
  /** Where it came from: a file path, a package name and file, or the generator's name. */
  source: string;
  /**
   * What the scanner sees. DLP: an outbound request (method, url, headers, body).
   * Injection: a response (headers with content-type, body). Reflection: a response
   * that may echo `secrets`.
   */
  input: {
    method?: string;
    url?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    /** WebSocket messages, in order, when the placement is `websocket`. */
    messages?: readonly (string | Buffer)[];
    /** The response's status line (reflection: the reason phrase is the upstream's text too). */
    status?: { code: number; reason: string };
    /** WebSocket frames from the upstream, in order, when control frames matter (reflection: ping, pong, close). */
    frames?: readonly { type: 'text' | 'binary' | 'ping' | 'pong' | 'close'; data: string | Buffer }[];
  };
  /** Known secret values in play: DLP's store values, or the credential reflection must scrub. */
  secrets?: Record<string, string>;
}

/** Runs one case through a scanner in-process; true when the scanner flagged (or, for reflection, removed) the payload. */
export type Evaluate = (c: DetectionCase) => boolean | Promise<boolean>;
