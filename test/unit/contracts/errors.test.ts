import { describe, expect, it } from 'vitest';
import { ErrorNames, InvalidInputError, NodeBusyError, RETRYABLE_ERRORS } from '#contracts/errors.ts';

describe('Errors', () => {
  it('names each error after its ASL vocabulary entry', () => {
    // Act
    const error = new NodeBusyError('busy');

    // Assess
    expect(error.name).toBe(ErrorNames.NodeBusy);
    expect(error.retryable).toBe(true);
    expect(RETRYABLE_ERRORS).toContain(error.name);
  });

  it('lists every validation issue in the message of an InvalidInputError', () => {
    // Act
    const error = new InvalidInputError('bad input', [{ path: 'detail.InstanceId', message: 'required' }]);

    // Assess
    expect(error.message).toBe('bad input: detail.InstanceId: required');
    expect(RETRYABLE_ERRORS).not.toContain(error.name);
  });
});
