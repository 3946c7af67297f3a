import { access } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { ReportStore } from '#shared/app/ports/reports';
import { writeWhole } from '../write-whole.ts';

/** The local stand-in for the reports bucket: a key is a path under the folder, each file written whole (by rename). */
export class FolderReportStore implements ReportStore {
  readonly location: string;
  private readonly root: string;

  constructor(folder: string) {
    this.root = resolve(folder);
    this.location = this.root + sep;
  }

  private path(key: string): string {
    const path = resolve(join(this.root, key));
    if (!path.startsWith(this.location)) throw new Error(`report key "${key}" leaves the reports folder`);
    return path;
  }

  async exists(key: string): Promise<boolean> {
    try {
      await access(this.path(key));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  async put(key: string, body: string): Promise<void> {
    await writeWhole(this.path(key), body);
  }
}
