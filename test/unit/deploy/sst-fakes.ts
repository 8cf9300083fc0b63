/**
 * Recording fakes of the globals SST gives `sst.config.ts` (`$config`, `$app`, `$interpolate`,
 * `$jsonStringify`, `$util`, `aws`, `sst`), so the test runs the config's real `run()` offline and
 * reads every resource it creates with its arguments. Outputs are eager here (every value is
 * known), which is what `pulumi preview` with mocks gives as well.
 *
 * Why fakes and not Pulumi's own mocks: `sst.aws.Function` builds its bundle by calling the SST
 * CLI's RPC server (`rpc.call("Runtime.Build")` at `$SST_SERVER`), which exists only inside
 * `sst deploy`/`sst diff`; offline it fails (README "Deploy" → "What is proven offline").
 */

const ACCOUNT = '123456789012';
const REGION = 'us-west-2';
const PARTITION = 'aws';

/** An already-resolved Output. */
class FakeOutput<T> {
  constructor(readonly value: T) {}
  apply<U>(fn: (value: T) => U): FakeOutput<unknown> {
    return new FakeOutput(resolve(fn(this.value)));
  }
}

const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

/** Deeply replaces outputs by their values. */
const resolve = (value: unknown): unknown => {
  if (value instanceof FakeOutput) return resolve(value.value);
  if (Array.isArray(value)) return value.map(resolve);
  if (isPlain(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
  return value;
};

interface RecordedResource {
  /** `aws.iam.Role`, `sst.aws.Function`, … */
  type: string;
  /** Logical name. */
  name: string;
  /** Arguments with every output resolved. */
  args: Record<string, unknown>;
  /** Raw arguments (functions such as `transform` kept). */
  rawArgs: Record<string, unknown>;
  dependsOn: RecordedResource[];
}

/** Deterministic attributes a resource exposes (ARNs in AWS's format from its physical name). */
const attribute = (type: string, name: string, args: Record<string, unknown>, prop: string): unknown => {
  const physical = typeof args.name === 'string' ? args.name : name;
  const arn = (service: string, resource: string) =>
    `arn:${PARTITION}:${service}:${REGION}:${ACCOUNT}:${resource}`;
  const arns: Record<string, () => string> = {
    'aws.iam.Role': () => `arn:${PARTITION}:iam::${ACCOUNT}:role/${physical}`,
    'aws.dynamodb.Table': () => arn('dynamodb', `table/${physical}`),
    'aws.sns.Topic': () => arn('sns', physical),
    'aws.sqs.Queue': () => arn('sqs', physical),
    'aws.kms.Key': () => arn('kms', 'key/0f0f0f0f-1111-2222-3333-444444444444'),
    'aws.cloudwatch.LogGroup': () => arn('logs', `log-group:${physical}`),
    'aws.sfn.StateMachine': () => arn('states', `stateMachine:${physical}`),
    'aws.cloudwatch.EventRule': () => arn('events', `rule/${physical}`),
    'sst.aws.Function': () => arn('lambda', `function:${physical}`),
  };
  switch (prop) {
    case 'arn':
      return arns[type]?.() ?? `fake-arn:${type}:${name}`;
    case 'name':
      return physical;
    case 'id':
      return physical;
    case 'keyId':
      return '0f0f0f0f-1111-2222-3333-444444444444';
    case 'url':
      return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${physical}`;
    default:
      return `fake:${type}:${name}:${prop}`;
  }
};

const RECORD = Symbol('record');

const recordingClass = (type: string, resources: RecordedResource[]) =>
  class {
    constructor(name: string, args: Record<string, unknown> = {}, opts: { dependsOn?: unknown[] } = {}) {
      const record: RecordedResource = {
        type,
        name,
        args: resolve(args) as Record<string, unknown>,
        rawArgs: args,
        dependsOn: (opts.dependsOn ?? []).map((d) => (d as { [RECORD]: RecordedResource })[RECORD]),
      };
      resources.push(record);
      // biome-ignore lint/correctness/noConstructorReturn: a proxy stands for the resource's outputs
      return new Proxy(this, {
        get: (_target, prop) => {
          if (prop === RECORD) return record;
          if (prop === 'then') return undefined;
          if (prop === 'nodes') {
            return { role: { arn: new FakeOutput(record.args.role) }, function: { arn: new FakeOutput('') } };
          }
          return new FakeOutput(attribute(type, name, record.args, String(prop)));
        },
      });
    }
  };

/** A namespace proxy: `aws.iam.Role` is a recording class named `aws.iam.Role`. */
const namespace = (
  path: string,
  resources: RecordedResource[],
  functions: Record<string, unknown>,
): unknown =>
  new Proxy(
    {},
    {
      get: (_target, prop) => {
        if (typeof prop !== 'string') return undefined;
        const full = `${path}.${prop}`;
        if (full in functions) return functions[full];
        return /^[A-Z]/.test(prop) ? recordingClass(full, resources) : namespace(full, resources, functions);
      },
    },
  );

interface FakeSst {
  resources: RecordedResource[];
  /** Installs the globals; returns a function that removes them. */
  install: () => () => void;
  of: (type: string) => RecordedResource[];
}

const createFakeSst = (stage: string): FakeSst => {
  const resources: RecordedResource[] = [];
  const interpolate = (strings: TemplateStringsArray, ...values: unknown[]) =>
    new FakeOutput(
      strings.reduce((text, s, i) => text + s + (i < values.length ? String(resolve(values[i])) : ''), ''),
    );
  const jsonStringify = (value: unknown) => new FakeOutput(JSON.stringify(resolve(value)));
  const invokes: Record<string, unknown> = {
    'aws.getRegion': async () => ({ region: REGION, name: REGION, id: REGION }),
    'aws.getCallerIdentity': async () => ({
      accountId: ACCOUNT,
      arn: `arn:aws:iam::${ACCOUNT}:user/deployer`,
    }),
    'aws.getPartition': async () => ({ partition: PARTITION, dnsSuffix: 'amazonaws.com' }),
  };
  const globals: Record<string, unknown> = {
    $config: (config: unknown) => config,
    $app: { name: 'hyperpod-resilience', stage },
    $dev: false,
    $interpolate: interpolate,
    $jsonStringify: jsonStringify,
    $util: {
      interpolate,
      jsonStringify,
      output: (v: unknown) => new FakeOutput(resolve(v)),
      all: (vs: unknown[]) => new FakeOutput(resolve(vs)),
    },
    aws: namespace('aws', resources, invokes),
    sst: namespace('sst', resources, {}),
  };
  return {
    resources,
    install: () => {
      const previous = Object.fromEntries(Object.keys(globals).map((k) => [k, (globalThis as never)[k]]));
      Object.assign(globalThis, globals);
      return () => Object.assign(globalThis, previous);
    },
    of: (type) => resources.filter((r) => r.type === type),
  };
};

export type { FakeSst, RecordedResource };
export { ACCOUNT, createFakeSst, PARTITION, REGION };
