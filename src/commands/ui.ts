import { Flags } from '@oclif/core'
import { TrellisCommand } from '../base-command.js'
import { openBrowser } from '../plots-flags.js'

export default class Ui extends TrellisCommand {
  static override summary = 'Serve a local web dashboard of the experiments: live table, compare, plots, queue and actions.'
  static override description = `Starts a server on 127.0.0.1 (a free port unless --port) and prints its URL, which carries a
random token made for this run: every API call needs it. Requests whose Host or Origin is not
this server are refused (DNS rebinding, CSRF). The page shows what \`exp show\`, \`exp diff\` and
\`plots\` give, updates live as experiments are committed (from this server or any terminal),
and runs the same actions as the CLI (run/queue with sweeps, apply, branch, remove, push,
the queue). Runs until Ctrl-C; queued runs it started are stopped and put back in the queue.
--host 0.0.0.0 makes it reachable from other machines (warned; the token is still required).`
  static override flags = {
    port: Flags.integer({ char: 'p', description: 'Port to listen on (0: a free one, printed).', default: 0, min: 0, max: 65535 }),
    host: Flags.string({ description: 'Address to bind (0.0.0.0: every interface; warned).', default: '127.0.0.1' }),
    open: Flags.boolean({ description: 'Open the page in a browser (--no-open: only print the URL).', allowNo: true, default: true }),
  }
  static override examples = ['<%= config.bin %> ui', '<%= config.bin %> ui --port 8080 --no-open']

  async run(): Promise<void> {
    const { flags } = await this.parse(Ui)
    this.setOutput(flags)
    const project = await this.openProject()
    const { startUiServer, isPublicHost } = await import('@trellis/plugin-ui/server')
    if (isPublicHost(flags.host)) {
      this.warning(`the UI listens on ${flags.host}: anyone who can reach this machine and has the token can run commands in this repository`)
    }
    const server = await startUiServer(project, { port: flags.port, host: flags.host, onWarning: this.warning })
    // the URL is printed even with -q: without it the page cannot be opened
    process.stdout.write(`Trellis UI: ${server.url}\n`)
    if (flags.open && !openBrowser(server.url)) this.info('No browser found; open the URL above.')
    await new Promise<void>((resolve) => {
      const stop = () => resolve()
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
    await server.close()
  }
}
