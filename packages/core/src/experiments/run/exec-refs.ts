/**
 * DVC's internal refs under `refs/exps/exec/` (reference §2.2) that the
 * managing commands read or clean up, and Trellis' own undo record of
 * `exp apply` (kept in the same namespace, which every DVC 2.x version skips
 * when it lists experiments).
 */
export const EXEC_NAMESPACE = 'refs/exps/exec'
/** The experiment last applied to the workspace (by `exp apply`, or a workspace run). */
export const EXEC_APPLY = `${EXEC_NAMESPACE}/EXEC_APPLY`
/** The most recent checkpoint commit. */
export const EXEC_CHECKPOINT = `${EXEC_NAMESPACE}/EXEC_CHECKPOINT`
/** Symbolic: the experiment ref a running experiment appends to. */
export const EXEC_BRANCH = `${EXEC_NAMESPACE}/EXEC_BRANCH`
/**
 * Trellis only: the newest undo record of `exp apply` (a commit; its first
 * parent is the previous record, so undos stack). See `apply/undo-record.ts`.
 */
export const APPLY_UNDO_REF = `${EXEC_NAMESPACE}/TRELLIS_APPLY_UNDO`
