/**
 * Derives what each Lambda may call from the code itself, with the TypeScript compiler API. Build
 * time only: no handler imports it (the deploy reads its output, deploy/task-iam.ts).
 *
 * 1. Per Lambda (`functions/handlers/<name>.ts`): starting at its exported `handler`, follow every
 *    function and value it references inside the project (tasks, domain, events, contracts; not
 *    into the adapters or the production wiring: functions/composition/lambda-handler.ts,
 *    production-deps.ts and wiring/) and collect each member of a port interface
 *    (`functions/adapters/ports.ts`: an interface whose members are methods, e.g. `Ledger`) that
 *    is read or called (`deps.ledger.getIncident`, `kube.patchNode`), and each call of a callable
 *    port type (`deps.kubeFor(…)`, a `KubeApiFactory`).
 * 2. Per port member: the adapter function that returns that port (`createClusterNodes(): ClusterNodes`)
 *    is read; inside the member's implementation (following local helpers) every
 *    `new <Op>Command(…)` and `paginate<Op>(…)` imported from `@aws-sdk/*` is an IAM action
 *    (`sagemaker:<Op>`, `dynamodb:GetItem` for lib-dynamodb's `GetCommand`, …), and every call on
 *    our Kubernetes client (functions/adapters/kube-http.ts: `client.patch(NODES, …)`) is a
 *    Kubernetes verb on the resource its first argument names.
 * 3. A Lambda's actions are the union over the port members it uses.
 * 4. A Lambda's deps are the `TaskDeps` properties (functions/tasks/deps.ts) whose type is a port
 *    it uses (`ledger: Ledger`, `kubeFor: KubeApiFactory`): its handler wires exactly these, so its
 *    bundle holds only their adapters (`LambdaDeps` in functions/composition/lambda-deps.ts, checked
 *    by the compiler in every handler).
 *
 *   npx tsx deploy/iam-derivation.ts           prints the derivation
 *   npx tsx deploy/iam-derivation.ts --write   regenerates deploy/task-iam.ts and
 *                                              functions/composition/lambda-deps.ts
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const DEFAULT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** One Kubernetes client call: its verb, API group ('' = core) and resource ('*' when only the runtime knows it). */
interface KubeCall {
  verb: string;
  group: string;
  resource: string;
}

interface Derivation {
  /** Lambda name → the port members its code uses (`Ledger.getIncident`, `KubeApiFactory`), sorted. */
  lambdas: Record<string, string[]>;
  /** Port member → the AWS IAM actions its adapter sends, sorted (empty: none, e.g. pure Kubernetes). */
  portActions: Record<string, string[]>;
  /** KubeApi method (`KubeApi.patchNode`) → the Kubernetes client calls of its implementation. */
  kubeCalls: Record<string, KubeCall[]>;
  /** Port (`Ledger`, `KubeApiFactory`) → the `TaskDeps` property that holds it (`ledger`, `kubeFor`). */
  depsKeys: Record<string, string>;
}

/** `@aws-sdk/lib-dynamodb` document commands → the DynamoDB actions they perform. */
const DOCUMENT_COMMANDS: Readonly<Record<string, string>> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  Query: 'Query',
  Scan: 'Scan',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactGet: 'TransactGetItems',
  TransactWrite: 'TransactWriteItems',
};

/** IAM service prefixes that differ from the SDK client's package name. */
const SERVICE_PREFIX: Readonly<Record<string, string>> = { sfn: 'states', 'cloudwatch-logs': 'logs' };

/**
 * Our Kubernetes REST client (functions/adapters/kube-http.ts): one method per Kubernetes verb,
 * the resource given as its first argument. `discovery` reads a non-resource URL (`/apis`, allowed
 * to every authenticated user): no verb on a resource.
 */
const KUBE_CLIENT = { className: 'KubeHttpClient', file: 'functions/adapters/kube-http.ts' } as const;
const KUBE_VERBS: Readonly<Record<string, string>> = {
  get: 'get',
  list: 'list',
  create: 'create',
  patch: 'patch',
  delete: 'delete',
};

/**
 * Thrown when the code holds a construct the derivation cannot resolve to port members or AWS
 * actions (a computed port key, a port cast away, an SDK client outside the adapters, …): no
 * policy is produced rather than one that silently lacks an action. The message names the file
 * and line and what to write instead.
 */
class DerivationRefusedError extends Error {
  constructor(where: string, problem: string) {
    super(`${where}: ${problem} (deploy/iam-derivation.ts cannot derive IAM permissions from it)`);
    this.name = 'DerivationRefusedError';
  }
}

/** `functions/tasks/x.ts:12` of a node. */
const whereOf = (root: string, node: ts.Node): string => {
  const source = node.getSourceFile();
  const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
  return `${relative(root, source.fileName)}:${line + 1}`;
};

/** The IAM action of an `@aws-sdk/*` import used as a command or paginator; undefined otherwise. */
const awsActionOf = (module: string, name: string, usage: 'new' | 'call'): string | undefined => {
  if (usage === 'new' && module === '@aws-sdk/lib-dynamodb' && name.endsWith('Command')) {
    const op = name.slice(0, -'Command'.length);
    const action = DOCUMENT_COMMANDS[op];
    if (!action)
      throw new Error(`unknown @aws-sdk/lib-dynamodb command ${name}: map it in iam-derivation.ts`);
    return `dynamodb:${action}`;
  }
  if (!module.startsWith('@aws-sdk/client-')) return undefined;
  const client = module.slice('@aws-sdk/client-'.length);
  const service = SERVICE_PREFIX[client] ?? client;
  if (usage === 'new' && name.endsWith('Command')) return `${service}:${name.slice(0, -'Command'.length)}`;
  if (usage === 'call' && name.startsWith('paginate')) return `${service}:${name.slice('paginate'.length)}`;
  if (usage === 'call' && name.startsWith('waitUntil')) {
    throw new Error(
      `${module} ${name}: a waiter sends commands the derivation does not map; send them yourself`,
    );
  }
  return undefined;
};

const sorted = (values: Iterable<string>): string[] => [...new Set(values)].sort();

/** Runs the derivation over the project at `root` (default: this repository). */
const deriveTaskPermissions = (root: string = DEFAULT_ROOT): Derivation => {
  const handlersDir = join(root, 'functions/handlers');
  const adaptersDir = join(root, 'functions/adapters');
  const portsFile = join(adaptersDir, 'ports.ts');
  const depsFile = join(root, 'functions/tasks/deps.ts');
  const wiringDir = join(root, 'functions/composition/wiring');
  const wiring = new Set([
    join(root, 'functions/composition/lambda-handler.ts'),
    join(root, 'functions/composition/production-deps.ts'),
  ]);
  const isWiring = (file: string): boolean => wiring.has(file) || file.startsWith(`${wiringDir}/`);
  const handlerFiles = readdirSync(handlersDir)
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .map((f) => join(handlersDir, f));
  const adapterFiles = readdirSync(adaptersDir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(adaptersDir, f));

  const configPath = join(root, 'tsconfig.json');
  const configFile = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
  const program = ts.createProgram({
    rootNames: [...handlerFiles, ...adapterFiles],
    options: { ...parsed.options, noEmit: true },
  });
  const checker = program.getTypeChecker();

  const inProject = (file: string): boolean =>
    file.startsWith(`${root}/`) && !file.includes('/node_modules/') && !file.endsWith('.d.ts');

  // ------------------------------------------------------------------ ports
  const portsSource = program.getSourceFile(portsFile);
  if (!portsSource) throw new Error(`cannot read ${portsFile}`);
  const portInterfaces = new Set<string>();
  const portAliases = new Set<string>();
  for (const statement of portsSource.statements) {
    if (
      ts.isInterfaceDeclaration(statement) &&
      statement.members.length > 0 &&
      statement.members.every((m) => ts.isMethodSignature(m))
    ) {
      portInterfaces.add(statement.name.text);
    }
    if (ts.isTypeAliasDeclaration(statement) && ts.isFunctionTypeNode(statement.type)) {
      portAliases.add(statement.name.text);
    }
  }
  const inPorts = (node: ts.Node): boolean => node.getSourceFile().fileName === portsFile;

  /** `Ledger.getIncident` when the symbol is a method of a port interface. */
  const portMemberOf = (symbol: ts.Symbol): string | undefined => {
    for (const declaration of symbol.declarations ?? []) {
      if (
        ts.isMethodSignature(declaration) &&
        ts.isInterfaceDeclaration(declaration.parent) &&
        portInterfaces.has(declaration.parent.name.text) &&
        inPorts(declaration)
      ) {
        return `${declaration.parent.name.text}.${symbol.name}`;
      }
    }
    return undefined;
  };

  const portAliasOf = (type: ts.Type): string | undefined => {
    const alias = type.aliasSymbol;
    return alias && portAliases.has(alias.name) && alias.declarations?.some(inPorts) ? alias.name : undefined;
  };

  /** The port a type is (`Ledger`, `KubeApiFactory`), if it is one. */
  const portOfType = (type: ts.Type): string | undefined => {
    const alias = portAliasOf(type);
    if (alias) return alias;
    const symbol = type.getSymbol();
    return symbol && portInterfaces.has(symbol.name) && symbol.declarations?.some(inPorts)
      ? symbol.name
      : undefined;
  };

  // ------------------------------------------------------------------ TaskDeps properties holding ports
  const depsSource = program.getSourceFile(depsFile);
  const taskDeps = depsSource?.statements.find(
    (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'TaskDeps',
  );
  if (!taskDeps) throw new Error(`${depsFile} declares no TaskDeps interface`);
  const depsKeys: Record<string, string> = {};
  for (const member of taskDeps.members) {
    if (!ts.isPropertySignature(member) || !member.type || !ts.isIdentifier(member.name)) continue;
    const port = portOfType(checker.getTypeAtLocation(member.type));
    if (port) depsKeys[port] = member.name.text;
  }

  const resolveSymbol = (identifier: ts.Identifier): ts.Symbol | undefined => {
    let symbol = checker.getSymbolAtLocation(identifier);
    const parent = identifier.parent;
    if (parent && ts.isShorthandPropertyAssignment(parent) && parent.name === identifier) {
      symbol = checker.getShorthandAssignmentValueSymbol(parent) ?? symbol;
    }
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    return symbol;
  };

  /** The module an identifier is bound to by an import (named, default or namespace), if it is. */
  const importedModuleOf = (
    identifier: ts.Identifier,
  ): { module: string; declaration: ts.Declaration } | undefined => {
    const declaration = checker.getSymbolAtLocation(identifier)?.declarations?.[0];
    if (!declaration) return undefined;
    const importDeclaration = ts.isImportSpecifier(declaration)
      ? declaration.parent.parent.parent
      : ts.isNamespaceImport(declaration)
        ? declaration.parent.parent
        : ts.isImportClause(declaration)
          ? declaration.parent
          : undefined;
    if (!importDeclaration || !ts.isStringLiteral(importDeclaration.moduleSpecifier)) return undefined;
    return { module: importDeclaration.moduleSpecifier.text, declaration };
  };

  /** The module of a namespace import (`import * as ddb from '@aws-sdk/lib-dynamodb'`) an identifier names. */
  const namespaceModuleOf = (node: ts.Node): string | undefined => {
    if (!ts.isIdentifier(node)) return undefined;
    const imported = importedModuleOf(node);
    return imported && ts.isNamespaceImport(imported.declaration) ? imported.module : undefined;
  };

  /**
   * The module and imported name an expression refers to: `GetCommand` bound by a named import,
   * or `ddb.GetCommand` read from a namespace import.
   */
  const importOf = (expression: ts.Expression): { module: string; name: string } | undefined => {
    if (ts.isPropertyAccessExpression(expression)) {
      const module = namespaceModuleOf(expression.expression);
      return module === undefined ? undefined : { module, name: expression.name.text };
    }
    if (!ts.isIdentifier(expression)) return undefined;
    const imported = importedModuleOf(expression);
    if (!imported || !ts.isImportSpecifier(imported.declaration)) return undefined;
    return {
      module: imported.module,
      name: (imported.declaration.propertyName ?? imported.declaration.name).text,
    };
  };

  const isSdkModule = (module: string): boolean =>
    module.startsWith('@aws-sdk/') || module.startsWith('@smithy/');

  const refuse = (node: ts.Node, problem: string): never => {
    throw new DerivationRefusedError(whereOf(root, node), problem);
  };

  /**
   * Constructs no walk can follow, refused wherever the derivation walks: a dynamic `import()` or
   * `require` (the module is not read), and a computed key on a namespace import (`ns[name]`).
   */
  const refuseUnfollowable = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      if (node.expression.kind === ts.SyntaxKind.ImportKeyword) {
        refuse(node, 'a dynamic import(): import the module statically');
      }
      if (ts.isIdentifier(node.expression) && node.expression.text === 'require') {
        refuse(node, 'a require(): import the module statically');
      }
    }
    if (ts.isElementAccessExpression(node) && namespaceModuleOf(node.expression) !== undefined) {
      refuse(
        node,
        `a computed key on the namespace import \`${node.expression.getText()}\`: import the names you use`,
      );
    }
  };

  const isFollowable = (declaration: ts.Declaration): boolean =>
    ts.isVariableDeclaration(declaration) ||
    ts.isFunctionDeclaration(declaration) ||
    ts.isClassDeclaration(declaration) ||
    ts.isMethodDeclaration(declaration) ||
    ts.isPropertyAssignment(declaration);

  /**
   * Walks `entries` and every project declaration they reference (for which `follow` says yes),
   * calling `inspect` on every node.
   */
  const walk = (
    entries: readonly ts.Node[],
    follow: (declaration: ts.Declaration) => boolean,
    inspect: (node: ts.Node) => void,
  ): void => {
    const seen = new Set<ts.Node>();
    const queue = [...entries];
    while (queue.length > 0) {
      const next = queue.pop()!;
      if (seen.has(next)) continue;
      seen.add(next);
      const visit = (node: ts.Node): void => {
        inspect(node);
        if (ts.isIdentifier(node)) {
          for (const declaration of resolveSymbol(node)?.declarations ?? []) {
            if (
              !seen.has(declaration) &&
              isFollowable(declaration) &&
              inProject(declaration.getSourceFile().fileName) &&
              follow(declaration)
            ) {
              queue.push(declaration);
            }
          }
        }
        ts.forEachChild(node, visit);
      };
      visit(next);
    }
  };

  // ------------------------------------------------------------------ 1. Lambdas → port members
  /** The port (`Ledger`, `KubeApiFactory`) an expression's value is, if it is one. */
  const portOfNode = (node: ts.Node): string | undefined =>
    portOfType(checker.getNonNullableType(checker.getTypeAtLocation(node)));

  /**
   * The members of `port` a key selects: one per string literal the key's type allows (`'getNode'`,
   * a `const` holding it, a union of them); refused when the type is wider (`string`).
   */
  const membersByKey = (portValue: ts.Node, key: ts.Node, site: ts.Node, port: string): string[] => {
    const keyType = checker.getTypeAtLocation(key);
    const parts = keyType.isUnion() ? keyType.types : [keyType];
    if (!parts.every((t) => t.isStringLiteral())) {
      refuse(
        site,
        `a computed key on the ${port} port (\`${site.getText()}\`) whose value only the runtime knows: call the member by name`,
      );
    }
    const portType = checker.getNonNullableType(checker.getTypeAtLocation(portValue));
    return parts.flatMap((t) => {
      const property = portType.getProperty((t as ts.StringLiteralType).value);
      const member = property && portMemberOf(property);
      return member ? [member] : [];
    });
  };

  /**
   * A port value handed on as something that is not that port (`ledger as any`, `Object.values(ledger)`,
   * a parameter typed `unknown`): what is called on it afterwards is out of the derivation's sight.
   */
  const refuseLaundering = (node: ts.Node): void => {
    const launder = (value: ts.Expression, target: ts.Type | undefined, how: string): void => {
      const port = portOfNode(value);
      if (!port || !target) return;
      const targetType = checker.getNonNullableType(target);
      if (
        portOfType(targetType) === port ||
        (targetType.isUnion() && targetType.types.some((t) => portOfType(t) === port))
      ) {
        return;
      }
      if (targetType.flags & ts.TypeFlags.TypeParameter) return;
      refuse(
        value,
        `the ${port} port ${how} (\`${value.getText()}\`): use its members by name on the port itself`,
      );
    };
    if (ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) {
      if (ts.isConstTypeReference(node.type)) return;
      launder(node.expression, checker.getTypeAtLocation(node), 'cast to another type');
    } else if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      // Library code (Reflect.get, Object.values, …) is not walked: no port goes there.
      const declaration = checker.getResolvedSignature(node)?.declaration;
      const library = declaration !== undefined && !inProject(declaration.getSourceFile().fileName);
      // `member.call(port, …)` binds `this` to the port: the member was named where it was read.
      const thisArg =
        ts.isPropertyAccessExpression(node.expression) &&
        ['apply', 'bind', 'call'].includes(node.expression.name.text)
          ? node.arguments?.[0]
          : undefined;
      for (const argument of node.arguments ?? []) {
        if (ts.isSpreadElement(argument) || argument === thisArg) continue;
        const port = library ? portOfNode(argument) : undefined;
        if (port)
          refuse(argument, `the ${port} port passed to library code (\`${node.expression.getText()}\`)`);
        launder(argument, checker.getContextualType(argument), 'passed where another type is expected');
      }
    } else if (ts.isVariableDeclaration(node) && node.type && node.initializer) {
      launder(node.initializer, checker.getTypeAtLocation(node.type), 'assigned to another type');
    } else if (ts.isSpreadAssignment(node) || ts.isSpreadElement(node)) {
      const port = portOfNode(node.expression);
      if (port) refuse(node, `the ${port} port spread into another object: use its members by name`);
    } else if (ts.isForInStatement(node) || ts.isForOfStatement(node)) {
      const port = portOfNode(node.expression);
      if (port) refuse(node, `a loop over the ${port} port's members: use its members by name`);
    }
  };

  const lambdas: Record<string, string[]> = {};
  for (const file of handlerFiles) {
    const source = program.getSourceFile(file);
    if (!source) throw new Error(`cannot read ${file}`);
    const handler = source.statements
      .filter(ts.isVariableStatement)
      .flatMap((s) => [...s.declarationList.declarations])
      .find((d) => ts.isIdentifier(d.name) && d.name.text === 'handler');
    const name = file.slice(handlersDir.length + 1, -'.ts'.length);
    if (!handler) throw new Error(`${name}: functions/handlers/${name}.ts exports no \`handler\``);
    const used = new Set<string>();
    walk(
      [handler],
      (declaration) => {
        const declared = declaration.getSourceFile().fileName;
        return !declared.startsWith(`${adaptersDir}/`) && !isWiring(declared);
      },
      (node) => {
        refuseUnfollowable(node);
        refuseLaundering(node);
        if (ts.isIdentifier(node)) {
          // An SDK client outside functions/adapters sends actions no port member accounts for.
          const imported = importedModuleOf(node);
          if (imported && isSdkModule(imported.module)) {
            refuse(
              node,
              `${imported.module} used outside functions/adapters: reach AWS through a port (functions/adapters/ports.ts)`,
            );
          }
        } else if (ts.isPropertyAccessExpression(node)) {
          // kube.getNode
          const symbol = checker.getSymbolAtLocation(node.name);
          const member = symbol && portMemberOf(symbol);
          if (member) used.add(member);
        } else if (ts.isElementAccessExpression(node)) {
          // kube['getNode'], kube[method] with a literal-typed key; any other key is refused.
          const port = portOfNode(node.expression);
          if (port && portInterfaces.has(port)) {
            for (const member of membersByKey(node.expression, node.argumentExpression, node, port)) {
              used.add(member);
            }
          }
        } else if (ts.isCallExpression(node)) {
          const alias = portAliasOf(checker.getTypeAtLocation(node.expression));
          if (alias) used.add(alias);
        } else if (ts.isBindingElement(node) && ts.isObjectBindingPattern(node.parent)) {
          // const { getNode } = kube; const { [method]: call } = kube with a literal-typed key.
          const port = portOfNode(node.parent);
          if (port && node.dotDotDotToken) {
            refuse(node, `a rest element takes the ${port} port's members: destructure them by name`);
          }
          const key = node.propertyName ?? node.name;
          if (ts.isIdentifier(key)) {
            const property = checker.getTypeAtLocation(node.parent).getProperty(key.text);
            const member = property && portMemberOf(property);
            if (member) used.add(member);
          } else if (port && ts.isComputedPropertyName(key)) {
            for (const member of membersByKey(node.parent, key.expression, node, port)) used.add(member);
          }
        }
      },
    );
    lambdas[name] = sorted(used);
  }

  // ------------------------------------------------------------------ 2. port members → actions
  const portActions: Record<string, string[]> = {};
  const kubeCalls: Record<string, KubeCall[]> = {};

  const portReturnedBy = (node: ts.Node): string | undefined => {
    const signature = checker.getSignaturesOfType(checker.getTypeAtLocation(node), ts.SignatureKind.Call)[0];
    if (!signature) return undefined;
    return portOfType(signature.getReturnType());
  };

  /** The object literals a function returns (its own returns, not those of nested functions). */
  const returnedObjects = (fn: ts.FunctionLikeDeclaration): ts.ObjectLiteralExpression[] => {
    const unwrap = (e: ts.Expression): ts.Expression =>
      ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e)
        ? unwrap(e.expression)
        : e;
    const body = fn.body;
    if (!body) return [];
    if (!ts.isBlock(body)) {
      const e = unwrap(body);
      return ts.isObjectLiteralExpression(e) ? [e] : [];
    }
    const found: ts.ObjectLiteralExpression[] = [];
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionLike(node)) return;
      if (ts.isReturnStatement(node) && node.expression) {
        const e = unwrap(node.expression);
        if (ts.isObjectLiteralExpression(e)) found.push(e);
      }
      ts.forEachChild(node, visit);
    };
    ts.forEachChild(body, visit);
    return found;
  };

  /** A string property's literal type (`'nodes'` of a constant), undefined when only `string` is known. */
  const literalProperty = (type: ts.Type, name: string): string | undefined => {
    const property = type.getProperty(name);
    if (!property) return undefined;
    const propertyType = checker.getNonNullableType(checker.getTypeOfSymbol(property));
    return propertyType.isStringLiteral() ? propertyType.value : undefined;
  };

  /**
   * `client.patch(NODES, …)` on our Kubernetes client → `{ verb: 'patch', resource: 'nodes' }`; the
   * resource is read from the first argument's type (`pods/eviction` with a subresource) and is '*'
   * when only the runtime knows it (a kind resolved from an apiVersion).
   */
  const kubeCallAt = (node: ts.CallExpression, callee: ts.PropertyAccessExpression): KubeCall | undefined => {
    const symbol = checker.getTypeAtLocation(callee.expression).getSymbol();
    const declared = symbol?.declarations?.some(
      (d) => d.getSourceFile().fileName === join(root, KUBE_CLIENT.file),
    );
    if (symbol?.name !== KUBE_CLIENT.className || !declared) return undefined;
    const verb = KUBE_VERBS[callee.name.text];
    if (!verb) return undefined;
    const argument = node.arguments[0];
    if (!argument) throw new Error(`${callee.getText()}: a Kubernetes call names no resource`);
    const type = checker.getTypeAtLocation(argument);
    const group = literalProperty(type, 'group') ?? '*';
    const resource = literalProperty(type, 'resource');
    const subresource = literalProperty(type, 'subresource');
    if (resource === undefined) return { verb, group, resource: '*' };
    return { verb, group, resource: subresource ? `${resource}/${subresource}` : resource };
  };

  /** Every port factory: none is followed into from another (each port is accounted on its own). */
  const factoryDeclarations = new Set<ts.Node>();

  /** Every `new <Op>Command(…)` / `paginate<Op>(…)` some port member reaches. */
  const reachedSends = new Set<ts.Node>();

  /** The IAM action a `new`/call site sends, if it is an SDK command or paginator. */
  const sendAt = (node: ts.Node): string | undefined => {
    if (!ts.isNewExpression(node) && !ts.isCallExpression(node)) return undefined;
    const imported = importOf(node.expression);
    return imported && awsActionOf(imported.module, imported.name, ts.isNewExpression(node) ? 'new' : 'call');
  };

  const collectCalls = (entry: ts.Node): { actions: Set<string>; kube: KubeCall[] } => {
    const actions = new Set<string>();
    const kube = new Map<string, KubeCall>();
    walk(
      [entry],
      (declaration) =>
        !factoryDeclarations.has(declaration) &&
        declaration.getSourceFile().fileName.startsWith(`${adaptersDir}/`) &&
        declaration.getSourceFile().fileName !== portsFile,
      (node) => {
        refuseUnfollowable(node);
        const action = sendAt(node);
        if (action) {
          actions.add(action);
          reachedSends.add(node);
        } else if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
          const call = kubeCallAt(node, node.expression);
          if (call) kube.set(`${call.verb} ${call.group}/${call.resource}`, call);
        }
      },
    );
    return {
      actions,
      kube: [...kube.values()].sort(
        (a, b) => a.verb.localeCompare(b.verb) || a.resource.localeCompare(b.resource),
      ),
    };
  };

  const factories: { declaration: ts.Node; fn: ts.FunctionLikeDeclaration; port: string }[] = [];
  for (const file of adapterFiles) {
    if (file === portsFile) continue;
    const source = program.getSourceFile(file);
    if (!source) continue;
    const candidates: { declaration: ts.Node; fn: ts.FunctionLikeDeclaration }[] = [];
    for (const statement of source.statements) {
      if (ts.isFunctionDeclaration(statement) && statement.name) {
        candidates.push({ declaration: statement, fn: statement });
      } else if (ts.isVariableStatement(statement)) {
        for (const d of statement.declarationList.declarations) {
          if (
            d.initializer &&
            (ts.isArrowFunction(d.initializer) || ts.isFunctionExpression(d.initializer))
          ) {
            candidates.push({ declaration: d, fn: d.initializer });
          }
        }
      }
    }
    for (const candidate of candidates) {
      const port = portReturnedBy(candidate.fn);
      if (!port) continue;
      factories.push({ ...candidate, port });
      factoryDeclarations.add(candidate.declaration);
    }
  }
  const record = (member: string, { actions, kube }: ReturnType<typeof collectCalls>): void => {
    portActions[member] = sorted([...(portActions[member] ?? []), ...actions]);
    if (kube.length > 0) kubeCalls[member] = [...(kubeCalls[member] ?? []), ...kube];
  };
  for (const { fn, port } of factories) {
    if (portAliases.has(port)) {
      // A callable port: calling it is the one member; its whole body is its implementation.
      record(port, collectCalls(fn.body ?? fn));
      continue;
    }
    for (const object of returnedObjects(fn)) {
      for (const property of object.properties) {
        if (property.name && ts.isIdentifier(property.name)) {
          record(`${port}.${property.name.text}`, collectCalls(property));
        }
      }
    }
  }

  // A command an adapter sends outside every port member (a client used by the composition, a
  // helper no member calls) would run with no action granted for it: refused.
  for (const file of adapterFiles) {
    const source = program.getSourceFile(file);
    if (!source || file === portsFile) continue;
    const visit = (node: ts.Node): void => {
      refuseUnfollowable(node);
      const action = sendAt(node);
      if (action && !reachedSends.has(node)) {
        refuse(
          node,
          `${action} is sent outside every port member: send it from a member of a port's adapter`,
        );
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }

  const missing = sorted(Object.values(lambdas).flat()).filter((member) => !(member in portActions));
  if (missing.length > 0) {
    throw new Error(`no adapter in functions/adapters implements ${missing.join(', ')}`);
  }
  return {
    lambdas,
    portActions: Object.fromEntries(Object.entries(portActions).sort(([a], [b]) => a.localeCompare(b))),
    kubeCalls,
    depsKeys,
  };
};

/**
 * Per Lambda: the `TaskDeps` properties holding the ports its code uses (`KubeApi` members are
 * reached through `kubeFor`, a `KubeApiFactory`, which the code then uses as well).
 */
const lambdaDeps = (derivation: Derivation): Record<string, string[]> =>
  Object.fromEntries(
    Object.entries(derivation.lambdas).map(([name, ports]) => [
      name,
      sorted(ports.flatMap((p) => derivation.depsKeys[p.split('.')[0]!] ?? [])),
    ]),
  );

/** Per Lambda: its port members and the union of their AWS actions. */
const lambdaPermissions = (
  derivation: Derivation,
): Record<string, { ports: string[]; actions: string[]; kubernetes: boolean }> =>
  Object.fromEntries(
    Object.entries(derivation.lambdas).map(([name, ports]) => [
      name,
      {
        ports,
        actions: sorted(ports.flatMap((p) => derivation.portActions[p] ?? [])),
        // Calling the Kubernetes API needs the EKS access entry (and the Lambda's own Kubernetes group).
        kubernetes: ports.some((p) => p.startsWith('KubeApi.') || p === 'KubeApiFactory'),
      },
    ]),
  );

/** The text of functions/composition/lambda-deps.ts (the runtime's share; the runtime never imports deploy/). */
const renderLambdaDeps = (derivation: Derivation): string => `/**
 * GENERATED from the code by deploy/iam-derivation.ts — do not edit; regenerate with
 *
 *   npx tsx deploy/iam-derivation.ts --write
 *
 * Per Lambda: the \`TaskDeps\` properties holding the ports its code uses. Its handler wires exactly
 * these (functions/composition/lambda-handler.ts checks it at compile time), so its bundle holds only
 * their adapters. test/unit/deploy/iam-derivation.test.ts fails when this file and the code disagree.
 */

export const LAMBDA_DEPS = ${JSON.stringify(lambdaDeps(derivation), null, 2)} as const;

/** Lambda name → the union of its \`TaskDeps\` port properties (never: it uses no port). */
export type LambdaDeps = { readonly [L in keyof typeof LAMBDA_DEPS]: (typeof LAMBDA_DEPS)[L][number] };
`;

/** The text of deploy/task-iam.ts for this derivation. */
const renderTaskIam = (derivation: Derivation): string => {
  const permissions = lambdaPermissions(derivation);
  const portActions = Object.fromEntries(
    Object.entries(derivation.portActions).filter(([, actions]) => actions.length > 0),
  );
  return `/**
 * GENERATED from the code by deploy/iam-derivation.ts — do not edit; regenerate with
 *
 *   npx tsx deploy/iam-derivation.ts --write
 *
 * Per Lambda: the port members its code uses (read from functions/handlers → functions/tasks) and
 * the AWS actions the adapters send for them (read from functions/adapters). sst.config.ts grants
 * exactly these actions, each scoped to our resources; test/unit/deploy fails when this file and the
 * code disagree. Review a change here as a change of permissions.
 */

export interface TaskIam {
  /** Port members the Lambda's code uses. */
  readonly ports: readonly string[];
  /** AWS IAM actions the adapters send for those members. */
  readonly actions: readonly string[];
  /** Calls the Kubernetes API: eks:DescribeCluster + an EKS access entry for its own Kubernetes group. */
  readonly kubernetes: boolean;
}

export const TASK_IAM: Readonly<Record<string, TaskIam>> = ${JSON.stringify(permissions, null, 2)};

/** Port member → the AWS IAM actions its adapter sends (members that send none are omitted). */
export const PORT_ACTIONS: Readonly<Record<string, readonly string[]>> = ${JSON.stringify(portActions, null, 2)};
`;
};

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const derivation = deriveTaskPermissions();
  if (process.argv.includes('--write')) {
    const outputs: [string, string][] = [
      ['deploy/task-iam.ts', renderTaskIam(derivation)],
      ['functions/composition/lambda-deps.ts', renderLambdaDeps(derivation)],
    ];
    for (const [path, text] of outputs) {
      const out = join(DEFAULT_ROOT, path);
      writeFileSync(out, text);
      execFileSync('npx', ['biome', 'format', '--write', out], { cwd: DEFAULT_ROOT, stdio: 'inherit' });
      process.stdout.write(`wrote ${out}\n`);
    }
  } else {
    process.stdout.write(`${JSON.stringify(derivation, null, 2)}\n`);
  }
}

export type { Derivation, KubeCall };
export { deriveTaskPermissions, lambdaDeps, lambdaPermissions, renderLambdaDeps, renderTaskIam };
