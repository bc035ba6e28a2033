#!/usr/bin/env node
// Calls a component's gRPC server (Grpc.AspNetCore) with @grpc/grpc-js, a real and independent gRPC
// implementation, and prints one JSON line with what grpc-js saw:
// {"case","code","details","responses","metadata","trailers"}.
// Streaming cases print {"event":"response",...} lines first so a test can react to them.
//
//   node server-interop.js HOST:PORT CASE [ARG]
//
// Cases: ping SERVERID, deadline, reject SERVERID, unknown-method, health-check SERVICE, health-watch SERVICE.
'use strict';
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const root = path.join(__dirname, '..');
const loadOptions = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };
const componentDef = grpc.loadPackageDefinition(protoLoader.loadSync(
  path.join(root, 'Coordinators.Actors', 'Components', 'Protos', 'component.proto'), loadOptions));
const healthDef = grpc.loadPackageDefinition(protoLoader.loadSync(
  path.join(__dirname, 'protos', 'health.proto'), loadOptions));

const [address, caseName, arg] = process.argv.slice(2);
if (!address || !caseName) {
  console.error('usage: node server-interop.js HOST:PORT CASE [ARG]');
  process.exit(2);
}
const credentials = grpc.credentials.createInsecure();
const component = new componentDef.coordinators.Component(address, credentials);
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
  component.close();
  health.close();
}

function unaryCallback(err, reply) {
  if (err) return finish(err.code, err.details, err.metadata);
  responses.push(reply);
  return finish(0, '', null);
}

function forServer(serverId) {
  const md = new grpc.Metadata();
  md.set('server-id', String(serverId));
  return md;
}

switch (caseName) {
  case 'ping':
    component.Ping({ payload: 'hello' }, forServer(arg), unaryCallback);
    break;
  case 'reject':
    component.Ping({ payload: 'hello' }, forServer(arg), unaryCallback);
    break;
  case 'deadline':
    // Connect first and leave the server a whole second, so the handler runs before the deadline passes even on
    // a loaded machine: then the handler's cancellation can be observed too.
    component.waitForReady(Date.now() + 20000, err => {
      if (err) return finish(14, `channel not ready: ${err.message}`, null);
      return component.Work({ milliseconds: 30000 }, new grpc.Metadata(), { deadline: Date.now() + 1000 }, unaryCallback);
    });
    break;
  case 'unknown-method': {
    const client = new grpc.Client(address, credentials);
    client.makeUnaryRequest('/coordinators.Component/Nope', x => x, x => x, Buffer.alloc(0), err => {
      client.close();
      if (err) return finish(err.code, err.details, err.metadata);
      return finish(0, '', null);
    });
    break;
  }
  case 'health-check':
    health.Check({ service: arg ?? '' }, unaryCallback);
    break;
  case 'health-watch': {
    // Prints each status as it comes; after the second one it cancels, so the result code is 1 (Cancelled).
    const call = health.Watch({ service: arg ?? '' });
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
