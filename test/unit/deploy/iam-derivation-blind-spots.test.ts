/**
 * The derivation's blind spots (security review, finding 4): constructs that used to drop an IAM
 * action silently are now either understood or refused with the file and line. Each case derives
 * a throwaway project (one port, one adapter, one task, one handler) written to a temporary folder
 * that borrows this repository's node_modules and compiler options.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deriveTaskPermissions } from '#deploy/iam-derivation.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const projects: string[] = [];

afterAll(() => {
  for (const project of projects) rmSync(project, { recursive: true, force: true });
});

const PORTS = `export interface Ledger {
  acquireLease(id: string): Promise<void>;
  getIncident(id: string): Promise<void>;
}
`;

const ADAPTER = `import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Ledger } from './ports.ts';

export const createLedger = (client: DynamoDBDocumentClient): Ledger => ({
  acquireLease: async (id) => {
    await client.send(new PutCommand({ TableName: 'ledger', Item: { id } }));
  },
  getIncident: async (id) => {
    await client.send(new GetCommand({ TableName: 'ledger', Key: { id } }));
  },
});
`;

const HANDLER = `import type { TaskDeps } from '#functions/tasks/deps.ts';
import { probe } from '#functions/tasks/probe.ts';

export const handler = (deps: TaskDeps) => probe(deps, 'lease-1');
`;

/**
 * Writes a project whose one Lambda (`probe`) runs `task` (the body of functions/tasks/probe.ts,
 * `deps` and `name` in scope, line 4 onwards) and derives it. `files` adds or replaces files.
 */
const derive = (task: string, files: Record<string, string> = {}, imports = '') => {
  const root = mkdtempSync(join(tmpdir(), 'hpr-iam-probe-'));
  projects.push(root);
  const compilerOptions = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')).compilerOptions;
  const all: Record<string, string> = {
    'package.json': JSON.stringify({
      name: 'iam-probe',
      type: 'module',
      imports: { '#adapters/*': './functions/adapters/*', '#functions/*': './functions/*' },
    }),
    'tsconfig.json': JSON.stringify({ compilerOptions, include: ['functions'] }),
    'functions/adapters/ports.ts': PORTS,
    'functions/adapters/ledger.ts': ADAPTER,
    'functions/tasks/deps.ts': `import type { Ledger } from '#adapters/ports.ts';\n\nexport interface TaskDeps {\n  ledger: Ledger;\n}\n`,
    'functions/tasks/probe.ts': `import type { TaskDeps } from './deps.ts';\n${imports || '// no imports'}\nexport const probe = async (deps: TaskDeps, name: string): Promise<unknown> => {\n${task}\n};\n`,
    'functions/handlers/probe.ts': HANDLER,
    ...files,
  };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  return () => deriveTaskPermissions(root);
};

/** The message the derivation refuses with ('no refusal' when it derives). */
const refusalOf = (run: () => unknown): string => {
  try {
    run();
    return 'no refusal';
  } catch (error) {
    return (error as Error).message;
  }
};

describe('Function: deriveTaskPermissions, on constructs it once missed', { timeout: 60_000 }, () => {
  it('reads a port member called by name (the control case)', () => {
    // Act
    const derivation = derive('  return deps.ledger.acquireLease(name);')();

    // Assess
    expect(derivation.lambdas.probe).toEqual(['Ledger.acquireLease']);
    expect(derivation.portActions['Ledger.acquireLease']).toEqual(['dynamodb:PutItem']);
  });

  it('understands a computed port key held in a constant: deps.ledger[m]() with m = "acquireLease"', () => {
    // Act
    const derivation = derive("  const m = 'acquireLease';\n  return deps.ledger[m](name);")();

    // Assess
    expect(derivation.lambdas.probe).toEqual(['Ledger.acquireLease']);
  });

  it('understands a computed port key typed as a union of member names: every member it may name', () => {
    // Act
    const derivation = derive(
      "  const m = name as 'acquireLease' | 'getIncident';\n  return deps.ledger[m](name);",
    )();

    // Assess
    expect(derivation.lambdas.probe).toEqual(['Ledger.acquireLease', 'Ledger.getIncident']);
  });

  it('understands a computed key in a destructuring of the port', () => {
    // Act
    const derivation = derive(
      "  const m = 'getIncident';\n  const { [m]: read } = deps.ledger;\n  return read(name);",
    )();

    // Assess
    expect(derivation.lambdas.probe).toEqual(['Ledger.getIncident']);
  });

  it('refuses a computed port key whose value only the runtime knows, naming the file and line', () => {
    // Act
    const run = derive('  // @ts-expect-error a string key\n  return deps.ledger[name](name);');

    // Assess
    expect(run).toThrow(
      /^functions\/tasks\/probe\.ts:5: a computed key on the Ledger port \(`deps\.ledger\[name\]`\)/,
    );
  });

  it.each([
    [
      'a cast',
      '  return (deps.ledger as unknown as Record<string, () => void>)[name]!();',
      'cast to another type',
    ],
    ['Reflect.get', '  return Reflect.get(deps.ledger, name);', 'passed to library code (`Reflect.get`)'],
    ['Object.values', '  return Object.values(deps.ledger);', 'passed to library code (`Object.values`)'],
    [
      'a parameter typed unknown',
      '  const call = (port: unknown) => (port as Record<string, () => void>)[name]!();\n  return call(deps.ledger);',
      'passed where another type is expected',
    ],
    ['a spread', '  return { ...deps.ledger };', 'spread into another object'],
    ['a rest element', '  const { ...all } = deps.ledger;\n  return all;', 'a rest element takes'],
  ])('refuses a port handed out of sight through %s', (_how, task, message) => {
    // Act
    const refusal = refusalOf(derive(task));

    // Assess
    expect(refusal).toMatch(/^functions\/tasks\/probe\.ts:[45]: /);
    expect(refusal).toContain(message);
  });

  it('understands an SDK command read from a namespace import in an adapter', () => {
    // Prepare
    const adapter = ADAPTER.replace(
      "import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';",
      "import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';\nimport * as ddb from '@aws-sdk/lib-dynamodb';",
    )
      .replace('new PutCommand', 'new ddb.PutCommand')
      .replace('new GetCommand', 'new ddb.GetCommand');

    // Act
    const derivation = derive('  return deps.ledger.acquireLease(name);', {
      'functions/adapters/ledger.ts': adapter,
    })();

    // Assess
    expect(derivation.portActions['Ledger.acquireLease']).toEqual(['dynamodb:PutItem']);
    expect(derivation.portActions['Ledger.getIncident']).toEqual(['dynamodb:GetItem']);
  });

  it('follows a task helper reached through a namespace import, and refuses a computed key on it', () => {
    // Prepare
    const helpers = {
      'functions/tasks/helpers.ts':
        "import type { TaskDeps } from './deps.ts';\n\nexport const lease = (deps: TaskDeps) => deps.ledger.acquireLease('x');\n",
    };
    const imports = "import * as helpers from './helpers.ts';";

    // Act
    const derivation = derive('  return helpers.lease(deps);', helpers, imports)();
    const computed = derive("  return helpers[name as 'lease'](deps);", helpers, imports);

    // Assess
    expect(derivation.lambdas.probe).toEqual(['Ledger.acquireLease']);
    expect(computed).toThrow(
      /^functions\/tasks\/probe\.ts:4: a computed key on the namespace import `helpers`/,
    );
  });

  it('refuses an AWS SDK client built in a task, outside functions/adapters', () => {
    // Act
    const run = derive(
      "  return new SNSClient({}).send(new PublishCommand({ TopicArn: name, Message: 'm' }));",
      {},
      "import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';",
    );

    // Assess
    expect(run).toThrow(
      /^functions\/tasks\/probe\.ts:4: @aws-sdk\/client-sns used outside functions\/adapters/,
    );
  });

  it('refuses a dynamic import in a task', () => {
    // Act
    const run = derive("  return import('@aws-sdk/client-sns');");

    // Assess
    expect(run).toThrow(/^functions\/tasks\/probe\.ts:4: a dynamic import\(\)/);
  });

  it('refuses a command an adapter sends outside every port member', () => {
    // Prepare: a helper the composition could call with the adapter's client.
    const adapter = `${ADAPTER}
export const purge = (client: DynamoDBDocumentClient) =>
  client.send(new GetCommand({ TableName: 'ledger', Key: { id: 'all' } }));
`;

    // Act
    const run = derive('  return deps.ledger.acquireLease(name);', {
      'functions/adapters/ledger.ts': adapter,
    });

    // Assess
    expect(run).toThrow(
      /^functions\/adapters\/ledger\.ts:14: dynamodb:GetItem is sent outside every port member/,
    );
  });
});
