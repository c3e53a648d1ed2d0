import { describe, expect, it } from 'vitest'
import { TrellisError } from '../../errors.js'
import { PyFloat } from '../../util/python-json.js'
import { fnmatchRegex } from './column-names.js'
import { formatTime } from './created-time.js'
import type { ExpShowData } from './show-data.js'
import { expShowTable, renderExpShow } from './show-table.js'

const BASE = '3e6d8a1c' + '0'.repeat(32)
const EXP1 = 'a1b2c3d4' + '1'.repeat(32)
const EXP2 = 'b2c3d4e5' + '2'.repeat(32)
const CP3 = 'c3c3c3c3' + '3'.repeat(32)
const CP2 = 'c2c2c2c2' + '2'.repeat(32)
const CP1 = 'c1c1c1c1' + '1'.repeat(32)
/** "today" for the Created column (local time) */
const NOW = new Date(2024, 4, 1, 18, 0, 0)

const files = (acc: number, loss: number, lr: number, epochs: number) => ({
  metrics: { 'metrics.json': { data: { acc, loss } } },
  params: { 'params.yaml': { data: { lr, epochs, model: { name: 'cnn' } } } },
})
const common = { queued: false, running: false, executor: null }

/** workspace + baseline `master` + exp-1, a 3-commit checkpoint chain (exp-cp) and exp-2 */
function sample(): ExpShowData {
  return {
    workspace: {
      baseline: { data: { timestamp: null, ...files(0.9544670443829399, 0.25, 0.001, 10), ...common } },
    },
    [BASE]: {
      baseline: { data: { timestamp: '2021-08-02T16:48:14', name: 'master', ...files(0.9544670443829399, 0.25, 0.001, 10), ...common } },
      [EXP1]: { data: { timestamp: '2024-05-01T14:05:03', name: 'exp-1', ...files(0.96123456, 0.2, 0.01, 10), ...common } },
      [CP3]: {
        data: {
          timestamp: '2024-05-01T09:30:00',
          name: 'exp-cp',
          checkpoint_tip: CP3,
          checkpoint_parent: CP2,
          ...files(0.97, 0.125, 0.001, 3),
          ...common,
        },
      },
      [CP2]: {
        data: { timestamp: '2024-05-01T09:20:00', checkpoint_tip: CP3, checkpoint_parent: CP1, ...files(0.95, 0.15, 0.001, 2), ...common },
      },
      [CP1]: {
        data: { timestamp: '2024-05-01T09:10:00', checkpoint_tip: CP3, checkpoint_parent: BASE, ...files(0.93, 0.5, 0.001, 1), ...common },
      },
      [EXP2]: { data: { timestamp: '2024-04-30T23:59:59', name: 'exp-2', ...files(0.9, 0.3, 0.1, 10), ...common } },
    },
  }
}

const lines = (...rows: string[]) => rows.join('\n') + '\n'

describe('renderExpShow', () => {
  it('renders the table: workspace, baseline, experiments under tree glyphs, checkpoint chain', () => {
    expect(renderExpShow(sample(), { now: NOW })).toBe(
      lines(
        'Experiment            Created           acc    loss  lr     epochs    model.name',
        'workspace             -             0.95447    0.25  0.001  10        cnn',
        'master                Aug 02, 2021  0.95447    0.25  0.001  10        cnn',
        '├── a1b2c3d [exp-1]   02:05 PM      0.96123     0.2  0.01   10        cnn',
        '│ ╓ c3c3c3c [exp-cp]  09:30 AM         0.97   0.125  0.001  3         cnn',
        '│ ╟ c2c2c2c           09:20 AM         0.95    0.15  0.001  2         cnn',
        '├─╨ c1c1c1c           09:10 AM         0.93     0.5  0.001  1         cnn',
        '└── b2c3d4e [exp-2]   Apr 30, 2024      0.9     0.3  0.1    10        cnn',
      ),
    )
  })

  it('renders --md as a GitHub table followed by an empty line', () => {
    expect(renderExpShow(sample(), { format: 'md', now: NOW })).toBe(
      lines(
        '| Experiment           | Created      | acc     | loss   | lr    | epochs   | model.name   |',
        '|----------------------|--------------|---------|--------|-------|----------|--------------|',
        '| workspace            | -            | 0.95447 | 0.25   | 0.001 | 10       | cnn          |',
        '| master               | Aug 02, 2021 | 0.95447 | 0.25   | 0.001 | 10       | cnn          |',
        '| ├── a1b2c3d [exp-1]  | 02:05 PM     | 0.96123 | 0.2    | 0.01  | 10       | cnn          |',
        '| │ ╓ c3c3c3c [exp-cp] | 09:30 AM     | 0.97    | 0.125  | 0.001 | 3        | cnn          |',
        '| │ ╟ c2c2c2c          | 09:20 AM     | 0.95    | 0.15   | 0.001 | 2        | cnn          |',
        '| ├─╨ c1c1c1c          | 09:10 AM     | 0.93    | 0.5    | 0.001 | 1        | cnn          |',
        '| └── b2c3d4e [exp-2]  | Apr 30, 2024 | 0.9     | 0.3    | 0.1   | 10       | cnn          |',
        '',
      ),
    )
  })

  it('renders --csv with the internal columns, ISO times and full precision', () => {
    expect(renderExpShow(sample(), { format: 'csv', now: NOW })).toBe(
      [
        'Experiment,rev,typ,Created,parent,acc,loss,lr,epochs,model.name',
        ',workspace,baseline,,,0.9544670443829399,0.25,0.001,10,cnn',
        'master,3e6d8a1,baseline,2021-08-02T16:48:14,,0.9544670443829399,0.25,0.001,10,cnn',
        'exp-1,a1b2c3d,branch_commit,2024-05-01T14:05:03,,0.96123456,0.2,0.01,10,cnn',
        'exp-cp,c3c3c3c,checkpoint_tip,2024-05-01T09:30:00,,0.97,0.125,0.001,3,cnn',
        ',c2c2c2c,checkpoint_commit,2024-05-01T09:20:00,,0.95,0.15,0.001,2,cnn',
        ',c1c1c1c,checkpoint_base,2024-05-01T09:10:00,,0.93,0.5,0.001,1,cnn',
        'exp-2,b2c3d4e,branch_base,2024-04-30T23:59:59,,0.9,0.3,0.1,10,cnn',
      ]
        .map((l) => l + '\r\n')
        .join(''),
    )
  })

  it('honours --precision only for CSV', () => {
    expect(renderExpShow(sample(), { format: 'csv', precision: 2, now: NOW, noTimestamp: true }).split('\r\n')[1]).toBe(
      ',workspace,baseline,,0.95,0.25,0.001,10,cnn',
    )
    expect(renderExpShow(sample(), { precision: 2, now: NOW }).split('\n')[1]).toContain('0.95447')
  })

  it('drops Created with --no-timestamp and shows SHAs with --sha', () => {
    const out = renderExpShow(sample(), { noTimestamp: true, sha: true, now: NOW }).split('\n')
    expect(out[0]).toBe('Experiment        acc    loss  lr     epochs    model.name')
    expect(out[2]).toBe('3e6d8a1       0.95447    0.25  0.001  10        cnn')
    expect(out[3]).toBe('├── a1b2c3d   0.96123     0.2  0.01   10        cnn')
  })

  it('sorts experiments within the baseline group; checkpoints follow their tip', () => {
    const experiment = (out: string) => out.trim().split('\n').slice(1).map((l) => l.split('  ')[0])
    expect(experiment(renderExpShow(sample(), { sortBy: 'acc', now: NOW }))).toEqual([
      'workspace',
      'master',
      '├── b2c3d4e [exp-2]',
      '├── a1b2c3d [exp-1]',
      '│ ╓ c3c3c3c [exp-cp]',
      '│ ╟ c2c2c2c',
      '├─╨ c1c1c1c',
    ])
    expect(experiment(renderExpShow(sample(), { sortBy: 'metrics.json:acc', sortOrder: 'desc', now: NOW }))).toEqual([
      'workspace',
      'master',
      '│ ╓ c3c3c3c [exp-cp]',
      '│ ╟ c2c2c2c',
      '├─╨ c1c1c1c',
      '├── a1b2c3d [exp-1]',
      '└── b2c3d4e [exp-2]',
    ])
  })

  it('rejects unknown and ambiguous sort columns', () => {
    expect(() => renderExpShow(sample(), { sortBy: 'bar' })).toThrow("Unknown sort column 'bar'")
    const data = sample()
    ;(data.workspace.baseline.data!.params!['params.yaml'].data as Record<string, unknown>).acc = 1
    const error = (() => {
      try {
        renderExpShow(data, { sortBy: 'acc' })
      } catch (e) {
        return e as TrellisError
      }
    })()
    expect(error).toBeInstanceOf(TrellisError)
    expect(error?.code).toBe('INVALID_ARGUMENT')
    expect(error?.message).toBe("Ambiguous sort column 'acc' matched 'metrics.json:acc, params.yaml:acc'")
    expect(() => renderExpShow(data, { sortBy: 'params.yaml:acc', now: NOW })).not.toThrow()
    expect(() => renderExpShow(data, { sortBy: 'nope.yaml:acc' })).toThrow("Unknown sort column 'nope.yaml:acc'")
  })

  it('filters columns with fnmatch globs and file: prefixes', () => {
    const headers = (options: Parameters<typeof expShowTable>[1]) => expShowTable(sample(), { now: NOW, noTimestamp: true, ...options }).headers
    expect(headers({ includeMetrics: ['acc'], excludeParams: ['model.*'] })).toEqual(['Experiment', 'acc', 'lr', 'epochs'])
    expect(headers({ includeParams: ['params.yaml:epochs,lr'] })).toEqual(['Experiment', 'acc', 'loss', 'epochs', 'lr'])
    expect(headers({ excludeMetrics: ['*'], includeParams: ['[l]?'] })).toEqual(['Experiment', 'lr'])
  })

  it('rejects filters that match nothing or are both included and excluded', () => {
    expect(() => renderExpShow(sample(), { includeMetrics: ['f1'] })).toThrow("'f1' does not match any known metrics")
    expect(() => renderExpShow(sample(), { excludeParams: ['params.yaml:nope*'] })).toThrow("'nope*' does not match any known params")
    expect(() => renderExpShow(sample(), { includeParams: ['other.yaml:lr'] })).toThrow("'lr' does not match any known params")
    expect(() => renderExpShow(sample(), { includeParams: ['lr'], excludeParams: ['lr'] })).toThrow(
      "'lr' specified in both --include-params and --exclude-params",
    )
  })

  it('prefixes keys that are not unique or clash with built-in headers', () => {
    const data: ExpShowData = {
      workspace: {
        baseline: {
          data: {
            timestamp: null,
            metrics: { 'a.json': { data: { score: 1 } }, 'b.json': { data: { score: 2 } } },
            params: { 'params.yaml': { data: { parent: 'x', Created: 1, lr: 0.1 } } },
          },
        },
      },
    }
    expect(expShowTable(data, { now: NOW }).headers).toEqual([
      'Experiment',
      'Created',
      'a.json:score',
      'b.json:score',
      'params.yaml:parent',
      'params.yaml:Created',
      'lr',
    ])
  })

  it('shows State/Executor when used, ! for values of errored files/rows, and queued rows', () => {
    const data = sample()
    data[BASE][EXP2].data = { ...data[BASE][EXP2].data!, running: true, executor: 'workspace' }
    data[BASE][EXP1].data!.metrics = { 'metrics.json': { error: { type: 'YAMLFileCorruptedError', msg: 'bad' } } }
    data[BASE]['d4d4d4d4' + '4'.repeat(32)] = { data: { timestamp: '2024-05-01T17:00:00', queued: true, running: false, executor: null, params: { 'params.yaml': { data: { lr: 0.5, epochs: 10, model: { name: 'cnn' } } } } } }
    data[BASE]['e5e5e5e5' + '5'.repeat(32)] = { error: { type: 'SCMError', msg: 'broken' } }
    expect(renderExpShow(data, { now: NOW, noTimestamp: true })).toBe(
      lines(
        'Experiment            State    Executor        acc    loss  lr     epochs    model.name',
        'workspace             -        -           0.95447    0.25  0.001  10        cnn',
        'master                -        -           0.95447    0.25  0.001  10        cnn',
        '├── a1b2c3d [exp-1]   -        -                 !       !  0.01   10        cnn',
        '│ ╓ c3c3c3c [exp-cp]  -        -              0.97   0.125  0.001  3         cnn',
        '│ ╟ c2c2c2c           -        -              0.95    0.15  0.001  2         cnn',
        '├─╨ c1c1c1c           -        -              0.93     0.5  0.001  1         cnn',
        '├── b2c3d4e [exp-2]   Running  workspace       0.9     0.3  0.1    10        cnn',
        '├── d4d4d4d           Queued   -                 -       -  0.5    10        cnn',
        '└── e5e5e5e           -        -                 !       !  !      !         !',
      ),
    )
  })

  it('drops columns with a single distinct value with --only-changed', () => {
    expect(expShowTable(sample(), { onlyChanged: true, now: NOW }).headers).toEqual(['Experiment', 'Created', 'acc', 'loss', 'lr', 'epochs'])
  })

  it('restricts params to stage dependencies with paramDeps', () => {
    expect(expShowTable(sample(), { paramDeps: { 'params.yaml': ['model'] }, noTimestamp: true }).headers).toEqual([
      'Experiment',
      'acc',
      'loss',
      'model.name',
    ])
  })

  it('formats floats with 5 significant digits, lists via their str, ints untouched', () => {
    const data: ExpShowData = {
      workspace: {
        baseline: {
          data: {
            timestamp: null,
            metrics: { 'm.json': { data: { big: 123456.789, f: new PyFloat(2), i: 3, l: [0.123456789, 1], b: true } } },
          },
        },
      },
    }
    expect(expShowTable(data).rows[0]).toEqual(['workspace', '-', '1.2346e+05', '2', '3', "['0.12346', 1]", 'True'])
  })
})

describe('helpers', () => {
  it('formats Created like DVC', () => {
    expect(formatTime('2024-05-01T00:05:00', '-', false, NOW)).toBe('12:05 AM')
    expect(formatTime('2024-05-01T12:30:00', '-', false, NOW)).toBe('12:30 PM')
    expect(formatTime('2021-08-02T16:48:14', '-', false, NOW)).toBe('Aug 02, 2021')
    expect(formatTime(null, '-', false, NOW)).toBe('-')
    expect(formatTime(new Date(2021, 7, 2, 16, 48, 14), '', true, NOW)).toBe('2021-08-02T16:48:14')
  })

  it('translates fnmatch patterns like Python', () => {
    expect(fnmatchRegex('a*').test('abc')).toBe(true)
    expect(fnmatchRegex('a?c').test('abc')).toBe(true)
    expect(fnmatchRegex('[!a]bc').test('abc')).toBe(false)
    expect(fnmatchRegex('a.b').test('axb')).toBe(false)
    expect(fnmatchRegex('[ab').test('[ab')).toBe(true)
    expect(fnmatchRegex('train.*').test('train.lr')).toBe(true)
    expect(fnmatchRegex('ACC').test('acc')).toBe(false)
  })
})
