/**
 * Presentation presets: named DCQL queries, data in config/presentation-presets.json (like the
 * credential configurations). Loaded and validated at start; a bad file stops the boot with
 * every problem listed.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError } from '../../core/config-error.js';
import { parseDcqlQuery } from './dcql.js';

export interface PresentationPreset {
  id: string;
  name: string;
  description?: string;
  /** dc+sd-jwt, mso_mdoc, or "any" when the query offers both. */
  format: string;
  dcql_query: Record<string, unknown>;
}

export const defaultPresetsPath: string = fileURLToPath(new URL('../../../config/presentation-presets.json', import.meta.url));

const zPresetsFile = z.object({
  $comment: z.string().optional(),
  presets: z
    .array(
      z.object({
        id: z.string().regex(/^[A-Za-z0-9_-]+$/, 'preset id: letters, digits, _ and - only'),
        name: z.string().min(1),
        description: z.string().optional(),
        dcql_query: z.record(z.string(), z.unknown()),
      }),
    )
    .min(1),
});

export function loadPresentationPresets(path: string = defaultPresetsPath): PresentationPreset[] {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(`Presentation presets (${path}): ${(e as Error).message}`);
  }
  const parsed = zPresetsFile.safeParse(doc);
  if (!parsed.success) throw new ConfigError(`Presentation presets (${path}):\n  ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n  ')}`);
  const problems: string[] = [];
  const seen = new Set<string>();
  const presets = parsed.data.presets.map((p) => {
    if (seen.has(p.id)) problems.push(`${p.id}: duplicate preset id`);
    seen.add(p.id);
    const q = parseDcqlQuery(p.dcql_query);
    if (!q.ok) problems.push(...q.problems.map((m) => `${p.id}: ${m}`));
    const formats = [...new Set(q.ok ? q.query.credentials.map((c) => c.format) : [])];
    return { id: p.id, name: p.name, ...(p.description ? { description: p.description } : {}), format: formats.length === 1 ? formats[0] : 'any', dcql_query: p.dcql_query };
  });
  if (problems.length) throw new ConfigError(`Presentation presets (${path}):\n  ${problems.join('\n  ')}`);
  return presets;
}
