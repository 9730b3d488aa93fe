// Reads and writes pickles' envelopes the way a corrupt or hostile producer would (format 2:
// header line, JSON head line, then JSON table lines; runtime/pickle/envelope.ts).

/** The envelope of a format-2 pickle as one object (`table` holds every entry). */
export function readEnvelope(bytes: Uint8Array): Record<string, any> {
  const lines = new TextDecoder().decode(bytes).split("\n");
  if (lines[0] !== "tsgreenlet-pickle/2") throw new Error(`not a format-2 pickle: ${lines[0]}`);
  const env = JSON.parse(lines[1]!);
  env.table = lines.slice(2).flatMap((l) => JSON.parse(l) as unknown[]);
  delete env.chunks;
  return env;
}

/** A format-2 pickle of `env`; the table is split into lines of `chunk` entries. */
export function writeEnvelope(env: Record<string, any>, chunk = 7): Uint8Array {
  const { table, ...head } = env;
  const t: unknown[] = Array.isArray(table) ? table : [];
  const lines = [];
  for (let at = 0; at < t.length; at += chunk) lines.push(JSON.stringify(t.slice(at, at + chunk)));
  // A table that is not an array (a hostile edit) is written as one line as it is.
  if (!Array.isArray(table)) lines.push(JSON.stringify(table ?? null));
  return new TextEncoder().encode(["tsgreenlet-pickle/2", JSON.stringify({ ...head, chunks: lines.length }), ...lines].join("\n"));
}
