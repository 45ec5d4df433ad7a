// A photo as a model's input: upright, resized, RGB bytes, and where the photo lies in the frame.
import sharp from 'sharp';
import { readPhotoBytes, UnreadablePhoto, uprightSize } from '../library/photo';

export interface ModelInput {
  side: number;
  resize: 'fill' | 'letterbox';
  padValue: number;
}

/** Where the photo lies in the model's input, in fractions of its side (all 0..1). */
export interface Frame {
  left: number;
  top: number;
  width: number;
  height: number;
}

export const wholeFrame: Frame = { left: 0, top: 0, width: 1, height: 1 };

/**
 * A photo as the model reads it: upright (EXIF orientation applied), resized to side×side as the
 * pack says, RGB, one byte per channel, rows of pixels (HWC); and where the photo lies in it. The
 * file is read as the import reads it (a regular file, of bounded size), never opened by sharp.
 */
export async function photoPixels(
  path: string,
  input: ModelInput,
): Promise<{ pixels: Uint8Array; frame: Frame }> {
  const { bytes } = await readPhotoBytes(path);
  return pixelsOf(bytes, input);
}

/**
 * libvips as the inference workers use it: every photo is decoded once per job, so its cache of
 * recent operations (up to 50 MiB and 100 operations by default) only holds memory. The setting
 * belongs to libvips, that is to the whole process. Its threads per photo are left at the default
 * (one per core): one thread changed neither speed nor peak memory (6.1 photos/s, 330 MiB).
 */
export function quietSharp(): void {
  sharp.cache(false);
}

/**
 * A photo's file bytes as the model reads them (photoPixels, once the file is read). Decoding and
 * resizing are one libvips pipeline, run on demand as the output's rows are asked for (a JPEG
 * scaled down by 2 or more is even decoded at the smaller scale): there is no moment at which the
 * photo is decoded but not yet resized, so the two are timed as one.
 */
export async function pixelsOf(
  bytes: Buffer,
  input: ModelInput,
): Promise<{ pixels: Uint8Array; frame: Frame }> {
  try {
    const { side, resize, padValue } = input;
    const image = sharp(bytes, { failOn: 'error' }).rotate();
    let frame = wholeFrame;
    if (resize === 'letterbox') {
      const { width = side, height = side, orientation } = await image.metadata();
      const { width: w, height: h } = uprightSize({ width, height, orientation });
      const scale = Math.min(side / w, side / h);
      const [fw, fh] = [Math.round(w * scale) / side, Math.round(h * scale) / side];
      frame = { left: (1 - fw) / 2, top: (1 - fh) / 2, width: fw, height: fh };
    }
    const data = await image
      .resize(side, side, {
        fit: resize === 'fill' ? 'fill' : 'contain',
        background: { r: padValue, g: padValue, b: padValue },
      })
      .removeAlpha()
      .toColorspace('srgb')
      .raw()
      .toBuffer();
    return { pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), frame };
  } catch (error) {
    throw new UnreadablePhoto(`cannot decode: ${(error as Error).message.split('\n')[0]}`);
  }
}
