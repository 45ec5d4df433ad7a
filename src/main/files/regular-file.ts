// Reading a named file safely: a regular file only (no FIFO or device), bounded, on one descriptor.
import { constants, type Dirent, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { describeFsError } from './fs-errors';

/**
 * A file the app reads must be a regular file, checked on the open descriptor after following any
 * link: a FIFO would block the open (and the libuv thread behind it) until a writer comes, a device
 * such as /dev/zero never ends. The message is the reason alone, to follow "cannot read <path>: ".
 */
export class NotRegularFile extends Error {
  constructor(
    message: string,
    /** What the path led to, when it could be opened: a file that is there but not one to read. */
    readonly info?: Stats,
    /** The system's error code, when the path could not be opened (ENOENT: nothing is there). */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** The largest photo read whole (far above any camera's; sharp's pixel limit applies after). */
export const maxPhotoBytes = 512 * 1024 * 1024;
/** The largest label file read whole: a JavaScript string holds at most about 512 M characters. */
export const maxLabelFileBytes = 256 * 1024 * 1024;

/**
 * Opens `path` for reading, refusing anything but a regular file of at most `maxBytes`. The open is
 * non-blocking so that even a FIFO returns at once; the stat is the open file's own, so the path
 * cannot be swapped between the check and the read. The caller closes the handle.
 */
export async function openRegularFile(
  path: string,
  maxBytes: number,
): Promise<{ file: FileHandle; info: Stats }> {
  let file: FileHandle;
  try {
    file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new NotRegularFile(describeFsError(error), undefined, (error as NodeJS.ErrnoException).code);
  }
  try {
    const info = await file.stat();
    if (!info.isFile()) throw new NotRegularFile(`is ${describeNotRegular(info)}`, info);
    if (info.size > maxBytes)
      throw new NotRegularFile(
        `is ${info.size} bytes, over the ${formatBytes(maxBytes)} a file read whole may hold`,
        info,
      );
    return { file, info };
  } catch (error) {
    await file.close();
    throw error;
  }
}

/**
 * The first `info.size` bytes of an open file: a file that grows while it is read cannot make the
 * read unbounded, and one that shrinks gives what it has.
 */
export async function readOpenFile(file: FileHandle, info: Stats): Promise<Buffer> {
  const bytes = Buffer.alloc(info.size);
  let filled = 0;
  try {
    while (filled < bytes.length) {
      const { bytesRead } = await file.read(bytes, filled, bytes.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
  } catch (error) {
    throw new NotRegularFile(describeFsError(error));
  }
  return filled === bytes.length ? bytes : bytes.subarray(0, filled);
}

/** The whole content of a regular file of at most `maxBytes`, and its stat. */
export async function readRegularFile(
  path: string,
  maxBytes: number,
): Promise<{ bytes: Buffer; info: Stats }> {
  const { file, info } = await openRegularFile(path, maxBytes);
  try {
    return { bytes: await readOpenFile(file, info), info };
  } finally {
    await file.close();
  }
}

function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return mib >= 1 ? `${Math.round(mib)} MiB` : `${bytes} bytes`;
}

/** What a file that is not a regular one is, for the reason a reader gives. */
export function describeNotRegular(kind: Stats | Dirent): string {
  const what = kind.isDirectory()
    ? 'a folder'
    : kind.isFIFO()
      ? 'a named pipe (FIFO)'
      : kind.isCharacterDevice()
        ? 'a character device'
        : kind.isBlockDevice()
          ? 'a block device'
          : kind.isSocket()
            ? 'a socket'
            : 'a file of an unknown kind';
  return `${what}, not a regular file`;
}
