/**
 * Which Lambda is running, for the local runner: every task a Task state invokes runs inside
 * `runAsLambda(<function name>, …)`, and whatever it calls (ports, SDK clients, across awaits)
 * can read `currentLambda()`. The derived-policy guard (local/iam-guard.ts) uses it to check each
 * call against that Lambda's policy. Outside a task (test setup, assertions) it is undefined.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const running = new AsyncLocalStorage<string>();

/** Runs `fn` as the Lambda `lambda` (a function name of state-machines/registry.ts). */
export const runAsLambda = <T>(lambda: string, fn: () => T): T => running.run(lambda, fn);

/** The Lambda whose task is running here, if any. */
export const currentLambda = (): string | undefined => running.getStore();
