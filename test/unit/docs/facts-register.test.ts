/**
 * The facts register (docs/FACTS.md and docs/facts/*.md) is only worth something while it is true:
 * every entry names a source and a status, the code it is used in exists, and the test that pins it
 * exists and still carries the named test. Code comments point into the register, never at
 * documents outside the repository.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const REGISTER_FILES = [
  'docs/FACTS.md',
  ...readdirSync(join(ROOT, 'docs/facts'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/facts/${name}`),
];
const STATUSES = [
  'documented',
  'SDK/model',
  'upstream-source',
  'observed',
  'sample',
  'unverified',
  'proposal',
];
const FIELDS = ['Fact', 'Source', 'Status', 'Used in', 'Pinned by'] as const;

interface Entry {
  file: string;
  id: string;
  fields: Partial<Record<(typeof FIELDS)[number], string>>;
}

/** `### id` headings, each followed by `- Field: text` bullets (a bullet may wrap over lines). */
const parseEntries = (file: string): Entry[] => {
  const entries: Entry[] = [];
  let current: Entry | undefined;
  let field: (typeof FIELDS)[number] | undefined;
  for (const line of readFileSync(join(ROOT, file), 'utf8').split('\n')) {
    const heading = /^### (\S+)\s*$/.exec(line);
    if (heading?.[1]) {
      current = { file, id: heading[1], fields: {} };
      entries.push(current);
      field = undefined;
      continue;
    }
    if (/^#{1,3} /.test(line)) {
      current = undefined;
      continue;
    }
    if (!current) continue;
    const bullet = /^- ([A-Za-z ]+?):\s*(.*)$/.exec(line);
    const name = bullet?.[1] as (typeof FIELDS)[number] | undefined;
    if (bullet && name && FIELDS.includes(name)) {
      field = name;
      current.fields[field] = bullet[2] ?? '';
    } else if (field && /^\s+\S/.test(line)) {
      current.fields[field] = `${current.fields[field]} ${line.trim()}`;
    } else if (line.trim() === '') {
      field = undefined;
    }
  }
  return entries;
};

const ENTRIES = REGISTER_FILES.flatMap(parseEntries);
/** Every file under test/, for names given without their folder ("conformance.test.ts"). */
const TEST_FILES = (function walk(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? walk(`${dir}/${d.name}`) : [`${dir}/${d.name}`],
  );
})('test');

/**
 * Repository paths named in a field, e.g. `functions/domain/node-identity.ts` (backticks optional; an
 * optional `:line` or `#…` is dropped). A bare file name stands for the one test file of that name.
 */
const repoPaths = (text: string): string[] =>
  [
    ...text.matchAll(
      /(?:^|[\s(`,;])((?:[A-Za-z0-9_.[\]-]+\/)*[A-Za-z0-9_.[\]-]+\.(?:ts|json|md|sh|py|yaml|mjs))\b/g,
    ),
  ]
    .map((m) => m[1] as string)
    .filter((p) => !/^\d/.test(p) && !p.startsWith('.'))
    .map((p) => (p.includes('/') ? p : (TEST_FILES.find((t) => t.endsWith(`/${p}`)) ?? p)));

describe('The facts register', () => {
  it('has entries', () => {
    expect(ENTRIES.length).toBeGreaterThan(20);
  });

  it('gives every entry a unique id', () => {
    const ids = ENTRIES.map((e) => e.id);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it.each(ENTRIES.map((e) => ({ ...e, name: `${e.file} ${e.id}` })))(
    'has a fact, a source, a known status, where it is used and what pins it ($name)',
    (entry) => {
      for (const field of FIELDS) expect(entry.fields[field]?.trim(), `${entry.id}: ${field}`).toBeTruthy();
      const status = entry.fields.Status ?? '';
      expect(
        STATUSES.some((s) => status.startsWith(s)),
        `${entry.id}: status "${status}" is not one of ${STATUSES.join(', ')}`,
      ).toBe(true);
    },
  );

  it.each(ENTRIES.map((e) => ({ ...e, name: `${e.file} ${e.id}` })))(
    'names code and tests that exist, and each quoted test name is in its test file ($name)',
    (entry) => {
      const used = repoPaths(entry.fields['Used in'] ?? '');
      for (const path of used) expect(existsSync(join(ROOT, path)), `${entry.id}: ${path}`).toBe(true);
      const pinned = entry.fields['Pinned by'] ?? '';
      const tests = repoPaths(pinned).filter((p) => p.startsWith('test/'));
      expect(tests.length, `${entry.id}: "Pinned by" names no test file`).toBeGreaterThan(0);
      for (const path of tests) expect(existsSync(join(ROOT, path)), `${entry.id}: ${path}`).toBe(true);
      // A quoted name ("…") must be found in one of the named test files; "…" in it stands for a
      // left-out part (a table row's case name, a long title), so each part must be found.
      const names = [...pinned.matchAll(/"([^"]{6,})"/g)].map((m) => m[1] as string);
      const sources = tests.map((p) => readFileSync(join(ROOT, p), 'utf8'));
      for (const name of names) {
        const parts = name
          .split('…')
          .map((part) => part.trim())
          .filter((part) => part.length >= 6);
        expect(
          sources.some((s) => parts.every((part) => s.includes(part))),
          `${entry.id}: test "${name}" not found in ${tests.join(', ')}`,
        ).toBe(true);
      }
    },
  );
});
describe('Code comments', () => {
  const walk = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((d) =>
      d.isDirectory() ? walk(`${dir}/${d.name}`) : d.name.endsWith('.ts') ? [`${dir}/${d.name}`] : [],
    );

  it('point to the facts register, not to documents outside the repository', () => {
    const outside =
      /HYPERPOD-FACTS|PEERS-AND-TARGETS|TEST-BED\.md|STYLE\.md|(?<!docs\/)ARCHITECTURE\.md|shared\/docs/;
    const offenders = ['functions', 'events', 'local', 'state-machines', 'bench']
      .flatMap(walk)
      .filter((path) => outside.test(readFileSync(join(ROOT, path), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
