/**
 * The contract between the `job-resume` ASL and its Lambdas: state names, the Lambda behind each
 * Task, the console input (documented in the README, "Manual resume") and each task's input and
 * output. Both the definition (job-resume.ts) and the tasks (functions/tasks/job-resume.ts)
 * import it.
 *
 * Console input — resume the given jobs:
 * ```jsonc
 * {
 *   "clusterName": "ml-cluster",                       // required: a configured HyperPod cluster
 *   "jobs": [                                          // 1-100 jobs; give this or "all"
 *     { "kind": "PyTorchJob", "namespace": "ml", "name": "llama-70b" }
 *   ],
 *   "reason": "node replaced by hand; resume now",     // required, 1-512 characters
 *   "requestedBy": "alice@example.com"                 // optional, default "console"
 * }
 * ```
 * or every job we hold suspended in the cluster: `{ "clusterName": "ml-cluster", "all": true,
 * "reason": "…" }`. Unknown keys are rejected.
 */
import * as z from 'zod';
import { CLUSTER_NAME } from '#contracts/config/ids.ts';
import { WORKLOAD_KIND_NAMES } from '#contracts/workload-kinds.ts';

export const JobResumeStates = {
  PlanJobResume: 'PlanJobResume',
  ResumeJobs: 'ResumeJobs',
  ResumeJob: 'ResumeJob',
  ResumeJobFailed: 'ResumeJobFailed',
  RecordJobResume: 'RecordJobResume',
  IsJobResumeComplete: 'IsJobResumeComplete',
  Done: 'Done',
  JobResumeIncomplete: 'JobResumeIncomplete',
} as const;
export type JobResumeState = (typeof JobResumeStates)[keyof typeof JobResumeStates];

export const JobResumeFunctions = {
  planJobResume: 'plan-job-resume',
  resumeJob: 'resume-job',
  recordJobResume: 'record-job-resume',
} as const;
export type JobResumeFunction = (typeof JobResumeFunctions)[keyof typeof JobResumeFunctions];

/** Task state → Lambda (ResumeJob runs inside the Map's item processor). */
export const JOB_RESUME_TASKS: Record<string, JobResumeFunction> = {
  [JobResumeStates.PlanJobResume]: JobResumeFunctions.planJobResume,
  [JobResumeStates.ResumeJob]: JobResumeFunctions.resumeJob,
  [JobResumeStates.RecordJobResume]: JobResumeFunctions.recordJobResume,
};

/** Error name of the final Fail state when some job could not be resumed. */
export const JOB_RESUME_INCOMPLETE_ERROR = 'JobResumeIncomplete';

/** Kubernetes namespace names (DNS label). */
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** Kubernetes object names (DNS subdomain). */
const OBJECT_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

const jobSchema = z
  .strictObject({
    kind: z.enum(WORKLOAD_KIND_NAMES).describe(WORKLOAD_KIND_NAMES.join(', ')),
    namespace: z.string().regex(NAMESPACE, 'a Kubernetes namespace name').describe('namespace of the job'),
    name: z.string().max(253).regex(OBJECT_NAME, 'a Kubernetes object name').describe('name of the job'),
  })
  .describe('one job by kind, namespace and name');

export const jobResumeInputSchema = z
  .strictObject({
    clusterName: z
      .string()
      .regex(CLUSTER_NAME, 'a HyperPod cluster name (1-63 alphanumerics or hyphens)')
      .describe('HyperPod cluster name, as configured'),
    jobs: z.array(jobSchema).min(1).max(100).optional().describe('the jobs to resume (1-100); or give all'),
    all: z.literal(true).optional().describe('true: every job we hold suspended in the cluster'),
    reason: z.string().trim().min(1).max(512).describe('why (1-512 characters), kept in the record'),
    requestedBy: z
      .string()
      .trim()
      .min(1)
      .max(256)
      .default('console')
      .describe('who asked (1-256 characters; hpr records the caller AWS ARN)'),
  })
  .superRefine((input, ctx) => {
    const given = (input.jobs ? 1 : 0) + (input.all ? 1 : 0);
    if (given !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: `give exactly one of jobs or all (got ${given === 0 ? 'neither' : 'both'})`,
      });
    }
  })
  .describe('Manual job-resume request');
export type JobResumeInput = z.output<typeof jobResumeInputSchema>;
export type JobResumeInputShape = z.input<typeof jobResumeInputSchema>;

/** The same contract as JSON Schema (console forms, docs), with the exactly-one-of rule. */
export const jobResumeInputJsonSchema: Readonly<Record<string, unknown>> = Object.freeze({
  ...z.toJSONSchema(jobResumeInputSchema, { io: 'input' }),
  oneOf: [{ required: ['jobs'] }, { required: ['all'] }],
});

/** What PlanJobResume receives: the console input plus execution context. */
export const planJobResumeInputSchema = z.object({
  input: z.unknown(),
  executionName: z.string().min(1).max(80),
  startedAt: z.string(),
});

const workloadRefSchema = z.object({
  kind: z.enum(WORKLOAD_KIND_NAMES),
  apiVersion: z.string(),
  namespace: z.string(),
  name: z.string(),
  uid: z.string().optional(),
});

export const jobResumePlanSchema = z.object({
  requestId: z.string().min(1),
  startedAt: z.string(),
  clusterName: z.string(),
  eksClusterName: z.string(),
  mode: z.enum(['jobs', 'all']),
  reason: z.string(),
  requestedBy: z.string(),
  targets: z.array(workloadRefSchema),
});
export type JobResumePlan = z.infer<typeof jobResumePlanSchema>;

/** One Map item (built by the Map's ItemSelector). */
export const resumeJobInputSchema = z.object({
  requestId: z.string().min(1),
  clusterName: z.string(),
  eksClusterName: z.string(),
  reason: z.string(),
  requestedBy: z.string(),
  ref: workloadRefSchema,
});
export type ResumeJobInput = z.infer<typeof resumeJobInputSchema>;

export const resumeJobResultSchema = z.object({
  ref: z.object({
    kind: z.string(),
    apiVersion: z.string().optional(),
    namespace: z.string(),
    name: z.string(),
    uid: z.string().optional(),
  }),
  outcome: z.enum(['resumed', 'skipped', 'failed']),
  reason: z.string().optional(),
  method: z.enum(['field', 'kueue']).optional(),
  suspendedAt: z.string().optional(),
  resumedAt: z.string().optional(),
  /** Incidents whose hold was released. */
  incidents: z.array(z.string()).optional(),
  /** Set by the Map's Catch: the error that ended this item. */
  error: z.object({ Error: z.string(), Cause: z.string().optional() }).optional(),
});
export type ResumeJobResult = z.infer<typeof resumeJobResultSchema>;

export const recordJobResumeInputSchema = jobResumePlanSchema.extend({
  results: z.array(resumeJobResultSchema),
});

export const jobResumeOutputSchema = z.object({
  requestId: z.string(),
  status: z.enum(['resumed', 'nothing-to-resume', 'incomplete']),
  resumed: z.number().int().min(0),
  skipped: z.number().int().min(0),
  failed: z.number().int().min(0),
});
export type JobResumeOutput = z.infer<typeof jobResumeOutputSchema>;
