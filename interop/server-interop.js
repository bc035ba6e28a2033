#!/usr/bin/env node
// Calls OUR gRPC server with @grpc/grpc-js (a real, independent gRPC implementation) and prints one JSON
// line with what grpc-js saw: {"case","code","details","responses","metadata","trailers"}.
// Streaming cases may print {"event":"response",...} lines first so a test can react to them.
//
//   node server-interop.js HOST:PORT CASE [--ca FILE]
//
// Cases: unary, server-stream, duplex, error, deadline, unknown-method, unknown-service, reject,
//        too-large, health-check, health-unknown, health-watch.
'use strict';
const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const root = path.join(__dirname, '..');
const loadOptions = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };
const interopDef = grpc.loadPackageDefinition(protoLoader.loadSync(
  path.join(root, 'Coordinators.Tests', 'Grpc', 'Protos', 'interop.proto'), loadOptions));
const healthDef = grpc.loadPackageDefinition(protoLoader.loadSync(
  path.join(root, 'Coordinators.Actors', 'Grpc', 'Protos', 'health.proto'), loadOptions));

const [address, caseName, ...rest] = process.argv.slice(2);
if (!address || !caseName) {
  console.error('usage: node server-interop.js HOST:PORT CASE [--ca FILE]');
  process.exit(2);
}
const caIndex = rest.indexOf('--ca');
const credentials = caIndex >= 0
  ? grpc.credentials.createSsl(fs.readFileSync(rest[caIndex + 1]))
  : grpc.credentials.createInsecure();

const interop = new interopDef.coordinators.interop.Interop(address, credentials);
const health = new healthDef.grpc.health.v1.Health(address, credentials);
const responses = [];
let headers = {};

function metadataObject(md) {
  if (!md) return {};
  const out = {};
  for (const [k, v] of Object.entries(md.getMap())) out[k] = Buffer.isBuffer(v) ? v.toString('base64') : v;
  return out;
}

function finish(code, details, trailers) {
  process.stdout.write(JSON.stringify({
    case: caseName, code, details: details ?? '', responses, metadata: headers, trailers: metadataObject(trailers),
  }) + '\n');
  interop.close();
  health.close();
}

function unaryCallback(err, reply) {
  if (err) return finish(err.code, err.details, err.metadata);
  responses.push(reply);
  return finish(0, '', null);
}

// For unary calls with a status listener, trailers of a successful call arrive via the 'status' event.
function unaryWithStatus(method, request, metadata, options) {
  const call = interop[method](request, metadata ?? new grpc.Metadata(), options ?? {}, (err, reply) => {
    if (!err) responses.push(reply);
  });
  call.on('metadata', md => { headers = metadataObject(md); });
  call.on('status', s => finish(s.code, s.details, s.metadata));
}

function stream(call) {
  call.on('metadata', md => { headers = metadataObject(md); });
  call.on('data', d => { responses.push(d); });
  call.on('error', () => { /* the status event carries the code */ });
  call.on('status', s => finish(s.code, s.details, s.metadata));
  return call;
}

function raw(pathName) {
  const client = new grpc.Client(address, credentials);
  client.makeUnaryRequest(pathName, x => x, x => x, Buffer.alloc(0), (err) => {
    client.close();
    if (err) return finish(err.code, err.details, err.metadata);
    return finish(0, '', null);
  });
}

switch (caseName) {
  case 'unary': {
    const md = new grpc.Metadata();
    md.set('x-request-id', 'r-42');
    unaryWithStatus('Echo', { text: 'hello' }, md);
    break;
  }
  case 'server-stream':
    stream(interop.Count({ n: 5 }));
    break;
  case 'duplex': {
    // Ping-pong: each message is written only after the previous answer arrived, which proves the server
    // answers while the request stream is still open.
    const words = ['alpha', 'beta', 'gamma'];
    const call = interop.Chat();
    call.on('metadata', md => { headers = metadataObject(md); });
    call.on('data', d => {
      responses.push(d);
      if (responses.length < words.length) call.write({ text: words[responses.length] });
      else call.end();
    });
    call.on('error', () => {});
    call.on('status', s => finish(s.code, s.details, s.metadata));
    call.write({ text: words[0] });
    break;
  }
  case 'error':
    interop.Fail({ code: 9, message: 'überlastet: 東京 %' }, unaryCallback);
    break;
  case 'deadline':
    // Connect first, and leave the server a whole second: a deadline that passes while grpc-js is still
    // connecting, or before the server has read the request (a loaded machine), ends the call before the
    // handler runs, and then there is no handler cancellation to observe.
    interop.waitForReady(Date.now() + 20000, err => {
      if (err) return finish(14, `channel not ready: ${err.message}`, null);
      return interop.Slow({ delay_ms: 30000 }, new grpc.Metadata(), { deadline: Date.now() + 1000 }, unaryCallback);
    });
    break;
  case 'unknown-method':
    raw('/coordinators.interop.Interop/Nope');
    break;
  case 'unknown-service':
    raw('/coordinators.interop.Nowhere/Echo');
    break;
  case 'reject': {
    const md = new grpc.Metadata();
    md.set('x-server-id', '999');
    interop.Echo({ text: 'hello' }, md, unaryCallback);
    break;
  }
  case 'too-large':
    interop.Echo({ text: 'x'.repeat(4096) }, unaryCallback);
    break;
  case 'health-check':
    health.Check({ service: '' }, unaryCallback);
    break;
  case 'health-unknown':
    health.Check({ service: 'no.such.Service' }, unaryCallback);
    break;
  case 'health-watch': {
    // Prints each status as it comes; after the second one it cancels, so the result code is 1 (Cancelled).
    const call = health.Watch({ service: 'coordinators.interop.Interop' });
    call.on('data', d => {
      responses.push(d);
      process.stdout.write(JSON.stringify({ event: 'response', response: d }) + '\n');
      if (responses.length === 2) call.cancel();
    });
    call.on('error', () => {});
    call.on('status', s => finish(s.code, s.details, s.metadata));
    break;
  }
  default:
    console.error(`unknown case '${caseName}'`);
    process.exit(2);
}
