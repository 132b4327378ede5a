#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so a fresh clone needs no build step.
import { register } from 'tsx/esm/api';

register();
// The cluster's own long-lived processes (supervisor, load balancer) load only what they need: they
// start on every `cluster up`, and the Kubernetes client alone takes a noticeable part of a second.
if (process.argv[2] === 'internal') await import('../app/cli/internal-main.ts');
else await import('../app/cli/main.ts');
