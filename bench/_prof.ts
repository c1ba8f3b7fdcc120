import { readFileSync } from 'node:fs';
import { check } from '../src/check.js';

const fx = JSON.parse(readFileSync('/tmp/fx.json', 'utf8'));
const ca = readFileSync(fx.caFile, 'utf8');
const lookup = async () => [{ address: '127.0.0.1', family: 4 as const }];
const one = () =>
  check(`https://localhost:${fx.port}/`, { now: () => new Date(), allow: ['127.0.0.0/8'], extraCaPem: [ca], lookup });
for (let i = 0; i < 5; i++) await one();
const t0 = performance.now();
const cpu0 = process.cpuUsage();
for (let i = 0; i < 40; i++) await one();
const cpu = process.cpuUsage(cpu0);
console.log(
  'per check wall',
  ((performance.now() - t0) / 40).toFixed(1),
  'ms cpu',
  ((cpu.user + cpu.system) / 1000 / 40).toFixed(1),
  'ms',
);

import tls from 'node:tls';

const raw = () =>
  new Promise<void>((res, rej) => {
    const s = tls.connect({ host: '127.0.0.1', port: fx.port, servername: 'localhost', ca }, () => {
      s.destroy();
      res();
    });
    s.on('error', rej);
  });
for (let i = 0; i < 5; i++) await raw();
const t1 = performance.now();
const c1 = process.cpuUsage();
for (let i = 0; i < 40; i++) await raw();
const cc = process.cpuUsage(c1);
console.log(
  'raw wall',
  ((performance.now() - t1) / 40).toFixed(1),
  'ms cpu',
  ((cc.user + cc.system) / 1000 / 40).toFixed(1),
  'ms',
);
const t2 = performance.now();
const c2 = process.cpuUsage();
for (let i = 0; i < 40; i++)
  await check(`https://localhost:${fx.port}/`, {
    now: () => new Date(),
    allow: ['127.0.0.0/8'],
    extraCaPem: [ca],
    lookup,
    profile: 'sweep',
  });
const c3 = process.cpuUsage(c2);
console.log(
  'sweep wall',
  ((performance.now() - t2) / 40).toFixed(1),
  'ms cpu',
  ((c3.user + c3.system) / 1000 / 40).toFixed(1),
  'ms',
);
