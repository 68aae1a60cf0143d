import { z } from 'zod';
import { ConfigError } from './errors.js';

const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = z.coerce.number().int().positive();

/** Every environment variable the API reads, with its default. README's configuration table mirrors this. */
export const ApiConfigSchema = z.object({
  PORT: port.default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  UPSTREAM_BASE_URL: z
    .url({ protocol: /^https?$/ })
    .default('http://vitibrasil.cnpuv.embrapa.br/download/')
    // Relative file names resolve under the folder only when the base ends with a slash.
    .transform((url) => (url.endsWith('/') ? url : `${url}/`)),
  CACHE_DIR: z.string().min(1).default('.cache/vitibrasil'),
  CACHE_TTL_SECONDS: positiveInt.default(21_600),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  UPSTREAM_TIMEOUT_MS: positiveInt.max(60_000).default(10_000),
  UPSTREAM_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
  UPSTREAM_MAX_BYTES: positiveInt.default(10 * 1024 * 1024),
});

export type ApiConfig = z.infer<typeof ApiConfigSchema>;

/** Reads the configuration from an environment; empty strings count as unset. Throws ConfigError naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined>): ApiConfig {
  const input: Record<string, string> = {};
  for (const key of Object.keys(ApiConfigSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') input[key] = value.trim();
  }
  const parsed = ApiConfigSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
