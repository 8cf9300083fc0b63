/**
 * Conformance against AWS's own published API models (botocore `service-2.json`, extracted into
 * test/fixtures/aws-models/ by scripts/extract-aws-models.py). The simulator was written from the
 * same beliefs as our adapters, so it cannot catch a wrong belief; the model can. Every value the
 * simulator receives or sends is checked here against the operation's input, output or error shape.
 *
 * Pure: no I/O. Rules (Smithy constraint traits, https://smithy.io/2.0/spec/constraint-traits.html,
 * and the botocore model format):
 * - structure: required members present and not null; a member the model does not have FAILS;
 *   a union (`union: true`) has exactly one member set;
 * - string: `enum` membership, `min`/`max` length in Unicode code points, `pattern` matched
 *   against the WHOLE value: the Smithy spec leaves patterns unanchored, but AWS services reject
 *   values that merely contain a match (SageMaker rejected `health_and_personal_care_inter_title-…`
 *   against `^[a-zA-Z0-9](-*[a-zA-Z0-9])*`, aws/sagemaker-python-sdk#384; DynamoDB rejected
 *   `"smart-dcb-messages"` against `[a-zA-Z0-9_.-]+`, aws/aws-cli#790);
 * - integer/long: whole numbers; integer/long/float/double: `min`/`max` range;
 * - list and map: `min`/`max` entries, each member (map: key and value) checked;
 * - timestamp: the protocol's wire form (json and rest-json bodies: epoch seconds as a number;
 *   query: ISO 8601 text) unless a `timestampFormat` trait says otherwise;
 * - blob: base64 text; boolean: true/false.
 * Each violation carries a JSON path (`$.ClusterNodeSummaries[0].InstanceStatus.Status`).
 */

interface ShapeRef {
  shape: string;
  location?: string;
  locationName?: string;
  timestampFormat?: string;
  flattened?: boolean;
}

interface Shape {
  type: string;
  members?: Record<string, ShapeRef>;
  required?: string[];
  member?: ShapeRef;
  key?: ShapeRef;
  value?: ShapeRef;
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  union?: boolean;
  timestampFormat?: string;
  flattened?: boolean;
  exception?: boolean;
  error?: { code?: string; httpStatusCode?: number; senderFault?: boolean };
}

interface OperationModel {
  name: string;
  http?: { method: string; requestUri: string };
  input?: { shape: string };
  output?: { shape: string; resultWrapper?: string };
  errors?: { shape: string }[];
}

interface ServiceModel {
  source: { package: string; version: string; path: string; license: string };
  metadata: { protocol: string; apiVersion: string; targetPrefix?: string; [key: string]: unknown };
  operations: Record<string, OperationModel>;
  shapes: Record<string, Shape>;
}

interface Violation {
  /** JSON path of the offending value, `$` being the whole input, output or error body. */
  path: string;
  message: string;
}

interface ValidateOptions {
  /** Path of the value itself (default `$`). */
  path?: string;
  /** Skip members bound to the URI, headers or query string (a rest-json body holds only the rest). */
  bodyOnly?: boolean;
}

type TimestampWire = 'epoch-seconds' | 'iso8601' | 'http-date';

const wireTimestampOf = (model: ServiceModel, trait: string | undefined): TimestampWire => {
  if (trait === 'unixTimestamp') return 'epoch-seconds';
  if (trait === 'iso8601') return 'iso8601';
  if (trait === 'rfc822') return 'http-date';
  // botocore defaults: json and rest-json serialize body timestamps as epoch seconds, query and
  // rest-xml as ISO 8601.
  return model.metadata.protocol === 'json' || model.metadata.protocol === 'rest-json'
    ? 'epoch-seconds'
    : 'iso8601';
};

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const describe = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const patternCache = new Map<string, RegExp>();
/** Model patterns are ECMA 262 regular expressions (Smithy), matched whole; `u` first, plain as a fallback. */
const patternOf = (pattern: string): RegExp => {
  let regex = patternCache.get(pattern);
  if (!regex) {
    const whole = `^(?:${pattern})$`;
    try {
      regex = new RegExp(whole, 'u');
    } catch {
      regex = new RegExp(whole);
    }
    patternCache.set(pattern, regex);
  }
  return regex;
};

const memberPath = (path: string, name: string): string =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`;

const checkRange = (shape: Shape, size: number, what: string, path: string, out: Violation[]): void => {
  if (shape.min !== undefined && size < shape.min) {
    out.push({ path, message: `${what} ${size} is below the model's minimum ${shape.min}` });
  }
  if (shape.max !== undefined && size > shape.max) {
    out.push({ path, message: `${what} ${size} is above the model's maximum ${shape.max}` });
  }
};

const visit = (
  model: ServiceModel,
  ref: ShapeRef,
  value: unknown,
  path: string,
  out: Violation[],
  bodyOnly: boolean,
): void => {
  const shape = model.shapes[ref.shape];
  if (!shape) {
    out.push({ path, message: `shape ${ref.shape} is missing from the model extract` });
    return;
  }
  if (value === null) {
    out.push({ path, message: `null where the model has ${ref.shape} (${shape.type})` });
    return;
  }
  switch (shape.type) {
    case 'structure': {
      if (!isPlainObject(value)) {
        out.push({ path, message: `expected an object (${ref.shape}), got ${describe(value)}` });
        return;
      }
      const members = shape.members ?? {};
      const byWireName = new Map<string, [string, ShapeRef]>();
      for (const [name, member] of Object.entries(members)) {
        if (bodyOnly && member.location) continue;
        byWireName.set(name, [name, member]);
      }
      for (const name of shape.required ?? []) {
        if (bodyOnly && members[name]?.location) continue;
        if (value[name] === undefined) {
          out.push({
            path: memberPath(path, name),
            message: `required member ${name} of ${ref.shape} is missing`,
          });
        }
      }
      let set = 0;
      for (const [key, child] of Object.entries(value)) {
        if (child === undefined) continue;
        const entry = byWireName.get(key);
        if (!entry) {
          out.push({ path: memberPath(path, key), message: `${ref.shape} has no member ${key}` });
          continue;
        }
        set += 1;
        visit(model, entry[1], child, memberPath(path, key), out, false);
      }
      if (shape.union && set !== 1) {
        out.push({ path, message: `union ${ref.shape} must have exactly one member set, has ${set}` });
      }
      return;
    }
    case 'list': {
      if (!Array.isArray(value)) {
        out.push({ path, message: `expected a list (${ref.shape}), got ${describe(value)}` });
        return;
      }
      checkRange(shape, value.length, 'list length', path, out);
      if (shape.member) {
        for (const [i, item] of value.entries())
          visit(model, shape.member, item, `${path}[${i}]`, out, false);
      }
      return;
    }
    case 'map': {
      if (!isPlainObject(value)) {
        out.push({ path, message: `expected a map (${ref.shape}), got ${describe(value)}` });
        return;
      }
      const entries = Object.entries(value).filter(([, v]) => v !== undefined);
      checkRange(shape, entries.length, 'map size', path, out);
      for (const [key, item] of entries) {
        if (shape.key) visit(model, shape.key, key, `${memberPath(path, key)}<key>`, out, false);
        if (shape.value) visit(model, shape.value, item, memberPath(path, key), out, false);
      }
      return;
    }
    case 'string': {
      if (typeof value !== 'string') {
        out.push({ path, message: `expected a string (${ref.shape}), got ${describe(value)}` });
        return;
      }
      if (shape.enum && !shape.enum.includes(value)) {
        out.push({
          path,
          message: `${describe(value)} is not a value of enum ${ref.shape} (${shape.enum.join(' | ')})`,
        });
      }
      checkRange(shape, [...value].length, 'string length', path, out);
      if (shape.pattern && !patternOf(shape.pattern).test(value)) {
        out.push({
          path,
          message: `${describe(value)} does not match the pattern ${shape.pattern} of ${ref.shape}`,
        });
      }
      return;
    }
    case 'integer':
    case 'long': {
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        out.push({ path, message: `expected a whole number (${ref.shape}), got ${describe(value)}` });
        return;
      }
      checkRange(shape, value, 'value', path, out);
      return;
    }
    case 'float':
    case 'double': {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        out.push({ path, message: `expected a number (${ref.shape}), got ${describe(value)}` });
        return;
      }
      checkRange(shape, value, 'value', path, out);
      return;
    }
    case 'boolean':
      if (typeof value !== 'boolean') {
        out.push({ path, message: `expected true or false (${ref.shape}), got ${describe(value)}` });
      }
      return;
    case 'timestamp': {
      const wire = wireTimestampOf(model, ref.timestampFormat ?? shape.timestampFormat);
      const ok =
        wire === 'epoch-seconds'
          ? typeof value === 'number' && Number.isFinite(value)
          : typeof value === 'string' &&
            !Number.isNaN(Date.parse(value)) &&
            (wire === 'http-date' || ISO_8601.test(value));
      if (!ok) {
        out.push({ path, message: `expected a ${wire} timestamp (${ref.shape}), got ${describe(value)}` });
      }
      return;
    }
    case 'blob':
      if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
        out.push({ path, message: `expected base64 text (${ref.shape}), got ${describe(value)}` });
      }
      return;
    default:
      // document and other open types: any JSON value.
      return;
  }
};

/** Every violation of `value` against the model shape `shapeName`. */
const validateShape = (
  model: ServiceModel,
  shapeName: string,
  value: unknown,
  options: ValidateOptions = {},
): Violation[] => {
  const out: Violation[] = [];
  visit(model, { shape: shapeName }, value, options.path ?? '$', out, options.bodyOnly ?? false);
  return out;
};

const operationOf = (model: ServiceModel, operation: string): OperationModel | undefined =>
  model.operations[operation];

/**
 * The request (`input`) or response (`output`) of `operation` against its model shape; an
 * operation the extract lacks is itself a violation, and an operation without that shape takes
 * (or answers) only `{}`.
 */
const validateMessage = (
  side: 'input' | 'output',
  model: ServiceModel,
  operation: string,
  value: unknown,
  options: ValidateOptions = {},
): Violation[] => {
  const op = operationOf(model, operation);
  if (!op) return [{ path: '$', message: `operation ${operation} is not in the model extract` }];
  const shape = op[side];
  if (!shape) {
    return isPlainObject(value) && Object.keys(value).length === 0
      ? []
      : [
          {
            path: '$',
            message: side === 'input' ? `${operation} takes no input` : `${operation} has no output`,
          },
        ];
  }
  return validateShape(model, shape.shape, value, options);
};

/** The request of `operation`. */
const validateInput = (model: ServiceModel, operation: string, value: unknown, options?: ValidateOptions) =>
  validateMessage('input', model, operation, value, options);

/** The response of `operation`. */
const validateOutput = (model: ServiceModel, operation: string, value: unknown, options?: ValidateOptions) =>
  validateMessage('output', model, operation, value, options);

/** The error shapes `operation` declares, by their wire code (`error.code`, else the shape name). */
const modelledErrors = (model: ServiceModel, operation: string): Map<string, string> => {
  const errors = new Map<string, string>();
  for (const { shape } of operationOf(model, operation)?.errors ?? []) {
    errors.set(model.shapes[shape]?.error?.code ?? shape, shape);
  }
  return errors;
};

interface ErrorCheck {
  operation: string;
  code: string;
  status: number;
  /** The error's members (for json protocols: the body without `__type`); skipped when omitted. */
  body?: unknown;
  /** Codes every operation of the service may answer without declaring them (common errors). */
  commonErrors: ReadonlySet<string>;
}

/**
 * An error answer: its code must be one the operation declares or a common error; a declared
 * error's HTTP status must match the model's `httpStatusCode` and its body its shape.
 */
const validateError = (model: ServiceModel, check: ErrorCheck): Violation[] => {
  const shapeName = modelledErrors(model, check.operation).get(check.code);
  if (!shapeName) {
    return check.commonErrors.has(check.code)
      ? []
      : [
          {
            path: '$',
            message:
              `error code ${check.code} is neither declared by ${check.operation} ` +
              `(${[...modelledErrors(model, check.operation).keys()].join(', ') || 'none'}) nor a common error`,
          },
        ];
  }
  const out: Violation[] = [];
  const expected = model.shapes[shapeName]?.error?.httpStatusCode;
  if (expected !== undefined && expected !== check.status) {
    out.push({
      path: '$',
      message: `${check.code} is HTTP ${expected} in the model, answered ${check.status}`,
    });
  }
  if (check.body !== undefined) out.push(...validateShape(model, shapeName, check.body));
  return out;
};

// ---------------------------------------------------------------- awsQuery form parameters

interface QueryTree {
  value?: string;
  children: Map<string, QueryTree>;
}

const toTree = (params: Iterable<[string, string]>): QueryTree => {
  const root: QueryTree = { children: new Map() };
  for (const [key, value] of params) {
    let node = root;
    for (const part of key.split('.')) {
      let next = node.children.get(part);
      if (!next) {
        next = { children: new Map() };
        node.children.set(part, next);
      }
      node = next;
    }
    node.value = value;
  }
  return root;
};

const numbered = (tree: QueryTree, path: string, out: Violation[]): QueryTree[] => {
  const items: QueryTree[] = [];
  for (const [index, child] of tree.children) {
    if (!/^[1-9]\d*$/.test(index))
      out.push({ path: `${path}.${index}`, message: 'expected a 1-based index' });
    else items[Number(index) - 1] = child;
  }
  if (items.some((item) => item === undefined) || items.length !== tree.children.size) {
    out.push({ path, message: 'list indexes must run 1..n without gaps' });
  }
  return items.filter((item) => item !== undefined);
};

const fromTree = (
  model: ServiceModel,
  ref: ShapeRef,
  tree: QueryTree,
  path: string,
  out: Violation[],
): unknown => {
  const shape = model.shapes[ref.shape];
  if (!shape) return undefined;
  switch (shape.type) {
    case 'structure': {
      const value: Record<string, unknown> = {};
      const byWireName = new Map(
        Object.entries(shape.members ?? {}).map(([name, m]) => [m.locationName ?? name, [name, m] as const]),
      );
      for (const [key, child] of tree.children) {
        const entry = byWireName.get(key);
        if (!entry) {
          // Reported once by validateShape as an unknown member.
          value[key] = child.value ?? '';
          continue;
        }
        value[entry[0]] = fromTree(model, entry[1], child, `${path}.${key}`, out);
      }
      return value;
    }
    case 'list': {
      const flattened = shape.flattened || ref.flattened;
      const holder = flattened ? tree : tree.children.get(shape.member?.locationName ?? 'member');
      if (!holder) return [];
      return numbered(holder, path, out).map((item, i) =>
        shape.member ? fromTree(model, shape.member, item, `${path}.member.${i + 1}`, out) : item.value,
      );
    }
    case 'map': {
      const holder = shape.flattened || ref.flattened ? tree : tree.children.get('entry');
      const value: Record<string, unknown> = {};
      if (!holder) return value;
      const keyName = shape.key?.locationName ?? 'key';
      const valueName = shape.value?.locationName ?? 'value';
      for (const [i, entry] of numbered(holder, `${path}.entry`, out).entries()) {
        const key = entry.children.get(keyName)?.value;
        const item = entry.children.get(valueName);
        if (key === undefined || !item) {
          out.push({
            path: `${path}.entry.${i + 1}`,
            message: `map entry needs ${keyName} and ${valueName}`,
          });
          continue;
        }
        value[key] = shape.value
          ? fromTree(model, shape.value, item, `${path}.entry.${i + 1}`, out)
          : item.value;
      }
      return value;
    }
    case 'integer':
    case 'long':
    case 'float':
    case 'double':
      return tree.value === undefined || tree.value === '' ? tree.value : Number(tree.value);
    case 'boolean':
      return tree.value === 'true' ? true : tree.value === 'false' ? false : tree.value;
    default:
      return tree.value;
  }
};

/**
 * Decodes awsQuery form parameters (`TopicArn=…&MessageAttributes.entry.1.Name=…`) into the
 * operation's input structure and checks it. `Action` and `Version` are protocol parameters:
 * they must name the operation and the model's API version.
 */
const validateQueryInput = (
  model: ServiceModel,
  operation: string,
  params: Iterable<[string, string]>,
): Violation[] => {
  const out: Violation[] = [];
  const rest: [string, string][] = [];
  for (const [key, value] of params) {
    if (key === 'Action') {
      if (value !== operation) out.push({ path: '$.Action', message: `Action ${value} is not ${operation}` });
    } else if (key === 'Version') {
      if (value !== model.metadata.apiVersion) {
        out.push({ path: '$.Version', message: `Version ${value} is not ${model.metadata.apiVersion}` });
      }
    } else {
      rest.push([key, value]);
    }
  }
  const inputShape = operationOf(model, operation)?.input?.shape;
  if (!inputShape) return [...out, ...validateInput(model, operation, Object.fromEntries(rest))];
  const value = fromTree(model, { shape: inputShape }, toTree(rest), '$', out);
  return [...out, ...validateShape(model, inputShape, value)];
};

/** One line per violation, for error bodies and test failures. */
const formatViolations = (violations: readonly Violation[]): string =>
  violations.map((v) => `${v.path}: ${v.message}`).join('; ');

export {
  type ErrorCheck,
  formatViolations,
  modelledErrors,
  type OperationModel,
  type ServiceModel,
  type Shape,
  type ShapeRef,
  type ValidateOptions,
  type Violation,
  validateError,
  validateInput,
  validateOutput,
  validateQueryInput,
  validateShape,
};
