// Tiny path helpers for config files: src/config also runs in browsers, so Node's `path` module is not available.

const DRIVE_ROOT = /^[A-Za-z]:[\\/]/;
const UNC_ROOT = /^[\\/]{2}[^\\/]+[\\/][^\\/]+(?:[\\/]|$)/;

/** True for `/x`, `\x`, `C:\x`, `C:/x` and `\\server\share\x`. */
export function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || path.startsWith('\\') || DRIVE_ROOT.test(path);
}

/** The folder part of a file path (`''` when it has none); `/` and `\` both count as separators. */
export function dirnamePath(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  if (cut < 0) return '';
  const root = rootOf(path, isWindowsStyle(path));
  if (cut < root.length) return root;
  return path.slice(0, cut);
}

/** `relative` resolved against `dir`, normalized (`.` and `..` removed); absolute paths are only normalized. */
export function resolvePath(dir: string, relative: string): string {
  if (isAbsolutePath(relative) || dir === '') return normalizePath(relative);
  const windows = isWindowsStyle(dir);
  const separator = windows ? '\\' : '/';
  return normalizePath(dir.endsWith('/') || dir.endsWith('\\') ? dir + relative : dir + separator + relative);
}

/** Removes `.`, `..` and repeated separators; Windows-style paths come back with `\`. */
export function normalizePath(path: string): string {
  const windows = isWindowsStyle(path);
  const root = rootOf(path, windows);
  const separator = windows ? '\\' : '/';
  const segments = path.slice(root.length).split(windows ? /[\\/]/ : '/');
  const kept: string[] = [];
  for (const segment of segments) {
    if (segment === '' || segment === '.') continue;
    if (segment !== '..') kept.push(segment);
    else if (kept.length > 0 && kept[kept.length - 1] !== '..') kept.pop();
    else if (root === '') kept.push('..');
  }
  const normalizedRoot = windows ? root.replace(/\//g, '\\') : root;
  const joined = normalizedRoot + kept.join(separator);
  return joined === '' ? '.' : joined;
}

// Windows-style: a drive letter, a UNC prefix, or a backslash in a path that does not start with `/`.
function isWindowsStyle(path: string): boolean {
  return /^[A-Za-z]:/.test(path) || path.startsWith('\\') || (path.includes('\\') && !path.startsWith('/'));
}

function rootOf(path: string, windows: boolean): string {
  if (!windows) return path.startsWith('/') ? '/' : '';
  const unc = UNC_ROOT.exec(path);
  if (unc) return unc[0].endsWith('\\') || unc[0].endsWith('/') ? unc[0] : unc[0] + '\\';
  if (DRIVE_ROOT.test(path)) return path.slice(0, 3);
  return path.startsWith('/') || path.startsWith('\\') ? path[0] : '';
}
