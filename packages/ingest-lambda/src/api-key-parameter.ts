import { ApiKeyUnavailableError } from './errors.js';

/** Powertools keeps the value this long (its default is 5 s); a rotated key is picked up within it. */
const MAX_AGE_SECONDS = 300;

/**
 * The API key from SSM Parameter Store (a SecureString, decrypted), read at run time so it is never in the
 * template or the function's environment. The parameter holds the API's comma-separated keys (the same one the
 * API reads); the ingester sends the first. The SDK is loaded only when a parameter is configured.
 */
export async function readApiKeyParameter(name: string): Promise<string> {
  try {
    const { getParameter } = await import('@aws-lambda-powertools/parameters/ssm');
    const value = await getParameter(name, { decrypt: true, maxAge: MAX_AGE_SECONDS });
    const key = value
      ?.split(',')
      .map((part) => part.trim())
      .find((part) => part !== '');
    if (!key) throw new Error('the parameter holds no key');
    return key;
  } catch (error) {
    throw new ApiKeyUnavailableError(name, error);
  }
}
