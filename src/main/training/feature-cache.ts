// What fine-tuning reads of a photo, kept beside the project so the backbone runs once per photo:
// its backbone features (the photo's and its mirror image's), its class maps pooled onto the same
// grid, and the default readout's logits. One file per photo, named by the photo's content hash,
// in a folder per backbone version, float16, with a CRC over the whole file: an entry that is
// truncated, corrupt or of another shape is deleted and computed again, never trusted.
//
// The cache is bounded (2 GiB by default; CSRA_FEATURE_CACHE_GB): past the limit the least
// recently used entries go, photos without labels before labelled ones, and never the entries the
// current training run needs.
import { crc32 } from 'node:zlib';
import { mkdir, readdir, readFile, rm, stat, statfs, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '$shared/rpc';
import { toFloat16 } from './float16';
import type { CacheOutputs, PhotoFeatures } from '../inference/model-runner';
import { besideProject } from '../paths';
import { writeFileWhole } from '../files/partial';

export interface FeatureEntry {
  /** 1 (the photo) or 2 (the photo, then its mirror image). */
  views: number;
  dim: number;
  locations: number;
  /** [views, dim, locations] float16 bits */
  features: Uint16Array;
  /** [classes, locations] float16 bits: the class map on the feature's grid */
  pooledClassMap: Uint16Array;
  /** the default readout's logits, one per class of the backbone's pack */
  zeroShot: Float32Array;
}

const magic = Buffer.from('CSRAFC01');
const headerBytes = magic.length + 5 * 4;
const defaultLimitBytes = 2 * 1024 ** 3;
/** Room left on the disk beyond what an entry takes, so the cache never fills it. */
const diskMargin = 256 * 1024 ** 2;

export function featureCacheLimit(): number {
  const gib = Number(process.env.CSRA_FEATURE_CACHE_GB);
  return Number.isFinite(gib) && gib > 0 ? gib * 1024 ** 3 : defaultLimitBytes;
}

export function featureCacheFolder(projectPath: string): string {
  return besideProject(projectPath, '.features');
}

/** Converts a model's float32 outputs for one photo (of `shape`) into an entry. */
export function featureEntry(
  parts: PhotoFeatures,
  shape: Pick<CacheOutputs, 'dim' | 'locations'>,
): FeatureEntry {
  const { views } = parts;
  const { dim, locations } = shape;
  const features = new Uint16Array(views.length * dim * locations);
  views.forEach((view, v) =>
    toFloat16(view, features.subarray(v * dim * locations, (v + 1) * dim * locations)),
  );
  return {
    views: views.length,
    dim,
    locations,
    features,
    pooledClassMap: toFloat16(parts.pooledClassMap),
    zeroShot: parts.zeroShot.slice(),
  };
}

/**
 * What a job that computes features uses to keep them: it stores entries until a write fails,
 * reports that failure once, and then stores no more. The job goes on without the cache
 * (pre-labeling needs none; training holds its entries in memory).
 */
export function cacheKeeper(
  cache: FeatureCache,
  isLabelled: (sha256: string) => boolean,
  report: (problem: string) => void,
): (sha256: string, entry: FeatureEntry) => Promise<void> {
  let failed = false;
  return async (sha256, entry) => {
    if (failed) return;
    await cache.write(sha256, entry, isLabelled).catch((error: Error) => {
      failed = true;
      report(error.message);
    });
  };
}

function encode(entry: FeatureEntry): Buffer {
  const classes = entry.pooledClassMap.length / entry.locations;
  const body = Buffer.alloc(
    headerBytes + entry.features.byteLength + entry.pooledClassMap.byteLength + entry.zeroShot.byteLength + 4,
  );
  magic.copy(body, 0);
  [entry.views, entry.dim, entry.locations, classes, entry.zeroShot.length].forEach((value, i) =>
    body.writeUInt32LE(value, magic.length + i * 4),
  );
  let at = headerBytes;
  for (const part of [entry.features, entry.pooledClassMap, entry.zeroShot]) {
    Buffer.from(part.buffer, part.byteOffset, part.byteLength).copy(body, at);
    at += part.byteLength;
  }
  body.writeUInt32LE(crc32(body.subarray(0, at)), at);
  return body;
}

/** The entry, or undefined when the bytes are not a whole, intact entry. */
function decode(bytes: Buffer): FeatureEntry | undefined {
  if (bytes.length < headerBytes + 4 || !bytes.subarray(0, magic.length).equals(magic)) return undefined;
  const [views, dim, locations, classes, zeroShot] = [0, 1, 2, 3, 4].map((i) =>
    bytes.readUInt32LE(magic.length + i * 4),
  ) as [number, number, number, number, number];
  const featureBytes = views * dim * locations * 2;
  const mapBytes = classes * locations * 2;
  const end = headerBytes + featureBytes + mapBytes + zeroShot * 4;
  if (bytes.length !== end + 4 || bytes.readUInt32LE(end) !== crc32(bytes.subarray(0, end))) return undefined;
  // The features and maps are views of the file's bytes where their offset suits the typed array (a
  // file read whole is a buffer of its own), copies otherwise: a run reads hundreds of MB of them.
  // The logits are always copied, so that keeping them does not keep the whole file.
  const copy = (from: number, length: number) =>
    Uint8Array.prototype.slice.call(bytes, from, from + length).buffer;
  const halves = (from: number, length: number) =>
    (bytes.byteOffset + from) % 2 === 0
      ? new Uint16Array(bytes.buffer, bytes.byteOffset + from, length / 2)
      : new Uint16Array(copy(from, length));
  return {
    views,
    dim,
    locations,
    features: halves(headerBytes, featureBytes),
    pooledClassMap: halves(headerBytes + featureBytes, mapBytes),
    zeroShot: new Float32Array(copy(headerBytes + featureBytes + mapBytes, zeroShot * 4)),
  };
}

interface Slot {
  bytes: number;
  usedAt: number;
}

const shared = new Map<string, FeatureCache>();

export class FeatureCache {
  private index: Map<string, Slot> | null = null;
  /** How many holders keep each entry through evictions. */
  private readonly pinned = new Map<string, number>();

  /** `folder` holds the entries of one backbone. */
  constructor(
    readonly folder: string,
    readonly limitBytes = featureCacheLimit(),
  ) {}

  /**
   * The cache of a project's backbone, one per folder in this process: a pre-label run and a train
   * run share its index, its pins and its limit.
   */
  static forProject(projectPath: string, backbone: string): FeatureCache {
    const folder = join(featureCacheFolder(projectPath), backbone.replace(/[^\w.@-]/g, '_'));
    let cache = shared.get(folder);
    if (!cache) shared.set(folder, (cache = new FeatureCache(folder)));
    return cache;
  }

  private path(sha256: string): string {
    return join(this.folder, `${sha256}.f16`);
  }

  private async slots(): Promise<Map<string, Slot>> {
    if (this.index) return this.index;
    const index = new Map<string, Slot>();
    let names: string[] = [];
    try {
      names = await readdir(this.folder);
    } catch {
      // no cache yet
    }
    for (const name of names) {
      // Left by a process killed while writing: never a whole entry.
      if (name.endsWith('.partial')) await rm(join(this.folder, name), { force: true });
      if (!name.endsWith('.f16')) continue;
      try {
        const info = await stat(join(this.folder, name));
        index.set(name.slice(0, -4), { bytes: info.size, usedAt: info.mtimeMs });
      } catch {
        // removed meanwhile
      }
    }
    this.index ??= index;
    return this.index;
  }

  async has(sha256: string): Promise<boolean> {
    return (await this.slots()).has(sha256);
  }

  /** Bytes the cache holds. */
  async size(): Promise<number> {
    let total = 0;
    for (const slot of (await this.slots()).values()) total += slot.bytes;
    return total;
  }

  /** The entry, or undefined when there is none or it was damaged (then it is removed). */
  async read(sha256: string): Promise<FeatureEntry | undefined> {
    const slots = await this.slots();
    if (!slots.has(sha256)) return undefined;
    let bytes: Buffer;
    try {
      bytes = await readFile(this.path(sha256));
    } catch {
      slots.delete(sha256);
      return undefined;
    }
    const entry = decode(bytes);
    if (!entry) {
      await this.remove(sha256);
      return undefined;
    }
    const at = Date.now();
    slots.set(sha256, { bytes: bytes.length, usedAt: at });
    // The file's time is the LRU order across runs; failing to touch it only blurs that order.
    await utimes(this.path(sha256), at / 1000, at / 1000).catch(() => undefined);
    return entry;
  }

  /** Keeps these entries through evictions (the photos a training run reads) until released. */
  pin(sha256s: Iterable<string>): () => void {
    const held = [...new Set(sha256s)];
    for (const sha of held) this.pinned.set(sha, (this.pinned.get(sha) ?? 0) + 1);
    return () => {
      for (const sha of held) {
        const count = this.pinned.get(sha)! - 1;
        if (count > 0) this.pinned.set(sha, count);
        else this.pinned.delete(sha);
      }
    };
  }

  /**
   * Stores an entry, evicting others to stay under the limit, photos `isLabelled` does not name
   * first. Throws an io_error saying what is short when neither the limit nor the disk leaves room;
   * nothing is half-written.
   */
  async write(sha256: string, entry: FeatureEntry, isLabelled: (sha256: string) => boolean): Promise<void> {
    const bytes = encode(entry);
    const slots = await this.slots();
    await this.makeRoom(bytes.length - (slots.get(sha256)?.bytes ?? 0), sha256, isLabelled);
    await mkdir(this.folder, { recursive: true });
    const free = await statfs(this.folder)
      .then((s) => s.bavail * s.bsize)
      .catch(() => Infinity);
    if (free < bytes.length + diskMargin)
      throw new ApiError(
        'io_error',
        `the disk holding the feature cache (${this.folder}) has ${megabytes(free)} free; ` +
          `it needs ${megabytes(bytes.length + diskMargin)} to store another photo's features`,
      );
    try {
      await writeFileWhole(this.path(sha256), bytes);
    } catch (error) {
      throw new ApiError(
        'io_error',
        `cannot write the feature cache in ${this.folder}: ${(error as Error).message}`,
      );
    }
    slots.set(sha256, { bytes: bytes.length, usedAt: Date.now() });
  }

  private async makeRoom(
    needed: number,
    keep: string,
    isLabelled: (sha256: string) => boolean,
  ): Promise<void> {
    const slots = await this.slots();
    let total = 0;
    for (const slot of slots.values()) total += slot.bytes;
    if (total + needed <= this.limitBytes) return;
    const candidates = [...slots.entries()]
      .filter(([sha]) => sha !== keep && !this.pinned.has(sha))
      .map(([sha, slot]) => ({ sha, slot, labelled: isLabelled(sha) }))
      .sort((a, b) => Number(a.labelled) - Number(b.labelled) || a.slot.usedAt - b.slot.usedAt);
    for (const { sha, slot } of candidates) {
      if (total + needed <= this.limitBytes) break;
      await this.remove(sha);
      total -= slot.bytes;
    }
    if (total + needed > this.limitBytes)
      throw new ApiError(
        'io_error',
        `the feature cache is full: its limit of ${megabytes(this.limitBytes)} holds the features of ` +
          `${this.pinned.size} photos this run needs and no more; raise it with CSRA_FEATURE_CACHE_GB ` +
          `(each photo takes ${megabytes(needed)})`,
      );
  }

  private async remove(sha256: string): Promise<void> {
    await rm(this.path(sha256), { force: true });
    this.index?.delete(sha256);
  }
}

function megabytes(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GiB` : `${Math.ceil(bytes / 1024 ** 2)} MiB`;
}
