/** Reading and checking a POST's JSON body and a GET's query: malformed input is a 400 naming the field. */
import type { Context } from 'hono'
import { HttpError } from './api-error.js'

export async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  let body: unknown
  try {
    body = await c.req.json()
  } catch (error) {
    throw new HttpError(400, 'UI_BAD_REQUEST', `the body is not valid JSON: ${(error as Error).message}`)
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'UI_BAD_REQUEST', 'the body must be a JSON object')
  return body as Record<string, unknown>
}

const bad = (field: string, what: string) => new HttpError(400, 'UI_BAD_REQUEST', `'${field}' must be ${what}`)

export function stringField(body: Record<string, unknown>, field: string): string {
  const value = body[field]
  if (typeof value !== 'string' || value === '') throw bad(field, 'a non-empty string')
  return value
}

export function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  return body[field] === undefined || body[field] === null ? undefined : stringField(body, field)
}

export function stringList(body: Record<string, unknown>, field: string, options: { nonEmpty?: boolean } = {}): string[] {
  const value = body[field]
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item === '')) throw bad(field, 'an array of non-empty strings')
  if (options.nonEmpty && value.length === 0) throw bad(field, 'a non-empty array of strings')
  return value as string[]
}

export function optionalBoolean(body: Record<string, unknown>, field: string): boolean | undefined {
  const value = body[field]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'boolean') throw bad(field, 'true or false')
  return value
}

export function optionalPositiveInt(body: Record<string, unknown>, field: string): number | undefined {
  const value = body[field]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw bad(field, 'a positive integer')
  return value
}

/** A required query parameter. */
export function queryParam(c: Context, name: string): string {
  const value = c.req.query(name)
  if (!value) throw new HttpError(400, 'UI_BAD_REQUEST', `the query parameter '${name}' is required`)
  return value
}
