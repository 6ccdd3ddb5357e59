import { UserError } from '../node/configFile';

const WHY: Record<string, string> = {
  EEXIST: 'something already exists at that path',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder, not a file',
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'the operation is not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
};

/**
 * A file-system failure on a path the user gave (an --out into a folder or a file, a full disk) as a UserError that
 * names the path and what went wrong; null for anything else, which stays an internal error.
 */
export function fileSystemUserError(error: unknown): UserError | null {
  if (!(error instanceof Error)) return null;
  const { code, path, syscall } = error as NodeJS.ErrnoException;
  if (code === undefined || path === undefined || !Object.hasOwn(WHY, code)) return null;
  return new UserError(`${path}: cannot ${syscall ?? 'use it'}: ${WHY[code]} (${code})`);
}
