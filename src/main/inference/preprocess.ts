import sharp from 'sharp';
import { UnreadablePhoto } from '../library/photo';

/**
 * A photo as the model reads it: upright (EXIF orientation applied), resized to side×side, RGB,
 * one byte per channel, rows of pixels (HWC).
 */
export async function photoPixels(path: string, side: number): Promise<Uint8Array> {
  try {
    const data = await sharp(path, { failOn: 'error' })
      .rotate()
      .resize(side, side, { fit: 'fill' })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer();
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } catch (error) {
    throw new UnreadablePhoto(`cannot decode: ${(error as Error).message.split('\n')[0]}`);
  }
}
