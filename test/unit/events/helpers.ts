/**
 * Helpers for building variants of sample events: always on a copy, never on the loaded sample.
 */
import { getTestEvent, type SampleSource } from '#events/samples/index.ts';

type Json = Record<string, unknown>;

/** Sets (or, with `undefined`, deletes) the value at a dotted path; creates missing objects. */
const setPath = (target: Json, path: string, value: unknown): void => {
  const keys = path.split('.');
  const last = keys.pop() as string;
  let node: Json = target;
  for (const key of keys) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Json;
  }
  if (value === undefined) delete node[last];
  else node[last] = value;
};

/** A sample with the given dotted paths changed (`undefined` removes the field). */
const sampleWith = (source: SampleSource, name: string, changes: Record<string, unknown> = {}): Json => {
  const event = getTestEvent<Json>({ source, name });
  for (const [path, value] of Object.entries(changes)) setPath(event, path, value);
  return event;
};

export type { Json };
export { sampleWith, setPath };
