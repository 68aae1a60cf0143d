import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { cdkJsonContext, createApp } from '../src/app.js';
import type { VitibrasilStack } from '../src/stack.js';

/** Folders made for syntheses (cloud assemblies hold copies of the assets), removed by removeSyntheses. */
const made: string[] = [];
const scratchDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
};

/** Removes every folder the syntheses of this process made. */
export function removeSyntheses(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Empty function folders: enough for assertions on the template (the bundle tests use real bundles). */
function placeholderBuild(): string {
  const dir = scratchDir('vitibrasil-build-');
  mkdirSync(join(dir, 'api'));
  mkdirSync(join(dir, 'ingest'));
  return dir;
}

export interface Synthesized {
  readonly app: App;
  readonly stack: VitibrasilStack;
  readonly template: Template;
}

/** Synthesizes the app as the CDK CLI would (cdk-nag included: a finding fails here), offline. */
export function synthesize(
  context: Record<string, unknown> = {},
  buildDir = placeholderBuild(),
): Synthesized {
  const app = new App({
    context: { ...cdkJsonContext(), ...context },
    outdir: scratchDir('vitibrasil-cdk-out-'),
  });
  const { stack } = createApp(buildDir, app);
  return { app, stack, template: Template.fromStack(stack) };
}

type Resource = { readonly Type: string; readonly Properties: Record<string, unknown> };

/** The resources of a type, by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, Resource> {
  return template.findResources(type) as Record<string, Resource>;
}

/** The one resource of a type whose logical id starts with `prefix`. */
export function resourceOf(template: Template, type: string, prefix: string): [string, Resource] {
  const matches = Object.entries(resourcesOf(template, type)).filter(([id]) => id.startsWith(prefix));
  if (matches.length !== 1 || !matches[0]) {
    throw new Error(
      `expected one ${type} named ${prefix}…, found ${matches.map(([id]) => id).join(', ') || 'none'}`,
    );
  }
  return matches[0];
}
