/**
 * isomorphic-git, loaded on first use: importing it costs ~100 ms, and most
 * store calls (refs, objects, snapshots) never need it. It expands abbreviated
 * shas and evaluates .gitignore rules; objects, packed ones included, are read
 * in process (objects.ts, pack.ts).
 */
import * as fs from 'node:fs'

type Iso = typeof import('isomorphic-git')

let loading: Promise<Iso> | undefined

export function loadIso(): Promise<Iso> {
  loading ??= import('isomorphic-git').then((module) => ((module as { default?: Iso }).default ?? module) as Iso)
  return loading
}

/** Node's fs, as isomorphic-git's FsClient. */
export const isoFs = fs
