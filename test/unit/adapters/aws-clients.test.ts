import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EKSClient } from '@aws-sdk/client-eks';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { awsClients } from '#adapters/aws-clients.ts';

describe('Function: awsClients', () => {
  it('creates the clients of a region once and hands the same ones out again', async () => {
    // Act
    const first = awsClients('eu-north-1');
    const again = awsClients('eu-north-1');

    // Assess
    expect(again).toBe(first);
    expect(first.sagemaker).toBeInstanceOf(SageMakerClient);
    expect(first.eks).toBeInstanceOf(EKSClient);
    expect(first.sns).toBeInstanceOf(SNSClient);
    expect(await first.eks.config.region()).toBe('eu-north-1');
  });

  it('passes every SDK client through the capture hook, e.g. for tracing', () => {
    // Prepare
    const captured: unknown[] = [];

    // Act
    awsClients('ap-south-2', {
      capture: (client) => {
        captured.push(client);
        return client;
      },
    });

    // Assess
    expect(captured.map((client) => (client as object).constructor)).toEqual([
      SageMakerClient,
      EKSClient,
      DynamoDBClient,
      SNSClient,
    ]);
  });
});
