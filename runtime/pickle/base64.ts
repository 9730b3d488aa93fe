/** Base64 for ArrayBuffer contents (Buffer on Node, atob/btoa elsewhere). */
type BufferLike = { from(a: Uint8Array | string, enc?: string): Uint8Array & { toString(enc: string): string } };
const NodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer;

export function bytesToBase64(b: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(b).toString("base64");
  let s = "";
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Throws on characters outside the base64 alphabet (hostile input). */
export function base64ToBytes(s: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) throw new Error("invalid base64 in an ArrayBuffer entry");
  if (NodeBuffer) return new Uint8Array(NodeBuffer.from(s, "base64"));
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
