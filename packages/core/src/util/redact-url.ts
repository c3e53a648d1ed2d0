/**
 * Credentials never reach refs, logs or error messages: a URL's password
 * (`https://user:secret@host/x.git`) is shown as `https://user:***@host/x.git`.
 * `redactText` does the same to any text (e.g. git's stderr), wherever a URL
 * with a password appears in it.
 */

const USERINFO_WITH_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/)([^/\s:@]*):([^/\s@]+)@/gi

/** `url` with the password of its user-info part masked; anything else is returned unchanged. */
export function redactUrl(url: string): string {
  return url.replace(USERINFO_WITH_PASSWORD, '$1$2:***@')
}

/** Every URL-with-password in `text` masked; also any of the `secrets` given verbatim. */
export function redactText(text: string, secrets: Iterable<string> = []): string {
  let out = redactUrl(text)
  for (const secret of secrets) if (secret.length >= 3) out = out.split(secret).join('***')
  return out
}

/** The password (and user) inside a URL, to scrub from texts that may quote it decoded. */
export function urlSecrets(url: string): string[] {
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^/\s:@]*):([^/\s@]+)@/i.exec(url)
  if (!match) return []
  const password = match[2]!
  const decoded = safeDecode(password)
  return decoded === password ? [password] : [password, decoded]
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
