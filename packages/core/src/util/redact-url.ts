/**
 * Credentials never reach refs, logs, queue records or error messages. THE one redaction
 * rule of Trellis, for every text that may quote a URL:
 *
 * - a password is masked: `https://user:secret@host/x.git` → `https://user:***@host/x.git`;
 * - a user name without a password is masked too, since it is how tokens are usually passed
 *   (`https://TOKEN@github.com/x.git` → `https://***@github.com/x.git`), except with ssh, where
 *   it is the account (`ssh://git@host/x.git`) and the credential is a key;
 * - a user name whose "password" is a fixed placeholder (`TOKEN:x-oauth-basic`, `TOKEN:`) is
 *   the token, so both are masked.
 *
 * `redactText` applies the rule to every URL inside a text (git's stderr, a stack trace).
 */

const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^/\s@?#]*)@/gi
const PLACEHOLDER_PASSWORDS = new Set(['', 'x-oauth-basic'])

function maskUserinfo(scheme: string, userinfo: string): string {
  const colon = userinfo.indexOf(':')
  if (colon < 0) return /ssh/i.test(scheme) ? userinfo : '***'
  const user = userinfo.slice(0, colon)
  const password = userinfo.slice(colon + 1)
  if (PLACEHOLDER_PASSWORDS.has(password.toLowerCase())) return '***:***'
  return `${user}:***`
}

/** `url` (or any text) with every credential part of every URL in it masked. */
export function redactUrl(url: string): string {
  return url.replace(USERINFO, (_match, scheme: string, userinfo: string) => `${scheme}${maskUserinfo(scheme, userinfo)}@`)
}

/** Every URL credential in `text` masked; also any of the `secrets` given verbatim. */
export function redactText(text: string, secrets: Iterable<string> = []): string {
  let out = redactUrl(text)
  for (const secret of secrets) if (secret.length >= 3) out = out.split(secret).join('***')
  return out
}

/** The secret parts of a URL (what `redactUrl` masks), plain and decoded, to scrub from texts that quote them elsewhere. */
export function urlSecrets(url: string): string[] {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/\s@?#]*)@/i.exec(url)
  if (!match) return []
  const [, scheme, userinfo] = match as unknown as [string, string, string]
  const colon = userinfo.indexOf(':')
  const user = colon < 0 ? userinfo : userinfo.slice(0, colon)
  const password = colon < 0 ? '' : userinfo.slice(colon + 1)
  const masked = maskUserinfo(scheme, userinfo)
  const secrets: string[] = []
  if (password && !PLACEHOLDER_PASSWORDS.has(password.toLowerCase())) secrets.push(password)
  // a masked user name is a token: long (a short one such as `git` would blank every `git` in a text)
  if (user.length >= 8 && masked.startsWith('***')) secrets.push(user)
  return secrets.flatMap((secret) => {
    const decoded = safeDecode(secret)
    return decoded === secret ? [secret] : [secret, decoded]
  })
}

/** An error's message, hint, stack and causes, as printed with `-v`, with credentials masked. */
export function redactError(error: unknown, secrets: Iterable<string> = []): string {
  const parts: string[] = []
  const seen = new Set<unknown>()
  let current: unknown = error
  while (current && !seen.has(current)) {
    seen.add(current)
    const e = current as { stack?: string; message?: string }
    parts.push(parts.length ? `Caused by: ${e.stack ?? e.message ?? String(current)}` : (e.stack ?? e.message ?? String(current)))
    current = (current as { cause?: unknown }).cause
  }
  return redactText(parts.join('\n'), secrets)
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
