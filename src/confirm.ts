/** A yes/no question on the terminal (stderr), or undefined when stdin is not a terminal (nobody to ask). */
import { createInterface } from 'node:readline/promises'

export function terminalConfirm(): ((question: string) => Promise<boolean>) | undefined {
  if (!process.stdin.isTTY) return undefined
  return async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr })
    try {
      for (;;) {
        const answer = (await rl.question(`${question} [y/n] `)).trim().toLowerCase()
        if (answer === 'y' || answer === 'yes') return true
        if (answer === 'n' || answer === 'no' || answer === '') return false
      }
    } finally {
      rl.close()
    }
  }
}
