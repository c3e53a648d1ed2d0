import { describe, expect, it } from 'vitest'
import { expRunMode } from './run-mode.js'

describe('expRunMode', () => {
  it('picks the mode from the flags', () => {
    expect(expRunMode({})).toEqual({ mode: 'workspace', reset: false })
    expect(expRunMode({ temp: true })).toEqual({ mode: 'temp', reset: false })
    expect(expRunMode({ queue: true })).toEqual({ mode: 'queue', reset: true }) // --queue without --rev starts checkpoints over
    expect(expRunMode({ queue: true, rev: 'exp-a' })).toEqual({ mode: 'queue', reset: false })
    expect(expRunMode({ setParams: ['lr=0.1,0.2'] })).toEqual({ mode: 'sweep', reset: true })
    expect(expRunMode({ setParams: ['lr=0.1'] })).toEqual({ mode: 'workspace', reset: false })
    expect(expRunMode({ sweep: 'random', setParams: ['lr=loguniform(1e-4,1e-1)'] }).mode).toBe('sweep')
    expect(expRunMode({ runAll: true })).toEqual({ mode: 'run-all', reset: false })
  })

  it('refuses flags that do not combine, naming them', () => {
    expect(() => expRunMode({ temp: true, setParams: ['lr=0.1,0.2'] })).toThrow('--temp runs one experiment: a sweep is queued, and run at once without --queue')
    for (const flags of [{ targets: ['train'] }, { setParams: ['lr=0.1'] }, { name: 'x' }, { reset: true }]) {
      expect(() => expRunMode({ runAll: true, ...flags })).toThrow('--run-all runs the queued experiments: targets, -S, -n and --reset do not apply to it')
    }
    expect(() => expRunMode({ rev: 'x' })).toThrow('--rev can only be used with --queue or --temp')
    expect(() => expRunMode({ rev: 'x', reset: true, queue: true })).toThrow('--reset and --rev are mutually exclusive.')
  })
})
