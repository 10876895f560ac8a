/**
 * The audit trail's public surface: the record (its fields and its one builder),
 * sinks, the trail with its journal, and queries over `audit.db`.
 *
 * @example
 * import { MemoryAuditSink, type AuditRecord } from './audit/index.js';
 * const sink = new MemoryAuditSink();
 * // ... hand `sink` to the gate, then:
 * sink.records.at(-1)?.outcome; // 'allow'
 */
export { F } from './fields.js';
export type { AuditOutcome, AuditRecord, Finding } from './fields.js';
export { auditRecord } from './record.js';
export { newDecisionId } from './decision-id.js';
export { LogAuditSink, MemoryAuditSink, MultiSink } from './sink.js';
export type { AuditSink, CountingSink } from './sink.js';
export { errorText, isHealthReporter } from './health.js';
export type { HealthReporter } from './health.js';
export { AuditTrail } from './trail.js';
export type { FailClosed } from './trail.js';
export { AuditJournal } from './journal.js';
export { inJsonlTail, inSqlite, readJournal } from './journal-recover.js';
export { JsonlAuditSink } from './jsonl-sink.js';
export { ThreadedSqliteAuditSink } from './sqlite-thread-sink.js';
export { AUDIT_DB_NAME } from './sqlite-schema.js';
export { latestAudit, queryAudit, tailAudit } from './query.js';
export type { AuditFilter, TailOptions } from './query.js';
export { buildAuditSinks, buildAuditTrail } from './trail-from-config.js';
export { replayRecords, replayRecord, classify as classifyReplay, CHANGE_CLASSES, REPLAY_CLASSES } from './replay.js';
export type { ReplayClass, ReplayEntry, ReplayResult, ReplayVerdict } from './replay.js';
export { replayPolicy } from './replay-policy.js';
export type { PolicyReplay, ReplayConfig, ReplayOptions } from './replay-policy.js';
export { computeSlo, BREACH_REASONS } from './slo.js';
export type { SloReport, SessionContainment } from './slo.js';
export { readForensics, keptSessions, forensicsDir } from './forensics-files.js';
export { PostgresAuditSink } from './postgres/sink.js';
export type { PostgresAuditSinkOptions } from './postgres/sink.js';
export { PostgresAuditReader } from './postgres/reader.js';
export { AuditChain } from './chain.js';
export { canonicalRecord, recordHash, GENESIS } from './chain-canonical.js';
export { loadSigningKey, signCheckpoint, checkpointValid, SIGNING_KEY_FILE } from './checkpoint-sign.js';
export type { Checkpoint, SigningKey } from './checkpoint-sign.js';
export { verifyChains } from './verify.js';
export type { VerifyReport, ChainBreak } from './verify.js';
export { verifyDatabase, verifyJsonl } from './verify-sources.js';
export { prunePrefix } from './prune.js';
export { OcsfExportSink, OCSF_VERSION, toOcsf } from './ocsf/index.js';
export type { OcsfEvent } from './ocsf/index.js';
