#!/usr/bin/env node
// grpc-js baseline for the `etcd` benchmark: unary etcdserverpb.KV/Range against the same etcd our client calls.
// Sequential pass first (latency percentiles), then CONCURRENCY callers on one channel for SECONDS.
// Prints one JSON line: {"sequentialCalls","p50Ms","p99Ms","calls","seconds","callsPerSecond"}.
//
//   node etcd-bench.js HOST:PORT KEY [SECONDS=5] [CONCURRENCY=16] [SEQUENTIAL=3000]
'use strict';
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const def = grpc.loadPackageDefinition(protoLoader.loadSync(path.join(__dirname, 'protos', 'etcd-kv.proto'),
  { keepCase: true, longs: String, enums: String, defaults: true }));
const [address, key, secondsArg, concurrencyArg, sequentialArg] = process.argv.slice(2);
const seconds = Number(secondsArg ?? 5);
const concurrency = Number(concurrencyArg ?? 16);
const sequential = Number(sequentialArg ?? 3000);
const client = new def.etcdserverpb.KV(address, grpc.credentials.createInsecure());
const request = { key: Buffer.from(key) };

function range() {
  return new Promise((resolve, reject) => client.Range(request, (err, reply) => (err ? reject(err) : resolve(reply))));
}

async function runFor(ms, callers) {
  let calls = 0;
  const end = Date.now() + ms;
  await Promise.all(Array.from({ length: callers }, async () => {
    while (Date.now() < end) { await range(); calls++; }
  }));
  return calls;
}

(async () => {
  await runFor(1000, concurrency); // warm-up: connection, JIT
  const lat = [];
  for (let i = 0; i < sequential; i++) {
    const t = process.hrtime.bigint();
    await range();
    lat.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  lat.sort((a, b) => a - b);
  const pct = (p) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))];
  const start = process.hrtime.bigint();
  const calls = await runFor(seconds * 1000, concurrency);
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(JSON.stringify({ sequentialCalls: sequential, p50Ms: pct(0.5), p99Ms: pct(0.99), calls, seconds: elapsed, callsPerSecond: calls / elapsed }));
  client.close();
})().catch((e) => { console.error(e); process.exit(1); });
