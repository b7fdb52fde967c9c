// src/client.js — a JSON-RPC 2.0 client for `cordon serve --stdio` (one message per line on the
// helper's stdin/stdout, its log on stderr). No VS Code API here, so tests drive it directly.
'use strict';

const { spawn } = require('child_process');
const { EventEmitter } = require('events');

class ServeClient extends EventEmitter {
  /**
   * @param {string} helper path of the cordon binary
   * @param {{askTimeoutSeconds?: number, env?: object, cwd?: string}} opts
   * Events: 'notification' (method, params), 'stderr' (line), 'exit' (code, signal).
   * onRequest(method, params) → Promise<result> answers the server's requests (network/ask).
   */
  constructor(helper, opts = {}) {
    super();
    this.helper = helper;
    this.opts = opts;
    this.nextId = 0;
    this.pending = new Map();
    this.runs = new Map();
    this.onRequest = null;
    this.alive = false;
  }

  start() {
    const args = ['serve', '--stdio'];
    if (this.opts.askTimeoutSeconds) args.push('--ask-timeout', String(this.opts.askTimeoutSeconds));
    this.proc = spawn(this.helper, args, {
      cwd: this.opts.cwd,
      env: this.opts.env || process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.alive = true;
    let out = '';
    let err = '';
    this.proc.stdout.setEncoding('utf8');
    this.proc.stderr.setEncoding('utf8');
    this.proc.stdout.on('data', (d) => {
      out += d;
      let nl;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        this._line(line);
      }
    });
    this.proc.stderr.on('data', (d) => {
      err += d;
      let nl;
      while ((nl = err.indexOf('\n')) >= 0) {
        this.emit('stderr', err.slice(0, nl));
        err = err.slice(nl + 1);
      }
    });
    const gone = (why) => {
      if (!this.alive) return;
      this.alive = false;
      for (const [, p] of this.pending) p.reject(new Error(why));
      this.pending.clear();
    };
    this.proc.on('error', (e) => gone(`cannot start ${this.helper}: ${e.message}`));
    this.proc.on('exit', (code, signal) => {
      gone(`cordon serve exited (${signal || code})`);
      this.emit('exit', code, signal);
    });
    this.proc.stdin.on('error', () => {});
    return this;
  }

  _send(msg) {
    if (!this.alive) return false;
    this.proc.stdin.write(JSON.stringify(msg) + '\n');
    return true;
  }

  _line(line) {
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      this.emit('stderr', `cordon serve sent a line that is not JSON: ${line.slice(0, 200)}`);
      return;
    }
    if (msg.method !== undefined && msg.id !== undefined && msg.id !== null) {
      const answer = this.onRequest
        ? Promise.resolve().then(() => this.onRequest(msg.method, msg.params || {}))
        : Promise.reject(Object.assign(new Error('method not found'), { code: -32601 }));
      answer.then(
        (result) => this._send({ jsonrpc: '2.0', id: msg.id, result: result === undefined ? null : result }),
        (e) => this._send({ jsonrpc: '2.0', id: msg.id, error: { code: e.code || -32603, message: String(e.message || e) } }),
      );
    } else if (msg.method !== undefined) {
      const run = msg.params && this.runs.get(msg.params.id);
      if (run && msg.method === 'output') run.onOutput(msg.params.stream, msg.params.data);
      this.emit('notification', msg.method, msg.params);
    } else if (msg.id !== undefined) {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.error) p.reject(Object.assign(new Error(msg.error.message), { code: msg.error.code }));
      else p.resolve(msg.result);
    }
  }

  /** request(method, params) → Promise of the result; the id is in the promise's .id. */
  request(method, params) {
    const id = ++this.nextId;
    const msg = { jsonrpc: '2.0', id, method };
    if (params !== undefined) msg.params = params;
    const p = new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (!this._send(msg)) {
        this.pending.delete(id);
        reject(new Error('cordon serve is not running'));
      }
    });
    p.id = id;
    return p;
  }

  /**
   * run(argv, {cwd, env, onOutput(stream, data)}) → Promise<{status, stdout, stderr}>.
   * Output also streams to onOutput as it comes.
   */
  run(argv, opts = {}) {
    const res = { stdout: '', stderr: '', status: null };
    const p = this.request('run', { argv, ...(opts.cwd ? { cwd: opts.cwd } : {}), ...(opts.env ? { env: opts.env } : {}) });
    this.runs.set(p.id, {
      argv,
      onOutput: (stream, data) => {
        if (stream === 'stderr') res.stderr += data;
        else res.stdout += data;
        if (opts.onOutput) opts.onOutput(stream, data);
      },
    });
    return p.then(
      (r) => {
        this.runs.delete(p.id);
        res.status = r.status;
        return res;
      },
      (e) => {
        this.runs.delete(p.id);
        throw e;
      },
    );
  }

  stop() {
    if (this.alive) {
      this.proc.stdin.end();
      this.alive = false;
    }
  }
}

module.exports = { ServeClient };
