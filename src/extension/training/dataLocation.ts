import { isAbsolute, relative } from 'node:path';

/** Whether `path` lies in `folder` or below it. */
function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * The data files (data.train, data.val, already resolved) that lie outside every workspace folder: allowed, but
 * shown, since a config can name any file this user may read.
 */
export function dataOutsideWorkspace(data: { train: string; val: string | null }, workspaceFolders: readonly string[]): string[] {
  return [data.train, data.val].filter((path): path is string => path !== null && !workspaceFolders.some((folder) => isInside(folder, path)));
}
