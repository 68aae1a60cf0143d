import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { loadLambdaConfig } from './config.js';

describe('loadLambdaConfig', () => {
  it('needs nothing, and keeps the keys read from SSM for 300 s by default', () => {
    expect(loadLambdaConfig({})).toEqual({ API_KEYS_PARAMETER: undefined, API_KEYS_MAX_AGE_SECONDS: 300 });
    expect(
      loadLambdaConfig({ API_KEYS_PARAMETER: ' /vitibrasil/api-keys ', API_KEYS_MAX_AGE_SECONDS: '60' }),
    ).toEqual({ API_KEYS_PARAMETER: '/vitibrasil/api-keys', API_KEYS_MAX_AGE_SECONDS: 60 });
  });

  it('refuses a parameter name SSM would not accept, a bad age, and keys from two places', () => {
    expect(() => loadLambdaConfig({ API_KEYS_PARAMETER: '/with spaces' })).toThrow(
      /API_KEYS_PARAMETER: expected an SSM parameter name/,
    );
    expect(() => loadLambdaConfig({ API_KEYS_MAX_AGE_SECONDS: '0' })).toThrow(/API_KEYS_MAX_AGE_SECONDS/);
    expect(() =>
      loadLambdaConfig({ API_KEYS_PARAMETER: '/vitibrasil/api-keys', API_KEYS: 'a-key-of-sixteen-chars' }),
    ).toThrow(/set either API_KEYS or API_KEYS_PARAMETER, not both/);
    expect(() => loadLambdaConfig({ API_KEYS_PARAMETER: '/x y' })).toThrow(ConfigError);
  });
});
