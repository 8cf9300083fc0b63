/**
 * How a handler is bundled for Lambda: the `nodejs` options the deploy gives every function
 * (deploy/deploy-plan.ts → sst.config.ts), and the esbuild options SST's Node runtime
 * builds from them (docs/FACTS.md sst.bundle-options), so that the cold-start bench
 * (bench/cold-start.bench.ts) and the bundle test (test/unit/deploy/lambda-bundle.test.ts) build
 * exactly what the deploy ships. Build time only: no handler imports it, and it imports no esbuild
 * (the callers bring their own, from node_modules).
 */

/**
 * `nodejs` of every `sst.aws.Function`. `minify` is explicit: SST documents `true` as its default,
 * but its runtime reads an absent `minify` as false (docs/FACTS.md sst.minify-default).
 */
const LAMBDA_NODEJS = { format: 'esm', minify: true } as const;

/** SST's `targetMap` entry for our runtime, nodejs22.x (sst.config.ts). */
const SST_TARGET = 'es2023';

/** Packages SST always leaves out of the bundle (`forceExternal`). */
const SST_FORCE_EXTERNAL = ['sharp', 'pg-native'];

/** The banner SST puts on every ESM bundle (ours adds nothing: `nodejs.banner` is unset). */
const SST_ESM_BANNER = [
  `import { createRequire as topLevelCreateRequire } from 'module';`,
  'const require = topLevelCreateRequire(import.meta.url);',
  `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
  'const __filename = topLevelFileUrlToPath(import.meta.url)',
  'const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))',
  '',
].join('\n');

/** The esbuild build options (a subset of esbuild's `BuildOptions`, structurally compatible). */
interface LambdaBuildOptions {
  entryPoints: string[];
  outdir: string;
  entryNames: string;
  outExtension: { '.js': string };
  absWorkingDir: string;
  bundle: true;
  platform: 'node';
  format: 'esm';
  target: string;
  mainFields: string[];
  keepNames: boolean;
  minifyWhitespace: boolean;
  minifySyntax: boolean;
  minifyIdentifiers: boolean;
  banner: { js: string };
  external: string[];
  sourcemap: 'linked';
  metafile: true;
  logLevel: 'error';
}

/**
 * The options SST builds each `functions/handlers/<name>.ts` with for a deploy (not `sst dev`):
 * ESM, es2023 for nodejs22.x, `module` before `main`, names kept, minified, the createRequire
 * banner, linked source map, SST's forced externals. Each entry is its own bundle (no splitting),
 * written as `<outdir>/<name>/bundle.mjs` as SST names it.
 *
 * @example
 * await esbuild.build(lambdaBuildOptions(root, ['functions/handlers/admit-incident.ts'], join(tmpdir(), 'bundles')));
 */
const lambdaBuildOptions = (
  root: string,
  entries: readonly string[],
  outdir: string,
): LambdaBuildOptions => ({
  entryPoints: [...entries],
  outdir,
  entryNames: '[name]/bundle',
  outExtension: { '.js': '.mjs' },
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: LAMBDA_NODEJS.format,
  target: SST_TARGET,
  mainFields: ['module', 'main'],
  keepNames: true,
  minifyWhitespace: LAMBDA_NODEJS.minify,
  minifySyntax: LAMBDA_NODEJS.minify,
  minifyIdentifiers: LAMBDA_NODEJS.minify,
  banner: { js: SST_ESM_BANNER },
  external: [...SST_FORCE_EXTERNAL],
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'error',
});

export type { LambdaBuildOptions };
export { LAMBDA_NODEJS, lambdaBuildOptions };
