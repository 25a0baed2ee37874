/**
 * metadata: label ports with JACK metadata and watch others' labels.
 *
 * Shows: setProperty with the standard keys (pretty names, port groups,
 * signal type), module-level getProperties/getAllProperties, and the
 * propertyChange event seen by another client.
 */
import { Client, ensureServer, getProperties, METADATA } from 'jackwasm';

await using server = await ensureServer();
await using mixer = await Client.open(`mixer-${process.pid}`, { serverName: server.name });
await using watcher = await Client.open(`watcher-${process.pid}`, { serverName: server.name });
watcher.activate();
const changes: string[] = [];
watcher.on('propertyChange', (subject, key, change) => changes.push(`${change} ${key || '(all)'} on ${subject}`));
mixer.activate();

const left = mixer.outports.register('master_L');
const right = mixer.outports.register('master_R');
mixer.setProperty(left, METADATA.PRETTY_NAME, 'Master left');
mixer.setProperty(right, METADATA.PRETTY_NAME, 'Master right');
for (const p of [left, right]) mixer.setProperty(p, METADATA.PORT_GROUP, 'master');
mixer.setProperty(left, METADATA.SIGNAL_TYPE, 'AUDIO');
mixer.setProperty(mixer, METADATA.PRETTY_NAME, 'Demo mixer');

for (const p of [left, right]) {
  const props = getProperties(p);
  console.log(p.name, Object.fromEntries(Object.entries(props).map(([k, v]) => [k.split('/').pop(), v.value])));
}
console.log('client pretty name:', getProperties(mixer)[METADATA.PRETTY_NAME]?.value);

await new Promise((r) => setTimeout(r, 200));
for (const p of [left, right]) mixer.removeProperties(p);
mixer.removeProperties(mixer);
await new Promise((r) => setTimeout(r, 200));
console.log(`the watcher saw ${changes.length} changes:\n  ${changes.join('\n  ')}`);
