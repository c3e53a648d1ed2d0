/** Follow a growing log file: each `read()` returns the text added since the last one (UTF-8 split safely). */
import { open } from 'node:fs/promises'
import { StringDecoder } from 'node:string_decoder'

export class LogTail {
  private offset = 0
  private readonly decoder = new StringDecoder('utf8')
  private reading: Promise<string> = Promise.resolve('')

  constructor(private readonly file: string) {}

  /** The text appended since the last read ('' when none or no file yet). Reads never overlap. */
  read(): Promise<string> {
    this.reading = this.reading.then(() => this.readMore())
    return this.reading
  }

  private async readMore(): Promise<string> {
    let handle
    try {
      handle = await open(this.file, 'r')
    } catch {
      return ''
    }
    try {
      const { size } = await handle.stat()
      if (size < this.offset) this.offset = 0 // the log was started over (the entry ran again)
      if (size === this.offset) return ''
      const buffer = Buffer.alloc(size - this.offset)
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset)
      this.offset += bytesRead
      return this.decoder.write(buffer.subarray(0, bytesRead))
    } finally {
      await handle.close()
    }
  }
}
