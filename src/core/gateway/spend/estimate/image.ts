/**
 * An image's pixel size from the bytes a request carries inline (a data: URL or bare
 * base64), read from the file header: PNG, GIF, WebP, JPEG. Undefined when the request
 * only links the image (URL, file id) or the format is not one of these: the estimators
 * then use the largest count the provider's formula can give.
 */
export interface PixelSize {
  width: number;
  height: number;
}

/** Base64 characters decoded at most: a JPEG's frame header follows its EXIF/ICC segments, usually well within this. */
const MAX_B64 = 1 << 20;

export function inlineImageSize(data: string): PixelSize | undefined {
  let b64 = data;
  if (data.startsWith('data:')) {
    const comma = data.indexOf(',');
    if (comma < 0 || !data.slice(0, comma).endsWith(';base64')) return undefined;
    b64 = data.slice(comma + 1);
  }
  if (b64.length === 0) return undefined;
  const head = Buffer.from(b64.slice(0, 64), 'base64');
  if (head[0] === 0xff && head[1] === 0xd8)
    return jpegSize(Buffer.from(b64.slice(0, MAX_B64 - (MAX_B64 % 4)), 'base64'));
  return pngSize(head) ?? gifSize(head) ?? webpSize(head);
}

function pngSize(b: Buffer): PixelSize | undefined {
  if (b.length < 24 || b.readUInt32BE(0) !== 0x89504e47 || b.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

function gifSize(b: Buffer): PixelSize | undefined {
  if (b.length < 10 || b.toString('latin1', 0, 4) !== 'GIF8') return undefined;
  return { width: b.readUInt16LE(6), height: b.readUInt16LE(8) };
}

function webpSize(b: Buffer): PixelSize | undefined {
  if (b.length < 30 || b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WEBP')
    return undefined;
  const chunk = b.toString('latin1', 12, 16);
  if (chunk === 'VP8 ') return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
  if (chunk === 'VP8L') {
    const [b0, b1, b2, b3] = [b[21]!, b[22]!, b[23]!, b[24]!];
    return { width: 1 + (b0 | ((b1 & 0x3f) << 8)), height: 1 + ((b1 >> 6) | (b2 << 2) | ((b3 & 0x0f) << 10)) };
  }
  if (chunk === 'VP8X') return { width: 1 + b.readUIntLE(24, 3), height: 1 + b.readUIntLE(27, 3) };
  return undefined;
}

/** Walks the JPEG segments to the first frame header (SOF0–SOF15 except DHT, JPG and DAC). */
function jpegSize(b: Buffer): PixelSize | undefined {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return undefined;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) };
    }
    i += 2 + b.readUInt16BE(i + 2);
  }
  return undefined;
}
