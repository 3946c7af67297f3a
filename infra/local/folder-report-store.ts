import { access, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { ReportStore } from '#shared/app/ports';

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
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(`${path}.tmp`, body);
    await rename(`${path}.tmp`, path);
  }
}
