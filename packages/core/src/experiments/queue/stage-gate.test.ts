import { describe, expect, it } from 'vitest'
import { KeyedMutex } from './stage-gate.js'

describe('stage gate', () => {
  it('lets one holder per key through; the others wait in order', async () => {
    const gate = new KeyedMutex()
    const order: string[] = []
    const releaseA = await gate.acquire('k')
    const b = gate.acquire('k').then((release) => {
      order.push('b')
      return release
    })
    const c = gate.acquire('k').then((release) => {
      order.push('c')
      release()
    })
    const other = await gate.acquire('other') // another key does not wait
    other()
    await new Promise((r) => setTimeout(r, 10))
    expect(order).toEqual([])
    releaseA()
    const releaseB = await b
    expect(order).toEqual(['b'])
    releaseB()
    releaseB() // idempotent
    await c
    expect(order).toEqual(['b', 'c'])
    expect(gate.size).toBe(0)
  })
})
