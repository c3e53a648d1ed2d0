#!/usr/bin/env node
/**
 * The import graph of the workspace packages, checked against the design's rules
 * (`npm test` runs it; exits 1 and names the offending files otherwise):
 *
 * 1. no import cycle inside @trellis/core (type-only imports count: a cycle of
 *    declarations is a cycle of concepts);
 * 2. core imports no plugin package;
 * 3. a plugin package imports no other plugin package;
 * 4. core's plugin-api imports nothing from the engine but plain data types
 *    (`import type` of files outside plugin-api) and nothing at run time but tapable;
 * 5. every plugin package takes the engine from the object it is given: it imports from
 *    @trellis/core only types, and only from `@trellis/core/plugin-api`; its values come
 *    from `trellis.core` (tests are not checked). The command layer is the exception:
 *    like the host's `src/commands`, a plugin's oclif commands (and their shared CLI
 *    glue) and the web UI's server (a front end whose actions call the same core
 *    functions as the CLI) may use the Node API of `@trellis/core` — the host's copy,
 *    a peer dependency. COMMAND_LAYER lists them.
 *
 * Imports are read with the TypeScript compiler API (`ts.preProcessFile`), which
 * finds static imports, `export ... from` and dynamic `import()` of literals.
 * Usage: node scripts/check-import-graph.js [repo root]
 */
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'

const root = resolve(process.argv[2] ?? join(dirname(new URL(import.meta.url).pathname), '..'))
const packagesDir = join(root, 'packages')

function sourceFiles(dir) {
  const out = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path))
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts') && !path.includes(`${'/'}test-support${'/'}`)) out.push(path)
  }
  return out
}

/** Specifiers a file imports, with whether the import is type-only. */
function importsOf(file) {
  const text = readFileSync(file, 'utf8')
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS)
  const found = []
  const visit = (node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      let typeOnly = !!node.isTypeOnly || (ts.isImportDeclaration(node) && !!node.importClause?.isTypeOnly)
      if (!typeOnly && ts.isImportDeclaration(node)) {
        const clause = node.importClause
        const named = clause?.namedBindings
        if (clause && !clause.name && named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly)) typeOnly = true
      }
      found.push({ spec: node.moduleSpecifier.text, typeOnly })
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      found.push({ spec: node.arguments[0].text, typeOnly: false })
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ spec: node.argument.literal.text, typeOnly: true })
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

function resolveRelative(from, spec) {
  const base = resolve(dirname(from), spec)
  const candidates = [base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')]
  return candidates.find((c) => { try { return statSync(c).isFile() } catch { return false } })
}

const packages = readdirSync(packagesDir).filter((name) => statSync(join(packagesDir, name, 'src'), { throwIfNoEntry: false })?.isDirectory())
const pkgName = (dir) => JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8')).name
const names = new Map(packages.map((dir) => [pkgName(dir), dir]))
const pluginNames = new Set([...names.keys()].filter((n) => n !== '@trellis/core'))
const problems = []
const rel = (f) => relative(root, f)

// rules 2 and 3
for (const dir of packages) {
  const own = pkgName(dir)
  for (const file of sourceFiles(join(packagesDir, dir, 'src'))) {
    for (const { spec, typeOnly } of importsOf(file)) {
      const target = [...names.keys()].find((n) => spec === n || spec.startsWith(`${n}/`))
      if (!target || target === own) continue
      if (own === '@trellis/core' && pluginNames.has(target)) problems.push(`core imports a plugin: ${rel(file)} -> ${spec}`)
      if (own !== '@trellis/core' && pluginNames.has(target)) problems.push(`a plugin imports another plugin: ${rel(file)} -> ${spec}`)
    }
  }
}

// rule 5
const COMMAND_LAYER = [/^packages\/[^/]+\/src\/commands\//, /^packages\/plugin-queue-redis\/src\/cli\.ts$/, /^packages\/plugin-ui\/src\//]
for (const dir of packages) {
  if (!pluginNames.has(pkgName(dir))) continue
  for (const file of sourceFiles(join(packagesDir, dir, 'src'))) {
    if (COMMAND_LAYER.some((re) => re.test(rel(file)))) continue
    for (const { spec, typeOnly } of importsOf(file)) {
      if (spec !== '@trellis/core' && !spec.startsWith('@trellis/core/')) continue
      if (spec !== '@trellis/core/plugin-api') problems.push(`${pkgName(dir)} imports ${spec}: ${rel(file)} (only \`import type\` from @trellis/core/plugin-api; values come from trellis.core)`)
      else if (!typeOnly) problems.push(`${pkgName(dir)} imports values from the plugin API: ${rel(file)} (use \`import type\`; values come from trellis.core)`)
    }
  }
}

// rules 1 and 4: core's own graph
const coreSrc = join(packagesDir, names.get('@trellis/core'), 'src')
const apiDir = join(coreSrc, 'plugin-api')
const graph = new Map()
for (const file of sourceFiles(coreSrc)) {
  const edges = []
  for (const { spec, typeOnly } of importsOf(file)) {
    if (spec.startsWith('.')) {
      const target = resolveRelative(file, spec)
      if (!target) { problems.push(`unresolved import: ${rel(file)} -> ${spec}`); continue }
      edges.push(target)
      if (file.startsWith(`${apiDir}/`) && !target.startsWith(`${apiDir}/`) && !typeOnly) {
        problems.push(`the plugin API imports engine code at run time: ${rel(file)} -> ${spec} (only \`import type\` of plain data types)`)
      }
    } else if (file.startsWith(`${apiDir}/`) && !typeOnly && spec !== 'tapable' && !spec.startsWith('node:')) {
      problems.push(`the plugin API imports a package at run time: ${rel(file)} -> ${spec}`)
    }
  }
  graph.set(file, edges)
}

// Tarjan's strongly connected components: every component of more than one file is a cycle
let index = 0
const stack = []
const info = new Map()
const cycles = []
function strongConnect(v) {
  info.set(v, { index, low: index, onStack: true })
  index++
  stack.push(v)
  for (const w of graph.get(v) ?? []) {
    if (!info.has(w)) {
      strongConnect(w)
      info.get(v).low = Math.min(info.get(v).low, info.get(w).low)
    } else if (info.get(w).onStack) {
      info.get(v).low = Math.min(info.get(v).low, info.get(w).index)
    }
  }
  if (info.get(v).low === info.get(v).index) {
    const component = []
    let w
    do {
      w = stack.pop()
      info.get(w).onStack = false
      component.push(w)
    } while (w !== v)
    const selfLoop = (graph.get(v) ?? []).includes(v)
    if (component.length > 1 || selfLoop) cycles.push(component)
  }
}
for (const v of graph.keys()) if (!info.has(v)) strongConnect(v)
for (const component of cycles) problems.push(`import cycle in core (${component.length} files): ${component.map(rel).sort().join(', ')}`)

if (problems.length) {
  process.stderr.write(`ERROR: the import graph breaks ${problems.length} rule(s):\n${problems.map((p) => `  - ${p}`).join('\n')}\n`)
  process.exit(1)
}
process.stdout.write(`import graph: ${graph.size} core files, ${packages.length} packages; no cycle, no plugin-to-plugin or core-to-plugin import; plugins import @trellis/core/plugin-api as types only outside the command layer\n`)
