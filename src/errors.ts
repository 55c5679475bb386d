/**
 * An error the user can cause or fix (a bad file, no engine, a port in use). The CLI prints its
 * message as one sentence and exits with `exitCode`; anything else that is thrown is a bug and
 * crashes loudly with its stack.
 */
export class FedsimError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'FedsimError';
  }
}

/** The message of anything thrown, for wrapping low-level failures into a FedsimError. */
export function reason(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? String(err);
  return String(err);
}

/** What the system said of a file it could not open or read, as words instead of an errno code. */
const ERRNO: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  EISDIR: 'a folder, not a file',
  ENOTDIR: 'a part of the path is not a folder',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
  EAGAIN: 'nothing to read yet (a non-blocking input)',
  EIO: 'an input/output error',
  ENXIO: 'no such device',
  ENOSPC: 'no space left on the device',
  EROFS: 'a read-only file system',
};

/** The reason a file operation failed, in words (the errno code only when it is one not listed). */
export function errnoSentence(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code && ERRNO[code]) return ERRNO[code];
  return code ? `system error ${code}` : reason(err);
}
