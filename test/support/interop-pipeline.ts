/**
 * A pipeline exercising what the interop suite compares between Trellis and DVC:
 * file and directory outputs, a CRLF text file (where DVC 2.x and 3.x hash
 * differently), `vars` + `foreach`, params from YAML, JSON, TOML and Python files,
 * an uncached metrics file and a top-level `params:`/`metrics:`/`plots:` section.
 */
export const INTEROP_PIPELINE: Record<string, string> = {
  'params.yaml': 'lr: 0.1\nprep:\n  n: 3\n',
  'params.json': '{"seed": 1, "unused": true}\n',
  'params.toml': '[train]\nepochs = 2\n',
  'params.py': 'BATCH = 4\nNAME = "base"\n',
  'data/raw/a.txt': 'alpha\r\nbeta\r\n',
  'data/raw/b.bin': '\u0000\u0001binary\r\n',
  'data/raw/sub/c.txt': 'gamma\n',
  'train.sh': `cat prepared/a.txt gen-x.txt gen-y.txt > model.txt && printf '{"acc": 0.5, "lr": %s}' "$1" > metrics.json\n`,
  'dvc.yaml': `vars:
  - names: [x, y]
stages:
  prep:
    cmd: rm -rf prepared && mkdir -p prepared && cp -r data/raw/* prepared/ && echo \${prep.n} > prepared/n.txt
    deps:
    - data/raw
    params:
    - prep.n
    outs:
    - prepared
  gen:
    foreach: \${names}
    do:
      cmd: echo \${item} > gen-\${item}.txt
      outs:
      - gen-\${item}.txt
  train:
    cmd: sh train.sh \${lr}
    deps:
    - train.sh
    - prepared
    - gen-x.txt
    - gen-y.txt
    params:
    - lr
    - params.json:
      - seed
    - params.toml:
      - train.epochs
    - params.py:
      - BATCH
    outs:
    - model.txt
    metrics:
    - metrics.json:
        cache: false
params:
- params.yaml
metrics:
- metrics.json
plots:
- metrics.json
`,
}
