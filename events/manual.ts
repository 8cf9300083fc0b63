/**
 * The manual node-recovery request a person gives to the console or `hpr recover`.
 *
 * ```jsonc
 * {
 *   "clusterName": "ml-cluster",          // required: a configured HyperPod cluster name
 *   "instanceId": "i-0391f86fa0fe0d465",  // exactly one of instanceId / nodeName
 *   "nodeName": "hyperpod-i-0391f86fa0fe0d465",
 *   "action": "auto",                     // auto (the policy decides) | reboot | replace; default auto
 *   "reason": "NCCL hangs on this node",  // required, 1-512 characters (trimmed)
 *   "requestedBy": "alice@example.com"    // 1-256 characters (trimmed); default "console"
 * }
 * ```
 *
 * Unknown keys are rejected: a misspelt `instanceID` must fail, not be silently ignored.
 * `manualRecoveryInputJsonSchema` is the same contract as JSON Schema (for forms and docs).
 * Examples: `events/samples/manual/*.json`.
 */
import * as z from 'zod';
import { CLUSTER_NAME, INSTANCE_ID, NODE_NAME } from '#contracts/config/ids.ts';

const MANUAL_ACTIONS = ['auto', 'reboot', 'replace'] as const;
type ManualAction = (typeof MANUAL_ACTIONS)[number];

/** The node a person names in any console input: a cluster plus an instance id or a node name. */
const nodeTargetFields = {
  clusterName: z
    .string()
    .regex(CLUSTER_NAME, 'a HyperPod cluster name (1-63 alphanumerics or hyphens)')
    .describe('HyperPod cluster name, as configured'),
  instanceId: z
    .string()
    .regex(INSTANCE_ID, 'an EC2 instance id (i- followed by 8-17 lowercase hex digits)')
    .optional()
    .describe('EC2 instance id of the node; give this or nodeName'),
  nodeName: z
    .string()
    .max(253)
    .regex(NODE_NAME, 'a Kubernetes node name')
    .optional()
    .describe('Kubernetes node name; give this or instanceId'),
};

const manualRecoveryInputSchema = z
  .strictObject({
    ...nodeTargetFields,
    action: z
      .enum(MANUAL_ACTIONS)
      .default('auto')
      .describe('auto lets the policy decide; reboot or replace asks for that action'),
    reason: z.string().trim().min(1).max(512).describe('why the node needs recovery (1-512 characters)'),
    requestedBy: z
      .string()
      .trim()
      .min(1)
      .max(256)
      .default('console')
      .describe('who asked (1-256 characters; hpr records the caller AWS ARN)'),
  })
  .superRefine((input, ctx) => {
    const given = [input.instanceId, input.nodeName].filter((v) => v !== undefined).length;
    if (given !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: `give exactly one of instanceId or nodeName (got ${given === 0 ? 'neither' : 'both'})`,
      });
    }
  })
  .describe('Manual node-recovery request');
type ManualRecoveryInput = z.output<typeof manualRecoveryInputSchema>;
type ManualRecoveryInputShape = z.input<typeof manualRecoveryInputSchema>;

/** JSON Schema of the request, with the exactly-one-of rule that zod cannot express in it. */
const manualRecoveryInputJsonSchema: Readonly<Record<string, unknown>> = Object.freeze({
  ...z.toJSONSchema(manualRecoveryInputSchema, { io: 'input' }),
  oneOf: [{ required: ['instanceId'] }, { required: ['nodeName'] }],
});

export type { ManualAction, ManualRecoveryInput, ManualRecoveryInputShape };
export { MANUAL_ACTIONS, manualRecoveryInputJsonSchema, manualRecoveryInputSchema, nodeTargetFields };
