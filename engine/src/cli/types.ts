/** The API's answers as the wire carries them (dates as ISO strings): what commands print and --json shows. */
import type { z } from 'zod';
import type {
  BackupSettings,
  CdpSettings,
  DisconnectedOrg,
  Job,
  JobDetail,
  PermissionCheckRun,
  PermissionCheckSettings,
  PermissionReport,
  RecoveryPoint,
  Tile,
} from '../api/schemas.js';
import type { CompareResult, DeletedRecords, RecordHistory, RestoreOutcome } from '../api/restore-schemas.js';
import type { ErasureOut, LegalHoldOut, PolicyOut, PruneRunOut } from '../api/retention-schemas.js';
import type { MonitorSeries } from '../api/monitor-schemas.js';

export type JobW = z.input<typeof Job>;
export type JobDetailW = z.input<typeof JobDetail>;
export type TileW = z.input<typeof Tile>;
export type DisconnectedOrgW = z.input<typeof DisconnectedOrg>;
export type CdpW = z.input<typeof CdpSettings>;
export type RecoveryPointW = z.input<typeof RecoveryPoint>;
export type BackupSettingsW = z.input<typeof BackupSettings>;
export type CheckSettingsW = z.input<typeof PermissionCheckSettings>;
export type CheckRunW = z.input<typeof PermissionCheckRun>;
export type ReportW = z.input<typeof PermissionReport>;
export type RestoreW = z.input<typeof RestoreOutcome>;
export type CompareW = z.input<typeof CompareResult>;
export type LegalHoldW = z.input<typeof LegalHoldOut>;
export type ErasureW = z.input<typeof ErasureOut>;
export type PolicyW = z.input<typeof PolicyOut>;
export type PruneRunW = z.input<typeof PruneRunOut>;
export type HistoryW = z.input<typeof RecordHistory>;
export type DeletedW = z.input<typeof DeletedRecords>;
export type MonitorSeriesW = z.input<typeof MonitorSeries>;
