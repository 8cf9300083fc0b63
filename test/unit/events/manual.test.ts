import { describe, expect, it } from 'vitest';
import { MANUAL_ACTIONS, manualRecoveryInputJsonSchema, manualRecoveryInputSchema } from '#events/manual.ts';
import { getTestEvent } from '#events/samples/index.ts';

describe('Manual recovery input schema', () => {
  it.each(['recover-instance', 'recover-node-name'])('parses the sample %s', (name) => {
    // Act
    const result = manualRecoveryInputSchema.safeParse(getTestEvent({ source: 'manual', name }));

    // Assess
    expect(result.error?.issues).toBeUndefined();
  });

  it('defaults action to auto and requestedBy to console', () => {
    // Act
    const input = manualRecoveryInputSchema.parse({
      clusterName: 'ml-cluster',
      instanceId: 'i-0abc1234',
      reason: 'r',
    });

    // Assess
    expect(input).toStrictEqual({
      clusterName: 'ml-cluster',
      instanceId: 'i-0abc1234',
      reason: 'r',
      action: 'auto',
      requestedBy: 'console',
    });
  });

  it.each<{ case: string; input: Record<string, unknown>; path: string }>([
    { case: 'both node names', input: { instanceId: 'i-0abc1234', nodeName: 'n1' }, path: '' },
    { case: 'no node', input: {}, path: '' },
    { case: 'unknown key', input: { instanceId: 'i-0abc1234', force: true }, path: '' },
    { case: 'bad instance id', input: { instanceId: 'i-XYZ' }, path: 'instanceId' },
    { case: 'bad node name', input: { nodeName: 'Node_1' }, path: 'nodeName' },
    {
      case: 'bad cluster name',
      input: { instanceId: 'i-0abc1234', clusterName: 'ml cluster' },
      path: 'clusterName',
    },
    {
      case: 'requestedBy too long',
      input: { instanceId: 'i-0abc1234', requestedBy: 'x'.repeat(257) },
      path: 'requestedBy',
    },
  ])('rejects an invalid request ($case)', ({ input, path }) => {
    // Act
    const result = manualRecoveryInputSchema.safeParse({ clusterName: 'ml-cluster', reason: 'r', ...input });

    // Assess
    expect(result.error?.issues.map((i) => i.path.join('.'))).toStrictEqual([path]);
  });

  it('documents the request as JSON Schema, exactly-one-of rule included', () => {
    // Assess
    expect(manualRecoveryInputJsonSchema).toMatchObject({
      type: 'object',
      additionalProperties: false,
      required: ['clusterName', 'reason'],
      oneOf: [{ required: ['instanceId'] }, { required: ['nodeName'] }],
      properties: {
        action: { enum: [...MANUAL_ACTIONS], default: 'auto' },
        requestedBy: { default: 'console' },
      },
    });
  });
});
