import type { Logger } from 'pino';
import { type ApiConfig, loadConfig } from '../config.js';
import type { ApiKeys } from '../http/middleware/api-key.js';

/** Reads the keys from SSM Parameter Store; the SDK is loaded only when a parameter is configured. */
export interface KeysParameter {
  /** The keys, validated like API_KEYS; throws when the parameter cannot be read or holds invalid keys. */
  read(): Promise<string[]>;
}

export async function ssmKeysParameter(name: string, maxAgeSeconds: number): Promise<KeysParameter> {
  const { getParameter } = await import('@aws-lambda-powertools/parameters/ssm');
  return {
    async read() {
      // Powertools keeps the value for maxAge (its default is 5 s: one SSM call per few invocations, not per hour).
      const value = await getParameter(name, { decrypt: true, maxAge: maxAgeSeconds });
      if (value === undefined) throw new Error(`SSM parameter ${name} has no value`);
      return parseKeys(value, name);
    },
  };
}

/** The keys of a parameter's value, checked by the same schema as API_KEYS (the value itself is never shown). */
function parseKeys(value: string, name: string): string[] {
  let keys: ApiConfig['API_KEYS'];
  try {
    keys = loadConfig({ API_KEYS: value }).API_KEYS;
  } catch (error) {
    throw new Error(`SSM parameter ${name}: ${(error as Error).message.replaceAll('API_KEYS', 'value')}`);
  }
  if (!keys) throw new Error(`SSM parameter ${name} is empty`);
  return keys;
}

/**
 * Keeps the app's keys in step with the parameter: called before each invocation, it swaps them when the value
 * changed. A failed read keeps the keys in use (an SSM hiccup must not open or close the API) and is logged.
 */
export function keysRefresher(
  parameter: KeysParameter,
  keys: ApiKeys,
  initial: readonly string[],
  logger: Logger,
) {
  let current = initial.join(',');
  return async (): Promise<void> => {
    try {
      const next = await parameter.read();
      if (next.join(',') === current) return;
      keys.replace(next);
      current = next.join(',');
      logger.info({ keys: next.length }, 'API keys replaced from SSM');
    } catch (error) {
      logger.error({ err: error }, 'could not refresh the API keys; keeping the current ones');
    }
  };
}
