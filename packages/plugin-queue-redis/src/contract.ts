// TEMPORARY until feat-queue-contract is merged: the contract's new types (QUEUE-CONTRACT.md)
import type { QueueEntry } from '@trellis/core/plugin-api'
export interface QueueRunner { id: string; host: string; pid: number }
export interface QueueClaim { entry: QueueEntry; logFile: string; signal?: AbortSignal }
