/**
 * The EventBridge rules (patterns from events/rules.ts, schedules from the registry's
 * `triggers.schedule`), the role per target machine they assume, and the dead-letter queue's policy.
 */
import { buildRules } from '#events/rules.ts';
import { MACHINES } from '#state-machines/registry.ts';
import { assume, checkName, type PlanContext } from './names.ts';
import type { Json, PolicyDocument, RulePlan } from './types.ts';

export interface EventRolePlan {
  roleName: string;
  target: RulePlan['target'];
  trust: Json;
  policy: PolicyDocument;
}

export const planRules = (context: PlanContext): { rules: RulePlan[]; eventRoles: EventRolePlan[] } => {
  const { prefix, arn, machineArns, env } = context;
  const { account } = env;
  const eventRoleName = (target: string) => checkName('role', `${prefix}-events-${target}`);
  const ruleArn = (ruleName: string) => arn('events', `rule/${ruleName}`);
  const rules: RulePlan[] = [
    ...buildRules(context.config.app).map((rule) => {
      const target = MACHINES.find((m) => m.name === rule.target);
      if (!target?.triggers.events) {
        throw new Error(
          `rule ${rule.name} targets ${rule.target}, which the registry does not start from events`,
        );
      }
      const ruleName = checkName('rule', `${rule.name}-${env.stage}`);
      return {
        ruleName,
        arn: ruleArn(ruleName),
        description: rule.description,
        pattern: rule.pattern,
        target: target.name,
        targetArn: machineArns[target.name]!,
        roleName: eventRoleName(target.name),
        // An event keeps its meaning for an hour (a node lease and the dedupe window absorb
        // redeliveries); then it goes to the dead-letter queue.
        retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 },
      };
    }),
    ...MACHINES.flatMap((machine) => {
      const schedule = machine.triggers.schedule?.(context.config.app);
      if (!schedule) return [];
      const ruleName = checkName('rule', `hpr-${machine.name}-${env.stage}`);
      const rateSeconds = context.config.app.sweep.rateMinutes * 60;
      return [
        {
          ruleName,
          arn: ruleArn(ruleName),
          description: `Starts ${machine.name}: ${schedule}`,
          schedule,
          target: machine.name,
          targetArn: machineArns[machine.name]!,
          roleName: eventRoleName(machine.name),
          // A missed run is superseded by the next one.
          retryPolicy: { maximumEventAgeInSeconds: Math.max(60, rateSeconds), maximumRetryAttempts: 3 },
        },
      ];
    }),
  ];
  const eventRoles = [...new Set(rules.map((r) => r.target))].sort().map((target) => ({
    roleName: eventRoleName(target),
    target,
    // Only our rules that target this machine may use the role.
    trust: assume('events', {
      StringEquals: { 'aws:SourceAccount': account },
      ArnEquals: { 'aws:SourceArn': rules.filter((r) => r.target === target).map((r) => r.arn) },
    }),
    policy: {
      Version: '2012-10-17' as const,
      Statement: [
        {
          Sid: 'StartTarget',
          Effect: 'Allow' as const,
          Action: ['states:StartExecution'],
          Resource: [machineArns[target]!],
        },
      ],
    },
  }));

  return { rules, eventRoles };
};

/** Only our rules may send to the dead-letter queue. */
export const deadLetterPolicy = (deadLetterArn: string, rules: readonly RulePlan[]): Json => ({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'OurRulesOnly',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: deadLetterArn,
      Condition: { ArnEquals: { 'aws:SourceArn': rules.map((r) => r.arn) } },
    },
  ],
});
