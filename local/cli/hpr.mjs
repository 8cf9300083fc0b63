#!/usr/bin/env node
// Entry of the `hpr` bin: loads the TypeScript CLI through tsx. Prefer `npm run hpr -- …`, which
// runs it on the Node 22 that npm installs as a dev dependency.
import { register } from 'tsx/esm/api';

register();
await import('./hpr.ts');
