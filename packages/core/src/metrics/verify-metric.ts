/**
 * DVC's `verify_metric` (2.58.2 and 3.x, `dvc/output.py`): a metrics output that is a
 * local file must be text by the same test as the md5 CRLF rule (its first 512 bytes);
 * a binary one is refused with DVC's message, before anything (cache, dvc.lock) is
 * written. Directories are not checked (DVC only logs them).
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs'
import { TrellisError } from '../errors.js'
import { isTextBlock, TEXT_BLOCK_SIZE } from '../hash/file-hash.js'

export function verifyMetricFile(absPath: string, shownPath: string): void {
  const st = statSync(absPath, { throwIfNoEntry: false })
  if (!st?.isFile()) return
  const buf = Buffer.alloc(TEXT_BLOCK_SIZE)
  const fd = openSync(absPath, 'r')
  let n: number
  try {
    n = readSync(fd, buf, 0, TEXT_BLOCK_SIZE, 0)
  } finally {
    closeSync(fd)
  }
  if (!isTextBlock(buf, n)) {
    throw new TrellisError('METRICS_INVALID', `binary file '${absPath}' cannot be used as metrics.`, {
      hint: `Declare ${shownPath} under 'outs:' (or 'plots:' for an image) instead of 'metrics:'; metrics must be JSON, YAML or TOML text.`,
    })
  }
}
