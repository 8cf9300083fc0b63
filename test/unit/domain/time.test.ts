import { describe, expect, it } from 'vitest';
import { isWithinWindow, MINUTE_MS } from '#domain/time.ts';
import { at, NOW, named } from './fixtures.ts';

describe('Function: isWithinWindow', () => {
  it.each(
    named([
      { case: 'an entry just inside the window counts', entry: at({ minutes: -10, ms: 1 }), inside: true },
      {
        case: 'an entry exactly as old as the window has expired',
        entry: at({ minutes: -10 }),
        inside: false,
      },
      { case: 'an entry dated after now (clock skew) counts', entry: at({ minutes: 3 }), inside: true },
      { case: 'an unparseable time never counts', entry: 'not a date', inside: false },
    ]),
  )('%s', (_case, { entry, inside }) => {
    // Act & Assess
    expect(isWithinWindow(entry, NOW, 10 * MINUTE_MS)).toBe(inside);
  });
});
