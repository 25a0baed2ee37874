/** Whether a client name is taken on a server, asked through a short-lived probe client. */
import { C, native } from './native.js';

/** True if a client with this name is registered on the server. */
export async function clientExists(name: string, serverName: string | undefined): Promise<boolean> {
  const n = new native.NativeClient(() => {});
  const r = await n.open(`jwprobe-${process.pid}-${Date.now() % 1e6}`, C.NoStartServer, serverName ?? null, null);
  if (!r.ok) return false;
  try {
    return n.uuidForClientName(name) !== null;
  } finally {
    await n.close();
  }
}
