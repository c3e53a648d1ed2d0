/** A JSON response of core data (see wire-json.ts). */
import type { Context } from 'hono'
import { wireJson } from './wire-json.js'

export function sendJson(c: Context, value: unknown, status: 200 | 201 | 202 = 200): Response {
  return c.body(wireJson(value), status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
}
