/** Shared by the embeddings translations: OpenAI's `encoding_format: base64` is little-endian float32. */
export function base64Floats(values: number[]): string {
  const buf = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  return buf.toString('base64');
}
