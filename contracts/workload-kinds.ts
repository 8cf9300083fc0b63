/**
 * The workload kinds we can suspend: the one list the domain's kind table
 * (functions/domain/workload-kinds.ts `WORKLOAD_KINDS`, checked complete by the compiler), the
 * state-machine contracts and the test fakes derive theirs from. An Indexed Job is a batch/v1 Job.
 */
export const WORKLOAD_KIND_NAMES = ['Job', 'PyTorchJob', 'MPIJob', 'JobSet', 'HyperPodPyTorchJob'] as const;

export type WorkloadKind = (typeof WORKLOAD_KIND_NAMES)[number];
