/** POSIX path relations used by the DAG (paths are repo-relative, '/'-separated). */

/** `a` is `b` or lies inside directory `b`. */
export function isWithin(a: string, b: string): boolean {
  return a === b || b === '' || a.startsWith(`${b}/`)
}

/** The two paths are equal or one lies inside the other. */
export function overlaps(a: string, b: string): boolean {
  return isWithin(a, b) || isWithin(b, a)
}
