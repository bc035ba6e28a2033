#!/usr/bin/env node
// Load client for the gRPC server benchmark: calls grpc.health.v1.Health/Check on one channel with
// CONCURRENCY callers for SECONDS (after a 1 s warm-up) and prints one JSON line:
// {"calls","seconds","callsPerSecond","p50Ms","p99Ms"} (latencies from a sequential pass first).
//
//   node bench-client.js HOST:PORT [SECONDS=5] [CONCURRENCY=16]
'use strict';
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const healthDef = grpc.loadPackageDefinition(protoLoader.loadSync(
  path.join(__dirname, 'protos', 'health.proto'),
  { keepCase: true, enums: String, defaults: true }));
const [address, secondsArg, concurrencyArg] = process.argv.slice(2);
const seconds = Number(secondsArg ?? 5);
const concurrency = Number(concurrencyArg ?? 16);
const client = new healthDef.grpc.health.v1.Health(address, grpc.credentials.createInsecure());

function check() {
  return new Promise((resolve, reject) => client.Check({ service: '' }, (err, reply) => (err ? reject(err) : resolve(reply))));
}

async function runFor(ms, callers) {
  let calls = 0;
  const end = Date.now() + ms;
  await Promise.all(Array.from({ length: callers }, async () => {
    while (Date.now() < end) { await check(); calls++; }
  }));
  return calls;
}

(async () => {
  await runFor(1000, concurrency);
  const latencies = [];
  for (let i = 0; i < 2000; i++) {
    const t = process.hrtime.bigint();
    await check();
    latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  latencies.sort((a, b) => a - b);
  const start = process.hrtime.bigint();
  const calls = await runFor(seconds * 1000, concurrency);
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  process.stdout.write(JSON.stringify({
    calls, seconds: elapsed, callsPerSecond: calls / elapsed,
    p50Ms: latencies[Math.floor(latencies.length * 0.5)], p99Ms: latencies[Math.floor(latencies.length * 0.99)],
  }) + '\n');
  client.close();
})().catch(e => { console.error(e); process.exit(1); });
