/**
 * Removes credentials from text bound for a report (rule: secrets never reach artifacts). Component logs and
 * events carry file paths to keys, not keys, but a stray PEM block or bearer token must not slip through.
 */
export function redact(text: string): string {
  return (
    text
      .replace(
        /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g,
        '[private key redacted]',
      )
      .replace(/(\bBearer\s+)[A-Za-z0-9._~+/=-]+/gi, '$1[redacted]')
      .replace(
        /((?:client-key-data|token|password|secret[_-]?access[_-]?key|session[_-]?token)["']?\s*[:=]\s*["']?)[^\s"',}]+/gi,
        '$1[redacted]',
      )
      // AWS access key ids (long-term AKIA, temporary ASIA): not secret alone, but never worth publishing.
      .replace(/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, '[aws access key id redacted]')
  );
}
