import { readFileSync } from 'node:fs';
import { LAKE_QUERIES } from '@vitibrasil/core';
import { describe, expect, it } from 'vitest';
import { SETTING_KEYS } from '../src/settings.js';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('infra/README.md', () => {
  it('shows each named query exactly as the stack stores it', () => {
    for (const query of LAKE_QUERIES) {
      const sql = query.sql('"vitibrasil"."curated"', {
        revisions: '"vitibrasil"."revisions"',
        quality: '"vitibrasil"."quality"',
      });
      expect(README).toContain(`\`\`\`sql\n${sql}\n\`\`\``);
      expect(README).toContain(`(\`${query.id}\`)`);
    }
  });

  it('documents every setting in its parameter table', () => {
    const rows = README.split('\n').filter((line) => line.startsWith('| `'));
    for (const key of SETTING_KEYS) expect(rows.some((row) => row.startsWith(`| \`${key}\``))).toBe(true);
  });
});
