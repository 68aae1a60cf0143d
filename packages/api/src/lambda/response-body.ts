const TEXTUAL = /^(text\/|application\/(json|problem\+json|x-ndjson|javascript|openmetrics-text)$)/;

/**
 * Whether a response body goes to API Gateway base64-encoded: compressed bodies (gzip, br, deflate) and
 * anything not textual (the docs page's PNG icons) are bytes, and a UTF-8 round trip would corrupt them.
 * API Gateway decodes them before sending them on.
 */
export function isBase64Body(headers: Record<string, unknown>): boolean {
  const encoding = String(headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  if (encoding !== '' && encoding !== 'identity') return true;
  const type =
    String(headers['content-type'] ?? '')
      .split(';')[0]
      ?.trim()
      .toLowerCase() ?? '';
  return type !== '' && !TEXTUAL.test(type);
}
