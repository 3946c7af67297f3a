import { join } from 'node:path';
import { FolderMediaStore } from '#shared/adapters/media-store/folder';
import { FolderReportStore } from '#shared/adapters/report-store/folder';
import { FileArchive } from './file-archive.ts';
import type { Piece, Twin } from './pieces.ts';

export interface LocalBuckets extends Piece {
  /** The reading archive's folder (JSON Lines per kind and day). */
  archiveDir: string;
  archive: FileArchive;
  /** `<district>/<month>/` folders of report files. */
  reportsDir: string;
  reports: FolderReportStore;
  media: FolderMediaStore;
}

/**
 * The stateful stack's buckets, as folders of `folder` (the data folder, or a temporary
 * one in memory): the reading archive (`TelemetryArchiveBucket`, `archive/`), the reports
 * (`ReportBucket`, `reports/`) and the media with the cameras' snapshots (`MediaBucket`,
 * `media/` and `snapshots/`), whose presigned URLs are the ops API's (`apiUrl`, known once
 * it listens). Nothing to start or stop.
 */
export function localBuckets({ folder, apiUrl }: Pick<Twin, 'folder' | 'apiUrl'>): LocalBuckets {
  const archiveDir = join(folder, 'archive');
  const reportsDir = join(folder, 'reports');
  return {
    archiveDir,
    archive: new FileArchive(archiveDir),
    reportsDir,
    reports: new FolderReportStore(reportsDir),
    media: new FolderMediaStore(join(folder, 'media'), apiUrl, join(folder, 'snapshots')),
    health: () => ({ up: true }),
    stop: async () => {},
  };
}
