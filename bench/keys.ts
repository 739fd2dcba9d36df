/**
 * `npm run bench keys [-- --seconds N]`: what the crypto on the refresh path costs in one process — client
 * assertions signed per second (RS384 and ES384, the two algorithms offered) and token seals/unseals per second.
 */
import { parseArgs } from 'node:util';
import { systemClock } from '../src/clock.ts';
import { createSealer, generateEncryptionKey } from '../src/crypto/sealer.ts';
import { createClientAssertion } from '../src/keys/client-assertion.ts';
import { loadKeyStore } from '../src/keys/key-store.ts';
import { ecPem, rsaPem } from '../src/testing/test-keys.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '3' } } });
const seconds = Number(values.seconds);

async function measure(name: string, work: () => unknown): Promise<void> {
  let count = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  while (performance.now() < deadline) {
    await work();
    count += 1;
  }
  const elapsed = (performance.now() - started) / 1000;
  console.log(
    `${name.padEnd(28)} ${(count / elapsed).toFixed(0).padStart(8)} /s   ${((elapsed / count) * 1e6).toFixed(1)} µs each`,
  );
}

const tokenEndpoint = 'https://fhir.example.org/oauth2/token';
for (const [alg, pem] of [
  ['RS384', rsaPem()],
  ['ES384', ecPem('P-384')],
] as const) {
  const key = (await loadKeyStore({ privateKeysPem: pem, clock: systemClock })).activeKey();
  await measure(`client assertion ${alg}`, () =>
    createClientAssertion({ key, clientId: 'bench-client', tokenEndpoint, clock: systemClock }),
  );
}

const sealer = createSealer(generateEncryptionKey());
const token = 'x'.repeat(1200); // an Epic refresh token is a few hundred characters; access tokens run longer
const binding = 'connections/bench/refresh_token_sealed';
const sealed = sealer.seal(token, binding);
await measure('seal (1.2 kB token)', () => sealer.seal(token, binding));
await measure('unseal (1.2 kB token)', () => sealer.unseal(sealed, binding));
