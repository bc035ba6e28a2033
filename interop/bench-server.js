#!/usr/bin/env node
// Baseline for the gRPC server benchmark: a @grpc/grpc-js server answering grpc.health.v1.Health/Check
// on 127.0.0.1 with a free port. Prints {"port":N} once bound; exits when stdin closes.
'use strict';
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const healthDef = grpc.loadPackageDefinition(protoLoader.loadSync(
  path.join(__dirname, 'protos', 'health.proto'),
  { keepCase: true, enums: String, defaults: true }));
const server = new grpc.Server();
server.addService(healthDef.grpc.health.v1.Health.service, {
  Check: (call, callback) => callback(null, { status: 'SERVING' }),
  Watch: call => call.end(),
});
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) { console.error(err); process.exit(1); }
  process.stdout.write(JSON.stringify({ port }) + '\n');
});
process.stdin.on('end', () => server.forceShutdown());
process.stdin.resume();
