import type * as z from 'zod';
import { InvalidInputError } from '#contracts/errors.ts';

/** Validates task input against its contract schema; a mismatch is a terminal InvalidInputError. */
export const parseInput = <S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> => {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new InvalidInputError(
      `invalid ${what}`,
      result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    );
  }
  return result.data;
};
