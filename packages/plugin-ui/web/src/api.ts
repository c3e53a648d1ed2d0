/**
 * The page's HTTP client: every call carries the per-run token (taken from the URL the
 * command printed, then dropped from the address bar) and a failure becomes an `ApiError`
 * holding what the server said (`{error: {code, message, hint}}`), which the page shows as is.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint?: string,
    /** Extra fields of the error body (e.g. the paths of an apply refusal). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message)
  }
}

let token = ''

/** Reads `?token=` from the address and removes it from the visible URL. */
export function takeToken(location: Location, history: History): string {
  const url = new URL(location.href)
  token = url.searchParams.get('token') ?? token
  if (url.searchParams.has('token')) {
    url.searchParams.delete('token')
    history.replaceState(null, '', url.pathname + url.search + url.hash)
  }
  return token
}

export function apiToken(): string {
  return token
}

async function failure(res: Response): Promise<ApiError> {
  let body: unknown
  try {
    body = await res.json()
  } catch {
    body = undefined
  }
  const error = (body as { error?: Record<string, unknown> } | undefined)?.error
  if (error && typeof error.message === 'string') {
    const { code, message, hint, ...details } = error
    return new ApiError(res.status, String(code ?? res.status), message, typeof hint === 'string' ? hint : undefined, details)
  }
  return new ApiError(res.status, `HTTP_${res.status}`, `${res.status} ${res.statusText}`)
}

/** GET a JSON endpoint; `parse` turns the body text into a value (default JSON.parse). */
export async function getJson<T>(path: string, parse: (text: string) => unknown = JSON.parse): Promise<T> {
  const res = await fetch(path, { headers: { Authorization: `Bearer ${token}` } })
  if (!res.ok) throw await failure(res)
  return parse(await res.text()) as T
}

export async function getText(path: string): Promise<string> {
  const res = await fetch(path, { headers: { Authorization: `Bearer ${token}` } })
  if (!res.ok) throw await failure(res)
  return res.text()
}

export async function post<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(path, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  })
  if (!res.ok) throw await failure(res)
  const text = await res.text()
  return (text ? JSON.parse(text) : {}) as T
}

/** A URL the browser loads by itself (images, the event stream): the token goes in the query. */
export function withToken(path: string): string {
  const url = new URL(path, window.location.origin)
  url.searchParams.set('token', token)
  return url.pathname + url.search
}
