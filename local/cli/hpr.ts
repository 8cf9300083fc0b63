#!/usr/bin/env node
/**
 * hpr — the hyperpod-resilience CLI.
 *   hpr demo [--json]                      offline: the whole story on a simulated cluster
 *   hpr simulate <scenario.json> [--json]  offline: replay a scenario, report what happened
 *   hpr help
 * Run through npm (`npm run hpr -- …`) so Node 22 from node_modules is used.
 */
import { demoScenario } from './demo.ts';
import { loadScenario, ScenarioError } from './scenario.ts';
import { runScenario, type SimulationReport } from './simulate.ts';
import { reportText } from './timeline.ts';

const USAGE = `usage:
  hpr demo [--json]                       run the offline demo (real kube-apiserver + HyperPod simulator)
  hpr simulate <scenario.json> [--json]   run a scenario offline and report every incident
  hpr help`;

const print = (report: SimulationReport, json: boolean) =>
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${reportText(report)}\n`);

const main = async (argv: string[]): Promise<number> => {
  const json = argv.includes('--json');
  const args = argv.filter((a) => a !== '--json');
  const [command, ...rest] = args;
  const log = json ? () => {} : (line: string) => process.stderr.write(`· ${line}\n`);
  switch (command) {
    case 'demo': {
      const report = await runScenario(demoScenario(), { log });
      print(report, json);
      return report.incidents.every((i) => i.status === 'resolved') ? 0 : 1;
    }
    case 'simulate': {
      const [file] = rest;
      if (!file) {
        process.stderr.write(`hpr simulate: missing scenario file\n${USAGE}\n`);
        return 2;
      }
      const scenario = await loadScenario(file);
      print(await runScenario(scenario, { log }), json);
      return 0;
    }
    case 'help':
    case '--help':
    case undefined:
      process.stdout.write(`${USAGE}\n`);
      return command ? 0 : 2;
    default:
      process.stderr.write(`hpr: unknown command ${command}\n${USAGE}\n`);
      return 2;
  }
};

// Exit explicitly once done: HTTP keep-alive agents of the SDK and Kubernetes clients must not
// hold a finished CLI open.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const text =
      error instanceof ScenarioError
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    process.stderr.write(`hpr: ${text}\n`);
    process.exit(error instanceof ScenarioError ? 2 : 1);
  },
);
