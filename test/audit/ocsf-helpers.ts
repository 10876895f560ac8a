/** ajv over the shipped OCSF schema subset (schemas/ocsf/), by class_uid. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const DIR = fileURLToPath(new URL('../../../schemas/ocsf/', import.meta.url));
const load = (f: string): Record<string, unknown> => JSON.parse(readFileSync(DIR + f, 'utf8')) as Record<string, unknown>;

/** Validators for 4002, 6003 and 2004; `check(e)` gives ajv's errors as text, or null when valid. */
export function ocsfValidators(): { check: (e: unknown) => string | null; byClass: Map<number, ValidateFunction> } {
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
  const addFormats = addFormatsModule as unknown as (a: Ajv) => Ajv;
  addFormats(ajv);
  ajv.addSchema(load('objects.json'));
  const byClass = new Map<number, ValidateFunction>([
    [4002, ajv.compile(load('http_activity.json'))],
    [6003, ajv.compile(load('api_activity.json'))],
    [2004, ajv.compile(load('detection_finding.json'))],
  ]);
  const check = (e: unknown): string | null => {
    const cls = (e as { class_uid?: unknown }).class_uid;
    const v = typeof cls === 'number' ? byClass.get(cls) : undefined;
    if (!v) return `no schema for class_uid ${String(cls)}`;
    return v(e) ? null : ajv.errorsText(v.errors);
  };
  return { check, byClass };
}
