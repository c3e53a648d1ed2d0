/** `trellis stage add`: DVC's serialisation, the file kept as it was, validation before writing, --run. */
import { afterEach, describe, expect, it } from 'vitest'
import { makeRepo, type Repo } from './support/repo.js'

const repos: Repo[] = []
afterEach(() => repos.splice(0).forEach((r) => r.remove()))
function repo(files: Record<string, string> = {}): Repo {
  const r = makeRepo(files)
  repos.push(r)
  return r
}

const EXISTING = '# my pipeline\nstages:\n  prep:   # the first\n    cmd: echo hi > a.txt\n    outs: [a.txt]  # flow list\n\n# trailing comment\n'

describe('trellis stage add', () => {
  it('writes the stage in DVC key order and keeps the rest of dvc.yaml byte for byte', async () => {
    const r = repo({ 'dvc.yaml': EXISTING })
    const add = await r.run([
      'stage', 'add', '-n', 'train', '-d', 'b.py', '-d', 'a.txt', '-p', 'lr,epochs', '-p', 'other.yaml:x', '-o', 'model.pkl',
      '-O', 'log.txt', '-M', 'metrics.json', '-m', 'scores.json', '--plots', 'roc.csv', '--plots-no-cache', 'pr.csv',
      '--outs-persist', 'state', '--outs-persist-no-cache', 'tmpstate', '-w', '.', '--always-changed', '--desc', 'Train it',
      'python', 'train.py', '--', '--arg x',
    ])
    expect(add.code).toBe(0)
    expect(add.stdout).toBe("Added stage 'train' in 'dvc.yaml'\n\nTo track the changes with git, run:\n\n\tgit add dvc.yaml\n")
    expect(r.read('dvc.yaml')).toBe(
      '# my pipeline\nstages:\n  prep:   # the first\n    cmd: echo hi > a.txt\n    outs: [a.txt]  # flow list\n' +
        '  train:\n    desc: Train it\n    cmd: python train.py "--arg x"\n    deps:\n    - a.txt\n    - b.py\n    params:\n    - epochs\n    - lr\n    - other.yaml:\n      - x\n' +
        '    outs:\n    - log.txt:\n        cache: false\n    - model.pkl\n    - state:\n        persist: true\n    - tmpstate:\n        cache: false\n        persist: true\n' +
        '    metrics:\n    - metrics.json:\n        cache: false\n    - scores.json\n    plots:\n    - pr.csv:\n        cache: false\n    - roc.csv\n    always_changed: true\n' +
        '\n# trailing comment\n',
    )
    expect((await r.run(['status'])).code).toBe(0)
  })

  it('creates dvc.yaml in the current directory (a sub-project path), with wdir relative to it', async () => {
    const r = repo({ 'sub/.keep': '' })
    const add = await r.run(['stage', 'add', '-n', 'a', '-w', '..', '-o', 'out.txt', 'echo a > out.txt'], { cwd: 'sub' })
    expect(add.code).toBe(0)
    expect(r.read('sub/dvc.yaml')).toBe("stages:\n  a:\n    cmd: echo a > out.txt\n    wdir: ..\n    outs:\n    - out.txt\n")
  })

  it('refuses a name clash (unless -f, which replaces the stage), bad names, cycles and overlapping outputs, writing nothing', async () => {
    const r = repo({ 'dvc.yaml': EXISTING })
    const cases: Array<[string[], string]> = [
      [['-n', 'prep', 'echo'], "ERROR: Stage 'prep' already exists in 'dvc.yaml'. Use '--force' to overwrite."],
      [['-n', 'bad.name', 'echo'], 'ERROR: Stage name cannot contain punctuation characters.'],
      [['-n', 'loop', '-d', 'x.txt', '-o', 'x.txt', 'echo'], "ERROR: 'x.txt' is specified as an output and as a dependency of stage 'loop'"],
      [['-n', 'ov', '-o', 'a.txt/x', 'echo'], "ERROR: the output paths 'a.txt'"],
      [['-n', 'dup', '-o', 'a.txt', 'echo'], "ERROR: output 'a.txt' is specified in more than one stage"],
      [['-n', 'out', '-o', '../x', 'echo'], "ERROR: cannot track '../x': it is outside the repository"],
      [['-n', 'nocmd'], 'ERROR: no command given for the stage'],
    ]
    for (const [args, message] of cases) {
      const result = await r.run(['stage', 'add', ...args])
      expect(result.code, args.join(' ')).not.toBe(0)
      expect(result.stderr, args.join(' ')).toContain(message)
      expect(r.read('dvc.yaml')).toBe(EXISTING)
    }
    const forced = await r.run(['stage', 'add', '-f', '-n', 'prep', '-o', 'b.txt', 'echo b > b.txt'])
    expect(forced.code).toBe(0)
    expect(r.read('dvc.yaml')).toBe('# my pipeline\nstages:\n  prep:\n    cmd: echo b > b.txt\n    outs:\n    - b.txt\n\n# trailing comment\n')
  })

  it('--run runs the stage and records it in dvc.lock', async () => {
    const r = repo()
    const add = await r.run(['stage', 'add', '-n', 'make', '--run', '-o', 'r.txt', 'echo r > r.txt'])
    expect(add.code).toBe(0)
    expect(add.stdout).toContain("Running stage 'make':")
    expect(add.stdout).toContain('git add dvc.yaml dvc.lock')
    expect(r.read('r.txt')).toBe('r\n')
    expect(r.read('dvc.lock')).toContain('path: r.txt')
    expect(r.read('.gitignore')).toBe('/r.txt\n')
  })
})
