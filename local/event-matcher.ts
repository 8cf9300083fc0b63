/**
 * EventBridge content filtering, evaluated locally: tests prove that `events/rules.ts` selects
 * the sample events it should, and local mode routes simulated events with the deployed patterns.
 *
 * Semantics (AWS "Content filtering in Amazon EventBridge event patterns", aws/event-ruler README):
 * - Fields of a pattern object are ANDed; the array under a field lists alternatives (OR).
 * - Leaf matchers: exact string/number/boolean/null, `{prefix}`, `{suffix}` (each also with
 *   `{equals-ignore-case}` inside), `{equals-ignore-case}`, `{wildcard}`, `{numeric: [op, n, op, n]}`,
 *   `{anything-but: value | [values] | {prefix | suffix | equals-ignore-case | wildcard}}`, `{exists}`.
 * - An array in the event matches when any element matches; arrays of objects match
 *   element-wise, so two fields are never satisfied by different elements (array consistency).
 * - A missing field fails every matcher except `exists: false`; in particular `anything-but`
 *   does not match a missing field. `exists` looks at leaf values only: a field whose value is
 *   an object does not "exist" for it.
 * - `$or: [pattern, …]` at any object level matches when any sub-pattern matches.
 * Unsupported or malformed operators (e.g. `cidr`) throw, so a test cannot pass by accident.
 */

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const invalid = (path: string, message: string): Error =>
  new Error(`invalid event pattern at ${path || '(root)'}: ${message}`);

/** Scalar (non-object) values of a field, arrays flattened. */
const leaves = (value: unknown): unknown[] => {
  if (value === undefined || isObject(value)) return [];
  return Array.isArray(value) ? value.flatMap(leaves) : [value];
};

/** Values a nested pattern is evaluated against, arrays flattened (an empty array is a missing field). */
const elements = (value: unknown): unknown[] => {
  const flat = Array.isArray(value) ? value.flat(Number.POSITIVE_INFINITY) : [value];
  return flat.length === 0 ? [undefined] : flat;
};

const stringOperand = (operand: unknown, path: string, operator: string): string => {
  if (typeof operand !== 'string') throw invalid(path, `${operator} needs a string`);
  return operand;
};

/** `*` matches any run of characters; `\*` is a literal asterisk and `\\` a literal backslash. */
const wildcardRegExp = (wildcard: string, path: string): RegExp => {
  let source = '';
  for (let i = 0; i < wildcard.length; i++) {
    const char = wildcard[i] as string;
    if (char === '*') {
      source += '.*';
    } else if (char === '\\') {
      const next = wildcard[i + 1];
      if (next !== '*' && next !== '\\') throw invalid(path, 'wildcard: a backslash escapes only * or \\');
      source += `\\${next}`;
      i++;
    } else {
      source += char.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`, 's');
};

/** `prefix`/`suffix` operand: a string, or `{ equals-ignore-case: string }`. */
const affixTest = (
  operand: unknown,
  path: string,
  operator: 'prefix' | 'suffix',
): ((value: string) => boolean) => {
  const at = (value: string, affix: string) =>
    operator === 'prefix' ? value.startsWith(affix) : value.endsWith(affix);
  if (isObject(operand) && Object.keys(operand).length === 1 && 'equals-ignore-case' in operand) {
    const affix = stringOperand(operand['equals-ignore-case'], path, operator).toLowerCase();
    return (value) => at(value.toLowerCase(), affix);
  }
  const affix = stringOperand(operand, path, operator);
  return (value) => at(value, affix);
};

const NUMERIC_OPERATORS: Record<string, (a: number, b: number) => boolean> = {
  '=': (a, b) => a === b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

const numericTest = (operand: unknown, path: string): ((value: number) => boolean) => {
  if (!Array.isArray(operand) || (operand.length !== 2 && operand.length !== 4)) {
    throw invalid(path, 'numeric needs [op, number] or [op, number, op, number]');
  }
  const checks: ((value: number) => boolean)[] = [];
  for (let i = 0; i < operand.length; i += 2) {
    const compare = NUMERIC_OPERATORS[String(operand[i])];
    const bound: unknown = operand[i + 1];
    if (!compare || typeof bound !== 'number' || !Number.isFinite(bound)) {
      throw invalid(
        path,
        `numeric: ${JSON.stringify(operand[i])} ${JSON.stringify(bound)} is not a comparison`,
      );
    }
    checks.push((value) => compare(value, bound));
  }
  return (value) => checks.every((check) => check(value));
};

const isScalar = (value: unknown): value is string | number | boolean | null =>
  value === null || ['string', 'number', 'boolean'].includes(typeof value);

/** What `anything-but` excludes, as a predicate over one leaf value. */
const excludedBy = (operand: unknown, path: string): ((value: unknown) => boolean) => {
  if (Array.isArray(operand)) {
    if (!operand.every((v) => typeof v === 'string' || typeof v === 'number')) {
      throw invalid(path, 'anything-but lists only strings or numbers');
    }
    const list: unknown[] = operand;
    return (value) => list.includes(value);
  }
  if (typeof operand === 'string' || typeof operand === 'number') return (value) => value === operand;
  if (isObject(operand) && Object.keys(operand).length === 1) {
    const [[operator, inner]] = Object.entries(operand) as [[string, unknown]];
    const asList = (v: unknown) => (Array.isArray(v) ? v : [v]).map((s) => stringOperand(s, path, operator));
    let test: (value: string) => boolean;
    if (operator === 'prefix' || operator === 'suffix') {
      test = affixTest(inner, path, operator);
    } else if (operator === 'equals-ignore-case') {
      const list = asList(inner).map((s) => s.toLowerCase());
      test = (value) => list.includes(value.toLowerCase());
    } else if (operator === 'wildcard') {
      const list = asList(inner).map((s) => wildcardRegExp(s, path));
      test = (value) => list.some((re) => re.test(value));
    } else {
      throw invalid(path, `anything-but does not support ${operator}`);
    }
    return (value) => typeof value === 'string' && test(value);
  }
  throw invalid(path, 'anything-but needs a string, a number, a list of them, or one operator object');
};

/** One entry of a field's alternatives, against the field's leaf values. */
const matchAlternative = (matcher: unknown, values: unknown[], path: string): boolean => {
  if (isScalar(matcher)) return values.some((value) => value === matcher);
  if (!isObject(matcher) || Object.keys(matcher).length !== 1) {
    throw invalid(path, `${JSON.stringify(matcher)} is not a value or a single-operator object`);
  }
  const [[operator, operand]] = Object.entries(matcher) as [[string, unknown]];
  const strings = values.filter((value): value is string => typeof value === 'string');
  switch (operator) {
    case 'exists':
      if (typeof operand !== 'boolean') throw invalid(path, 'exists needs true or false');
      return operand === values.length > 0;
    case 'prefix':
    case 'suffix':
      return strings.some(affixTest(operand, path, operator));
    case 'equals-ignore-case': {
      const expected = stringOperand(operand, path, operator).toLowerCase();
      return strings.some((value) => value.toLowerCase() === expected);
    }
    case 'wildcard': {
      const re = wildcardRegExp(stringOperand(operand, path, operator), path);
      return strings.some((value) => re.test(value));
    }
    case 'numeric': {
      const test = numericTest(operand, path);
      return values.some((value) => typeof value === 'number' && test(value));
    }
    case 'anything-but': {
      const excluded = excludedBy(operand, path);
      return values.some((value) => !excluded(value));
    }
    default:
      throw invalid(path, `unsupported operator ${operator}`);
  }
};

const matchObject = (pattern: JsonObject, event: unknown, path: string): boolean =>
  Object.entries(pattern).every(([key, sub]) => {
    const at = path ? `${path}.${key}` : key;
    if (key === '$or') {
      if (!Array.isArray(sub) || sub.length === 0 || !sub.every(isObject)) {
        throw invalid(at, '$or needs a non-empty list of patterns');
      }
      return sub.some((alternative) => matchObject(alternative, event, at));
    }
    const value = isObject(event) ? event[key] : undefined;
    if (Array.isArray(sub)) return sub.some((matcher) => matchAlternative(matcher, leaves(value), at));
    if (isObject(sub)) return elements(value).some((element) => matchObject(sub, element, at));
    throw invalid(at, 'a field must hold a list of alternatives or a nested pattern');
  });

/**
 * Whether an event matches an EventBridge event pattern.
 *
 * @throws Error when the pattern is malformed or uses an operator this matcher does not support.
 * @example
 * matchesPattern({ source: ['aws.sagemaker'], detail: { InstanceId: [{ prefix: 'i-' }] } }, event) // → true
 */
const matchesPattern = (pattern: object, event: unknown): boolean => {
  if (!isObject(pattern)) throw invalid('', 'a pattern is a JSON object');
  return matchObject(pattern, event, '');
};

/** The rules whose pattern matches the event, in their given order. */
const matchingRules = <R extends { pattern: object }>(rules: readonly R[], event: unknown): R[] =>
  rules.filter((rule) => matchesPattern(rule.pattern, event));

export { matchesPattern, matchingRules };
