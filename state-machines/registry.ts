/**
 * Every state machine we deploy, as plain data: its name, its definition builder, the Lambdas its
 * Task states call, the machines its `states:startExecution` states start, and what starts it.
 * `sst.config.ts` loops over this list (one `aws.sfn.StateMachine`, role and log group per entry;
 * one Lambda per function named here, from `functions/handlers/<name>.ts`), so a new machine is
 * deployed by adding an entry here — never by editing the deploy. No SST or Pulumi in here: the
 * tests and `local/` import the very same objects (G8, G9).
 */
import type { AppConfig } from '#contracts/config/app.ts';
import { HEALTH_CHECK_START_EXECUTION_STATES, HEALTH_CHECK_TASKS } from './health-check.contract.ts';
import { healthCheckDefinition } from './health-check.ts';
import { HEALTH_SWEEP_START_EXECUTION_STATES, HEALTH_SWEEP_TASKS } from './health-sweep.contract.ts';
import { healthSweepDefinition, sweepScheduleExpression } from './health-sweep.ts';
import { JOB_RESUME_TASKS } from './job-resume.contract.ts';
import { jobResumeDefinition } from './job-resume.ts';
import { NODE_RECOVERY_TASKS } from './node-recovery.contract.ts';
import { nodeRecoveryDefinition } from './node-recovery.ts';

type Json = Record<string, unknown>;

const MACHINE_NAMES = ['node-recovery', 'health-check', 'health-sweep', 'job-resume'] as const;
type MachineName = (typeof MACHINE_NAMES)[number];

/** What a definition needs from the deploy (or from the local runner): ARNs by our names. */
interface MachineRefs {
  /** Lambda ARN by function name (`admit-incident`, …); must hold every function of the machine. */
  functionArns: Readonly<Record<string, string>>;
  /** State-machine ARN by machine name; must hold every machine this one starts. */
  machineArns: Readonly<Record<string, string>>;
}

interface MachineEntry {
  name: MachineName;
  description: string;
  /** The JSONPath ASL object, with the given ARNs. */
  definition: (refs: MachineRefs) => Json;
  /** Task state → Lambda function name (states inside Map item processors included). */
  tasks: Readonly<Record<string, string>>;
  /** `arn:aws:states:::states:startExecution` Task state → the machine it starts. */
  starts: Readonly<Record<string, MachineName>>;
  /** What starts it besides a person: the EventBridge rules of events/rules.ts, or a schedule. */
  triggers: {
    /** The rules whose `target` is this machine start it. */
    events?: true;
    /** An EventBridge schedule expression from the app config. */
    schedule?: (app: AppConfig) => string;
  };
}

/** The ARNs of `names` from `arns`, or a clear error naming what is missing. */
const pick = <N extends string>(
  arns: Readonly<Record<string, string>>,
  names: readonly N[],
  what: string,
): Record<N, string> => {
  const missing = names.filter((n) => !arns[n]);
  if (missing.length > 0) throw new Error(`missing ${what} ARN(s): ${missing.join(', ')}`);
  return Object.fromEntries(names.map((n) => [n, arns[n]])) as Record<N, string>;
};

const functionsOf = (tasks: Readonly<Record<string, string>>): string[] => [...new Set(Object.values(tasks))];

const MACHINES: readonly MachineEntry[] = [
  {
    name: 'node-recovery',
    description: 'One execution per node incident: quarantine, suspend, reboot/replace, verify, resume',
    tasks: NODE_RECOVERY_TASKS,
    starts: {},
    triggers: { events: true },
    definition: (refs) =>
      nodeRecoveryDefinition({
        functionArns: pick(refs.functionArns, functionsOf(NODE_RECOVERY_TASKS), 'function') as never,
      }),
  },
  {
    name: 'health-check',
    description: 'Quick checks (a Job on the node) or the HyperPod deep health check of one node',
    tasks: HEALTH_CHECK_TASKS,
    starts: HEALTH_CHECK_START_EXECUTION_STATES,
    triggers: {},
    definition: (refs) =>
      healthCheckDefinition({
        functionArns: pick(refs.functionArns, functionsOf(HEALTH_CHECK_TASKS), 'function') as never,
        nodeRecoveryArn: pick(refs.machineArns, ['node-recovery'], 'state machine')['node-recovery'],
      }),
  },
  {
    name: 'health-sweep',
    description: 'Scheduled inventory: findings start node-recovery, stale state is repaired',
    tasks: HEALTH_SWEEP_TASKS,
    starts: HEALTH_SWEEP_START_EXECUTION_STATES,
    triggers: { schedule: (app) => sweepScheduleExpression(app.sweep.rateMinutes) },
    definition: (refs) => {
      const machines = pick(refs.machineArns, ['node-recovery', 'health-check'], 'state machine');
      return healthSweepDefinition({
        functionArns: pick(refs.functionArns, functionsOf(HEALTH_SWEEP_TASKS), 'function') as never,
        nodeRecoveryArn: machines['node-recovery'],
        healthCheckArn: machines['health-check'],
      });
    },
  },
  {
    name: 'job-resume',
    description: 'Resume given jobs, or every job we hold suspended in a cluster (started by a person)',
    tasks: JOB_RESUME_TASKS,
    starts: {},
    triggers: {},
    definition: (refs) =>
      jobResumeDefinition({
        functionArns: pick(refs.functionArns, functionsOf(JOB_RESUME_TASKS), 'function') as never,
      }),
  },
];

/** The Lambda function names a machine calls, each once. */
const machineFunctions = (machine: MachineEntry): string[] => functionsOf(machine.tasks);

/** The machines another machine starts, each once. */
const machineStarts = (machine: MachineEntry): MachineName[] => [...new Set(Object.values(machine.starts))];

/** Every Lambda function of every machine, each once, sorted. */
const allFunctions = (): string[] => [...new Set(MACHINES.flatMap(machineFunctions))].sort();

const findMachine = (name: string): MachineEntry => {
  const machine = MACHINES.find((m) => m.name === name);
  if (!machine) throw new Error(`unknown state machine ${name}`);
  return machine;
};

export type { MachineEntry, MachineName, MachineRefs };
export { allFunctions, findMachine, MACHINE_NAMES, MACHINES, machineFunctions, machineStarts };
