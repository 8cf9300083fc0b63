import { describe, expect, it } from 'vitest';
import { matchesPattern, matchingRules } from '#local/event-matcher.ts';

const event = {
  source: 'aws.sagemaker',
  'detail-type': 'SageMaker HyperPod Cluster Event',
  resources: ['arn:aws:sagemaker:us-west-2:111122223333:cluster/abcdef123456', 'arn:other'],
  detail: {
    state: 'running',
    count: 5,
    ratio: 301.8,
    ok: true,
    nothing: null,
    empty: '',
    list: [],
    file: 'photos/Cat.PNG',
    path: 'usr/lib/node*x',
    nested: { deep: { value: 'x' } },
    tags: ['gpu', 'p5'],
    numbers: [1, 7],
    employees: [
      { first: 'John', last: 'Doe' },
      { first: 'Anna', last: 'Smith' },
    ],
  },
};

describe('Function: matchesPattern', () => {
  it.each<{ case: string; pattern: object; expected: boolean }>([
    // exact values
    { case: 'exact string', pattern: { source: ['aws.sagemaker'] }, expected: true },
    { case: 'exact string, other value', pattern: { source: ['aws.ec2'] }, expected: false },
    {
      case: 'list of alternatives is an OR',
      pattern: { source: ['aws.ec2', 'aws.sagemaker'] },
      expected: true,
    },
    {
      case: 'fields are an AND',
      pattern: { source: ['aws.sagemaker'], 'detail-type': ['other'] },
      expected: false,
    },
    { case: 'exact string is case-sensitive', pattern: { source: ['AWS.SageMaker'] }, expected: false },
    { case: 'exact number', pattern: { detail: { count: [5] } }, expected: true },
    { case: 'number is not its string', pattern: { detail: { count: ['5'] } }, expected: false },
    { case: 'exact boolean', pattern: { detail: { ok: [true] } }, expected: true },
    { case: 'exact boolean, other value', pattern: { detail: { ok: [false] } }, expected: false },
    { case: 'null matches a null value', pattern: { detail: { nothing: [null] } }, expected: true },
    { case: 'null does not match a missing field', pattern: { detail: { absent: [null] } }, expected: false },
    { case: 'empty string', pattern: { detail: { empty: [''] } }, expected: true },
    { case: 'empty string is not null', pattern: { detail: { nothing: [''] } }, expected: false },
    // arrays in the event
    { case: 'event array: any element matches', pattern: { resources: ['arn:other'] }, expected: true },
    { case: 'event array: no element matches', pattern: { resources: ['arn:none'] }, expected: false },
    { case: 'empty event array matches nothing', pattern: { detail: { list: ['x'] } }, expected: false },
    {
      case: 'array of objects, one element',
      pattern: { detail: { employees: { first: ['Anna'] } } },
      expected: true,
    },
    {
      case: 'array of objects, fields of one element',
      pattern: { detail: { employees: { first: ['Anna'], last: ['Smith'] } } },
      expected: true,
    },
    {
      case: 'array of objects, fields of different elements',
      pattern: { detail: { employees: { first: ['Anna'], last: ['Doe'] } } },
      expected: false,
    },
    // nesting
    { case: 'nested objects', pattern: { detail: { nested: { deep: { value: ['x'] } } } }, expected: true },
    {
      case: 'nested under a missing object',
      pattern: { detail: { absent: { deep: ['x'] } } },
      expected: false,
    },
    { case: 'nested under a scalar', pattern: { detail: { state: { deep: ['x'] } } }, expected: false },
    { case: 'leaf list against an object', pattern: { detail: { nested: ['x'] } }, expected: false },
    { case: 'empty pattern', pattern: {}, expected: true },
    // prefix / suffix
    { case: 'prefix', pattern: { resources: [{ prefix: 'arn:aws:sagemaker:' }] }, expected: true },
    { case: 'prefix, no match', pattern: { source: [{ prefix: 'aws.ec' }] }, expected: false },
    { case: 'prefix on a number', pattern: { detail: { count: [{ prefix: '5' }] } }, expected: false },
    {
      case: 'prefix ignoring case',
      pattern: { source: [{ prefix: { 'equals-ignore-case': 'AWS.SAGE' } }] },
      expected: true,
    },
    {
      case: 'prefix ignoring case, no match',
      pattern: { source: [{ prefix: { 'equals-ignore-case': 'AWS.EC2' } }] },
      expected: false,
    },
    { case: 'suffix', pattern: { detail: { file: [{ suffix: '.PNG' }] } }, expected: true },
    {
      case: 'suffix is case-sensitive',
      pattern: { detail: { file: [{ suffix: '.png' }] } },
      expected: false,
    },
    {
      case: 'suffix ignoring case',
      pattern: { detail: { file: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
      expected: true,
    },
    // equals-ignore-case
    {
      case: 'equals-ignore-case',
      pattern: { source: [{ 'equals-ignore-case': 'AWS.SageMaker' }] },
      expected: true,
    },
    {
      case: 'equals-ignore-case, other value',
      pattern: { source: [{ 'equals-ignore-case': 'aws.ec2' }] },
      expected: false,
    },
    // wildcard
    { case: 'wildcard', pattern: { detail: { file: [{ wildcard: 'photos/*.PNG' }] } }, expected: true },
    {
      case: 'wildcard anchors both ends',
      pattern: { detail: { file: [{ wildcard: 'photos/*' }] } },
      expected: true,
    },
    { case: 'wildcard, no match', pattern: { detail: { file: [{ wildcard: '*/dog*' }] } }, expected: false },
    {
      case: 'wildcard with an escaped asterisk',
      pattern: { detail: { path: [{ wildcard: '*/node\\*x' }] } },
      expected: true,
    },
    {
      case: 'escaped asterisk is literal',
      pattern: { detail: { file: [{ wildcard: 'photos/\\*' }] } },
      expected: false,
    },
    {
      case: 'wildcard treats regex characters literally',
      pattern: { detail: { file: [{ wildcard: 'photos.Cat*' }] } },
      expected: false,
    },
    {
      case: 'wildcard with an escaped backslash',
      pattern: { detail: { file: [{ wildcard: 'a\\\\b' }] } },
      expected: false,
    },
    // numeric
    {
      case: 'numeric range',
      pattern: { detail: { count: [{ numeric: ['>', 0, '<=', 5] }] } },
      expected: true,
    },
    {
      case: 'numeric range, outside',
      pattern: { detail: { count: [{ numeric: ['>', 5, '<=', 10] }] } },
      expected: false,
    },
    { case: 'numeric equals', pattern: { detail: { ratio: [{ numeric: ['=', 3.018e2] }] } }, expected: true },
    { case: 'numeric less than', pattern: { detail: { count: [{ numeric: ['<', 5] }] } }, expected: false },
    { case: 'numeric at least', pattern: { detail: { count: [{ numeric: ['>=', 5] }] } }, expected: true },
    {
      case: 'numeric on an event array',
      pattern: { detail: { numbers: [{ numeric: ['>', 6] }] } },
      expected: true,
    },
    { case: 'numeric on a string', pattern: { detail: { state: [{ numeric: ['>', 0] }] } }, expected: false },
    {
      case: 'numeric on a missing field',
      pattern: { detail: { absent: [{ numeric: ['>', 0] }] } },
      expected: false,
    },
    // anything-but
    {
      case: 'anything-but a string',
      pattern: { detail: { state: [{ 'anything-but': 'stopped' }] } },
      expected: true,
    },
    {
      case: 'anything-but that string',
      pattern: { detail: { state: [{ 'anything-but': 'running' }] } },
      expected: false,
    },
    {
      case: 'anything-but a number',
      pattern: { detail: { count: [{ 'anything-but': 5 }] } },
      expected: false,
    },
    {
      case: 'anything-but a list',
      pattern: { detail: { state: [{ 'anything-but': ['stopped', 'running'] }] } },
      expected: false,
    },
    {
      case: 'anything-but a list, other value',
      pattern: { detail: { count: [{ 'anything-but': [1, 2] }] } },
      expected: true,
    },
    {
      case: 'anything-but a prefix',
      pattern: { source: [{ 'anything-but': { prefix: 'aws.' } }] },
      expected: false,
    },
    {
      case: 'anything-but another prefix',
      pattern: { source: [{ 'anything-but': { prefix: 'custom.' } }] },
      expected: true,
    },
    {
      case: 'anything-but a suffix',
      pattern: { detail: { file: [{ 'anything-but': { suffix: '.PNG' } }] } },
      expected: false,
    },
    {
      case: 'anything-but ignoring case',
      pattern: { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['RUNNING'] } }] } },
      expected: false,
    },
    {
      case: 'anything-but ignoring case, single value',
      pattern: { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'STOPPED' } }] } },
      expected: true,
    },
    {
      case: 'anything-but a wildcard',
      pattern: { detail: { file: [{ 'anything-but': { wildcard: '*/Cat*' } }] } },
      expected: false,
    },
    {
      case: 'anything-but a prefix on a number',
      pattern: { detail: { count: [{ 'anything-but': { prefix: 'x' } }] } },
      expected: true,
    },
    {
      case: 'anything-but never matches a missing field',
      pattern: { detail: { absent: [{ 'anything-but': 'x' }] } },
      expected: false,
    },
    {
      case: 'anything-but on an event array',
      pattern: { detail: { tags: [{ 'anything-but': 'gpu' }] } },
      expected: true,
    },
    // exists
    {
      case: 'exists true on a present field',
      pattern: { detail: { state: [{ exists: true }] } },
      expected: true,
    },
    {
      case: 'exists true on a missing field',
      pattern: { detail: { absent: [{ exists: true }] } },
      expected: false,
    },
    {
      case: 'exists true on a null field',
      pattern: { detail: { nothing: [{ exists: true }] } },
      expected: true,
    },
    {
      case: 'exists false on a missing field',
      pattern: { detail: { absent: [{ exists: false }] } },
      expected: true,
    },
    {
      case: 'exists false on a present field',
      pattern: { detail: { state: [{ exists: false }] } },
      expected: false,
    },
    {
      case: 'exists false under a missing object',
      pattern: { detail: { absent: { deeper: [{ exists: false }] } } },
      expected: true,
    },
    {
      case: 'exists false under an empty array',
      pattern: { detail: { list: { deeper: [{ exists: false }] } } },
      expected: true,
    },
    { case: 'exists only sees leaves', pattern: { detail: { nested: [{ exists: true }] } }, expected: false },
    {
      case: 'exists false on an object field',
      pattern: { detail: { nested: [{ exists: false }] } },
      expected: true,
    },
    {
      case: 'exists true on an empty array',
      pattern: { detail: { list: [{ exists: true }] } },
      expected: false,
    },
    // $or
    {
      case: '$or: one branch matches',
      pattern: { source: ['aws.sagemaker'], $or: [{ 'detail-type': ['nope'] }, { detail: { count: [5] } }] },
      expected: true,
    },
    {
      case: '$or: no branch matches',
      pattern: { $or: [{ 'detail-type': ['nope'] }, { detail: { count: [6] } }] },
      expected: false,
    },
    {
      case: '$or nested in an object',
      pattern: { detail: { $or: [{ state: ['stopped'] }, { tags: ['p5'] }] } },
      expected: true,
    },
    {
      case: '$or with an AND inside a branch',
      pattern: { detail: { $or: [{ state: ['running'], count: [4] }, { ok: [false] }] } },
      expected: false,
    },
    {
      case: '$or nested in a $or',
      pattern: { $or: [{ source: ['x'] }, { $or: [{ source: ['y'] }, { source: ['aws.sagemaker'] }] }] },
      expected: true,
    },
  ])('applies EventBridge semantics ($case)', ({ pattern, expected }) => {
    // Act
    const matched = matchesPattern(pattern, event);

    // Assess
    expect(matched).toBe(expected);
  });

  it.each<{ case: string; input: unknown }>([
    { case: 'a string', input: 'aws.sagemaker' },
    { case: 'null', input: null },
    { case: 'an array', input: [{ source: 'aws.sagemaker' }] },
  ])('matches nothing but exists:false against an event that is not an object ($case)', ({ input }) => {
    // Act
    const results = [
      matchesPattern({ source: ['aws.sagemaker'] }, input),
      matchesPattern({ source: [{ exists: false }] }, input),
    ];

    // Assess
    expect(results).toStrictEqual([false, true]);
  });

  it.each<{ case: string; pattern: unknown; message: string }>([
    {
      case: 'a pattern that is not an object',
      pattern: ['aws.sagemaker'],
      message: '(root): a pattern is a JSON object',
    },
    { case: 'a bare value', pattern: { source: 'aws.sagemaker' }, message: 'at source: a field must hold' },
    {
      case: 'an unsupported operator',
      pattern: { ip: [{ cidr: '10.0.0.0/8' }] },
      message: 'unsupported operator cidr',
    },
    {
      case: 'two operators in one object',
      pattern: { source: [{ prefix: 'a', suffix: 'b' }] },
      message: 'single-operator',
    },
    { case: 'a nested array', pattern: { source: [['a']] }, message: 'single-operator' },
    {
      case: 'exists with a string',
      pattern: { source: [{ exists: 'yes' }] },
      message: 'exists needs true or false',
    },
    { case: 'prefix with a number', pattern: { source: [{ prefix: 5 }] }, message: 'prefix needs a string' },
    {
      case: 'numeric with a bad operator',
      pattern: { detail: { count: [{ numeric: ['!=', 5] }] } },
      message: 'is not a comparison',
    },
    {
      case: 'numeric with a string bound',
      pattern: { detail: { count: [{ numeric: ['>', '5'] }] } },
      message: 'is not a comparison',
    },
    {
      case: 'numeric with three items',
      pattern: { detail: { count: [{ numeric: ['>', 5, '<'] }] } },
      message: 'numeric needs',
    },
    {
      case: 'anything-but with booleans',
      pattern: { source: [{ 'anything-but': [true] }] },
      message: 'only strings or numbers',
    },
    {
      case: 'anything-but with null',
      pattern: { source: [{ 'anything-but': null }] },
      message: 'anything-but needs',
    },
    {
      case: 'anything-but numeric',
      pattern: { source: [{ 'anything-but': { numeric: ['>', 1] } }] },
      message: 'does not support numeric',
    },
    {
      case: 'a bad wildcard escape',
      pattern: { source: [{ wildcard: 'a\\b' }] },
      message: 'a backslash escapes only',
    },
    { case: '$or with a non-list', pattern: { $or: { source: ['x'] } }, message: '$or needs' },
    { case: '$or with an empty list', pattern: { $or: [] }, message: '$or needs' },
  ])('refuses a malformed pattern ($case)', ({ pattern, message }) => {
    // Act
    const match = () => matchesPattern(pattern as object, event);

    // Assess
    expect(match).toThrow(message);
  });
});

describe('Function: matchingRules', () => {
  it('returns the matching rules in their given order', () => {
    // Prepare
    const rules = [
      { name: 'a', pattern: { source: ['aws.sagemaker'] } },
      { name: 'b', pattern: { source: ['aws.ec2'] } },
      { name: 'c', pattern: { detail: { count: [{ numeric: ['>', 1] }] } } },
    ];

    // Act
    const matched = matchingRules(rules, event);

    // Assess
    expect(matched.map((r) => r.name)).toStrictEqual(['a', 'c']);
  });
});
