/**
 * Makes this project's caller recordings and turns them into callbench fixtures. A team would
 * record real callers (or take them from call recordings); this example synthesises its own with
 * eSpeak NG (the `espeak-ng` WASM build, a devDependency), so anyone can remake them:
 *
 *   npm run recordings
 *
 * Each phrase becomes recordings/NAME.wav (22.05 kHz mono 16-bit, as espeak-ng writes it), then
 * `callbench fixture add` converts it to scenarios/fixtures/NAME.wav (8 kHz mu-law, what Twilio
 * carries) and writes its sidecar NAME.json (the text and the voiced spans callbench's VAD finds).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import espeak from 'espeak-ng';

const PHRASES = [
  { name: 'where-order', text: 'Hi, can you tell me where my order is?' },
  { name: 'returns', text: 'How do I return a jacket that does not fit?' },
  { name: 'close-today', text: 'Sorry, actually, when do you close today?' },
];

mkdirSync('recordings', { recursive: true });
for (const { name, text } of PHRASES) {
  const out = '/recording.wav';
  const module = await espeak({ arguments: ['-v', 'en-us', '-s', '150', '-w', out, text], print: () => {}, printErr: () => {} });
  writeFileSync(`recordings/${name}.wav`, module.FS.readFile(out));
  const added = spawnSync('npx', ['callbench', 'fixture', 'add', `recordings/${name}.wav`, '--name', name, '--text', text], { stdio: 'inherit' });
  if (added.status !== 0) process.exit(added.status ?? 1);
}
