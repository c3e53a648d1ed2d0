import { describe, expect, it } from 'vitest'
import type { QueueEntry } from '../queue/queue.js'
import { keepSweptParams, selectSweepRows } from './sweep-show.js'
import type { ExpShowData } from './show-data.js'

const B = 'b'.repeat(40)
const params = (lr: number, extra: Record<string, unknown> = {}) => ({ 'params.yaml': { data: { train: { lr, epochs: 3 }, layers: [1, 2], ...extra } } })
const DATA: ExpShowData = {
  workspace: { baseline: { data: { params: params(0.1) } } },
  [B]: {
    baseline: { data: { params: params(0.1) } },
    ['1'.repeat(40)]: { data: { params: params(0.2), name: 'in-sweep' } },
    ['2'.repeat(40)]: { data: { params: params(0.3), name: 'other' } },
    ['3'.repeat(40)]: { data: { params: params(0.4), checkpoint_tip: '4'.repeat(40) } },
    ['4'.repeat(40)]: { data: { params: params(0.4), checkpoint_tip: '4'.repeat(40) } },
    ['5'.repeat(40)]: { data: { params: params(0.5), queued: true } },
  },
  ['c'.repeat(40)]: { baseline: { data: {} }, ['6'.repeat(40)]: { data: {} } },
}

const entry = (id: string, commit?: string): QueueEntry => ({
  id,
  baseline: B,
  rev: B,
  state: commit ? 'success' : 'queued',
  paramsFiles: ['params.yaml'],
  sweep: 'abcd1234',
  ...(commit ? { result: { name: 'x', ref: 'r', commit, reused: false } } : {}),
})

describe('sweep rows', () => {
  it('keeps the baselines with members, the members (finished, checkpoints, queued) and the workspace', () => {
    const members = [entry('e'.repeat(40), '1'.repeat(40)), entry('f'.repeat(40), '4'.repeat(40)), entry('5'.repeat(40))]
    const out = selectSweepRows(DATA, members)
    expect(Object.keys(out)).toEqual(['workspace', B])
    expect(Object.keys(out[B])).toEqual(['baseline', '1'.repeat(40), '3'.repeat(40), '4'.repeat(40), '5'.repeat(40)])
    expect(Object.keys(selectSweepRows(DATA, members, { workspace: false }))).toEqual([B])
  })

  it('keeps only the swept params: the key, what is inside it, the list it indexes', () => {
    const one = (keys: string[]) => Object.keys(keepSweptParams(DATA, keys)[B].baseline.data!.params!['params.yaml'].data as object)
    expect(one(['train.lr'])).toEqual(['train.lr'])
    expect(one(['train'])).toEqual(['train.lr', 'train.epochs'])
    expect(one(['layers.0'])).toEqual(['layers'])
    expect(one(['nope'])).toEqual([])
  })
})
