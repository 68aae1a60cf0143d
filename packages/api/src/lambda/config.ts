import { z } from 'zod';
import { ConfigError } from '../errors.js';

/**
 * Variables read only by the Lambda handler, on top of the API's own (config.ts). Validated the same way: empty
 * counts as unset, a bad value stops the function's init with a message naming it.
 */
export const LambdaConfigSchema = z.object({
  /** SSM parameter (a SecureString: comma-separated keys) read at init instead of API_KEYS, never in the template. */
  API_KEYS_PARAMETER: z
    .string()
    .regex(/^(\/[\w.-]+)+$|^[\w.-]+$/, 'expected an SSM parameter name such as /vitibrasil/api-keys')
    .optional(),
  /** How long the keys read from SSM are kept before the next invocation reads them again (rotation). */
  API_KEYS_MAX_AGE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
});

export type LambdaConfig = z.infer<typeof LambdaConfigSchema>;

export function loadLambdaConfig(env: Record<string, string | undefined>): LambdaConfig {
  const input: Record<string, string> = {};
  for (const key of Object.keys(LambdaConfigSchema.shape)) {
    const value = env[key]?.trim();
    if (value) input[key] = value;
  }
  const parsed = LambdaConfigSchema.safeParse(input);
  const issues = parsed.success ? [] : parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  if (input.API_KEYS_PARAMETER && env.API_KEYS?.trim()) {
    issues.push('  API_KEYS_PARAMETER: set either API_KEYS or API_KEYS_PARAMETER, not both');
  }
  if (!parsed.success || issues.length > 0) {
    throw new ConfigError(`invalid configuration:\n${issues.join('\n')}`);
  }
  return parsed.data;
}
