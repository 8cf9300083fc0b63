/**
 * The state machines: each with the ASL of state-machines/ (deployed ARNs filled in), a role only
 * that machine may assume, and a policy that invokes its own Lambdas and starts the machines it starts.
 */
import { MACHINES, machineFunctions, machineStarts } from '#state-machines/registry.ts';
import { assume, checkName, type PlanContext } from './names.ts';
import type { MachinePlan } from './types.ts';

export const planMachines = (context: PlanContext): MachinePlan[] => {
  const { prefix, machineNames, machineArns, functionArns, definitions } = context;
  const { account } = context.env;
  const machines: MachinePlan[] = MACHINES.map((machine) => {
    const stateMachineName = machineNames[machine.name]!;
    const starts = machineStarts(machine);
    return {
      name: machine.name,
      stateMachineName,
      arn: machineArns[machine.name]!,
      roleName: checkName('role', `${prefix}-sfn-${machine.name}`),
      trust: assume('states', {
        StringEquals: { 'aws:SourceAccount': account },
        ArnEquals: { 'aws:SourceArn': machineArns[machine.name]! },
      }),
      logGroupName: `/aws/vendedlogs/states/${stateMachineName}`,
      definition: definitions[machine.name]!,
      policy: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'InvokeOwnTasks',
            Effect: 'Allow',
            Action: ['lambda:InvokeFunction'],
            Resource: machineFunctions(machine)
              .map((fn) => functionArns[fn]!)
              .sort(),
          },
          ...(starts.length > 0
            ? [
                {
                  Sid: 'StartOwnMachines',
                  Effect: 'Allow' as const,
                  Action: ['states:StartExecution'],
                  Resource: starts.map((m) => machineArns[m]!).sort(),
                },
              ]
            : []),
          // Step Functions delivers logs through CloudWatch Logs' vended-log API, whose actions
          // accept only "*" (Step Functions developer guide, "IAM policies for logging").
          {
            Sid: 'LogDelivery',
            Effect: 'Allow',
            Action: [
              'logs:CreateLogDelivery',
              'logs:DeleteLogDelivery',
              'logs:DescribeLogGroups',
              'logs:DescribeResourcePolicies',
              'logs:GetLogDelivery',
              'logs:ListLogDeliveries',
              'logs:PutResourcePolicy',
              'logs:UpdateLogDelivery',
            ],
            Resource: ['*'],
          },
          // X-Ray accepts no resource for these actions.
          {
            Sid: 'Tracing',
            Effect: 'Allow',
            Action: [
              'xray:GetSamplingRules',
              'xray:GetSamplingTargets',
              'xray:PutTelemetryRecords',
              'xray:PutTraceSegments',
            ],
            Resource: ['*'],
          },
        ],
      },
    };
  });

  return machines;
};
