/**
 * What each Lambda bundle holds, read from esbuild's metafile with the deploy's own bundling options
 * (deploy/lambda-bundle.ts): only the adapters of the ports its code uses. Sizes and
 * import times are measured by `npm run bench -- cold-start`, not asserted here.
 */
import { build, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_DEPS } from '#composition/lambda-deps.ts';
import { lambdaBuildOptions } from '#deploy/lambda-bundle.ts';
import { TASK_IAM } from '#deploy/task-iam.ts';
import { allFunctions } from '#state-machines/registry.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;

/** Lambda name → the input files of its bundle that contributed bytes. */
let inputs: Record<string, string[]>;

beforeAll(async () => {
  const names = allFunctions();
  const result = await build({
    ...lambdaBuildOptions(
      ROOT,
      names.map((n) => `functions/handlers/${n}.ts`),
      '/bundles',
    ),
    write: false,
  });
  const outputs = (result.metafile as Metafile).outputs;
  inputs = Object.fromEntries(
    names.map((name) => {
      const output = Object.values(outputs).find((o) => o.entryPoint === `functions/handlers/${name}.ts`);
      if (!output) throw new Error(`no bundle for ${name}`);
      return [
        name,
        Object.entries(output.inputs)
          .filter(([, input]) => input.bytesInOutput > 0)
          .map(([path]) => path),
      ];
    }),
  );
}, 120_000);

const holds = (name: string, fragment: string): boolean =>
  (inputs[name] ?? []).some((path) => path.includes(fragment));

describe('Function: lambdaBuildOptions', () => {
  it("builds as SST's Node runtime does for nodejs22.x: its banner, target, main fields and externals", () => {
    // Act
    const options = lambdaBuildOptions(ROOT, ['functions/handlers/record-outcome.ts'], '/bundles');

    // Assess: strings copied from anomalyco/sst pkg/runtime/node/build.go @ v4.17.0 (docs/FACTS.md sst.bundle-options).
    expect(options.banner.js.split('\n')).toEqual([
      `import { createRequire as topLevelCreateRequire } from 'module';`,
      `const require = topLevelCreateRequire(import.meta.url);`,
      `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
      `const __filename = topLevelFileUrlToPath(import.meta.url)`,
      `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
      '',
    ]);
    expect(options).toMatchObject({
      format: 'esm',
      platform: 'node',
      target: 'es2023',
      mainFields: ['module', 'main'],
      keepNames: true,
      external: ['sharp', 'pg-native'],
      minifyWhitespace: true,
      minifySyntax: true,
      minifyIdentifiers: true,
    });
  });
});

describe('Lambda bundles', () => {
  it('leave @kubernetes/client-node and undici out of every Lambda, including those that call Kubernetes', () => {
    // Prepare
    const withKubernetes = allFunctions().filter((name) => TASK_IAM[name]?.kubernetes === true);

    // Assess: the Kubernetes Lambdas exist, and no bundle holds the client or its HTTP stack
    // (functions/adapters/kube-http.ts talks to the API server on node:https).
    expect(withKubernetes.length).toBeGreaterThan(0);
    expect(allFunctions().filter((name) => holds(name, 'node_modules/@kubernetes/client-node/'))).toEqual([]);
    expect(allFunctions().filter((name) => holds(name, 'node_modules/undici/'))).toEqual([]);
  });

  it('leave the Powertools Tracer and the X-Ray SDK out of every Lambda: traces come from active tracing', () => {
    // Assess (docs/facts/bundling.md powertools.tracer-dropped): the Tracer would add about
    // 128 KB and 120 ms of import to each cold start; Lambda's and Step Functions' own tracing
    // need no SDK in the function.
    expect(
      allFunctions().filter((name) => holds(name, 'node_modules/@aws-lambda-powertools/tracer/')),
    ).toEqual([]);
    expect(allFunctions().filter((name) => holds(name, 'node_modules/aws-xray-sdk-core/'))).toEqual([]);
  });

  it.each([
    {
      port: 'clusterNodes',
      files: ['functions/adapters/sagemaker.ts', 'node_modules/@aws-sdk/client-sagemaker/'],
    },
    {
      port: 'kubeFor',
      files: [
        'functions/adapters/kubernetes.ts',
        'functions/adapters/kube-http.ts',
        'node_modules/@aws-sdk/client-eks/',
      ],
    },
    {
      port: 'ledger',
      files: ['functions/adapters/ledger-dynamodb.ts', 'node_modules/@aws-sdk/lib-dynamodb/'],
    },
    { port: 'notifier', files: ['functions/adapters/notifier-sns.ts', 'node_modules/@aws-sdk/client-sns/'] },
  ])('hold the $port adapter exactly in the Lambdas whose code uses that port ($port)', ({ port, files }) => {
    // Prepare
    const users = Object.entries(LAMBDA_DEPS)
      .filter(([, deps]) => (deps as readonly string[]).includes(port))
      .map(([name]) => name)
      .sort();

    // Assess
    for (const file of files) {
      expect(
        allFunctions()
          .filter((name) => holds(name, file))
          .sort(),
        file,
      ).toEqual(users);
    }
  });

  it("bundle only zod's English locale (a named `z` import would bring all of them)", () => {
    // Assess
    const locales = [
      ...new Set(
        Object.values(inputs)
          .flat()
          .filter((path) => path.includes('node_modules/zod/v4/locales/'))
          .map((path) => path.slice(path.lastIndexOf('/') + 1)),
      ),
    ];
    expect(locales).toEqual(['en.js']);
  });
});
