// test/extension.test.js — the extension against the real helper, with a stub `vscode` module:
// manifest promises, terminal profile, commands, and network/ask: a request to an unlisted local
// test host is asked about, allowed (it succeeds), then denied (it fails with the proxy's 403).
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const Module = require('module');
const { spawnSync, execFileSync } = require('child_process');

// require('vscode') → the stub.
const stubPath = path.join(__dirname, 'stub', 'vscode.js');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'vscode') return stubPath;
  return resolve.call(this, request, ...rest);
};
const vscode = require('vscode');
const { registered, answers, config } = vscode._stub;

const root = path.join(__dirname, '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const helper = process.env.CORDON_HELPER || path.join(root, '..', '..', 'build', 'cordon');
const haveHelper = fs.existsSync(helper);
const haveCurl = spawnSync('curl', ['--version']).status === 0;

// A workspace outside /tmp (the sandbox has a private /tmp) and a hosts file for the test host.
const work = fs.mkdtempSync(path.join('/var/tmp', 'cordon-vscode-'));
fs.chmodSync(work, 0o755);
const hostsFile = path.join(work, 'hosts');
fs.writeFileSync(hostsFile, '127.0.0.2 asktest.test\n');
process.env.CORDON_TEST_HOSTS_FILE = hostsFile;
if (!process.env.HOME || !fs.existsSync(process.env.HOME)) process.env.HOME = work;

let server;
let port;
let cordon;
const context = { subscriptions: [], extensionPath: root };

test.before(async () => {
  server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('hello from asktest\n');
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.2', ok);
  });
  port = server.address().port;
  vscode.workspace.workspaceFolders = [{ uri: vscode.Uri.file(work), name: 'w', index: 0 }];
  // The IP literal is allowed (a name resolving to loopback needs it); the name is not: it is asked.
  config.cordon = { helperPath: helper, allowHosts: ['127.0.0.2'], askTimeoutSeconds: 20 };
  cordon = require('../src/extension.js').activate(context);
});

test.after(() => {
  for (const d of context.subscriptions) d.dispose();
  if (server) server.close();
  fs.rmSync(work, { recursive: true, force: true });
});

test('manifest: terminal profile, commands, machine-scoped helperPath, Workspace Trust, pinned types', () => {
  assert.deepStrictEqual(manifest.contributes.terminal.profiles.map((p) => [p.id, p.title]), [
    ['cordon.sandboxedShell', 'Sandboxed shell (cordon)'],
  ]);
  const cmds = manifest.contributes.commands.map((c) => c.command);
  for (const c of ['cordon.status', 'cordon.hosts', 'cordon.allowHost', 'cordon.showLog']) assert.ok(cmds.includes(c), c);
  const props = manifest.contributes.configuration.properties;
  assert.strictEqual(props['cordon.helperPath'].scope, 'machine');
  assert.strictEqual(props['cordon.allowHosts'].scope, 'machine');
  assert.ok(manifest.capabilities.untrustedWorkspaces.supported !== undefined);
  assert.ok(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('cordon.helperPath'));
  assert.strictEqual(manifest.engines.vscode, '^' + manifest.devDependencies['@types/vscode']);
});

test('manifest: activation on the commands, the terminal profile and the task type only; an icon; the task type', () => {
  const ev = manifest.activationEvents;
  assert.ok(!ev.includes('*') && !ev.includes('onStartupFinished'), 'activated at every start-up: ' + ev);
  for (const c of manifest.contributes.commands) assert.ok(ev.includes(`onCommand:${c.command}`), c.command);
  assert.ok(ev.includes('onTerminalProfile:cordon.sandboxedShell'));
  assert.ok(ev.includes('onTaskType:cordon'));
  const png = fs.readFileSync(path.join(root, manifest.icon));
  assert.strictEqual(png.subarray(1, 4).toString(), 'PNG');
  assert.deepStrictEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128], 'icon size');
  const td = manifest.contributes.taskDefinitions.find((t) => t.type === 'cordon');
  assert.deepStrictEqual(td.required, ['command']);
});

test('activation registers the profile provider, the commands and a status-bar item', () => {
  assert.ok(registered.profiles.has('cordon.sandboxedShell'));
  for (const c of ['cordon.status', 'cordon.hosts', 'cordon.allowHost', 'cordon.showLog']) assert.ok(registered.commands.has(c), c);
  const item = vscode.window.statusBarItems[0];
  assert.ok(item && item.visible && /cordon/.test(item.text));
});

test('commands answer through the real helper', { skip: !haveHelper && `no helper at ${helper}`, timeout: 60000 }, async () => {
  const st = await vscode.commands.executeCommand('cordon.status');
  assert.ok(st && st.kernel && st.kernel.release, JSON.stringify(st));
  assert.ok(st.proxyMaxConnections > 0, JSON.stringify(st));
  assert.match(vscode._stub.shown.info.at(-1), /proxy up to \d+ connections per session/);
  const hosts = await vscode.commands.executeCommand('cordon.hosts');
  assert.deepStrictEqual(hosts.allow, ['127.0.0.2']);
  const log = await vscode.commands.executeCommand('cordon.showLog');
  assert.ok(Array.isArray(log.entries));
  const bad = await vscode.commands.executeCommand('cordon.allowHost', '*.com');
  assert.strictEqual(bad, undefined);
  assert.match(vscode._stub.shown.error.at(-1), /\*\.com/);
});

test('the terminal profile runs `cordon shell`, confined: /etc refused, the workspace writable', { skip: !haveHelper && `no helper at ${helper}`, timeout: 60000 }, async () => {
  const provider = registered.profiles.get('cordon.sandboxedShell');
  const profile = await provider.provideTerminalProfile({});
  const o = profile.options;
  assert.strictEqual(o.name, 'Sandboxed shell (cordon)');
  assert.strictEqual(o.shellPath, helper);
  assert.strictEqual(o.shellArgs[0], 'shell');
  assert.ok(o.shellArgs.includes('--allow-host'));
  assert.strictEqual(o.env.CORDON_ASK_SOCKET, cordon.askSocket);
  // What VS Code would start for the terminal, with the shell's input from a pipe.
  const r = spawnSync(o.shellPath, o.shellArgs, {
    cwd: o.cwd,
    env: { ...process.env, ...o.env, SHELL: '/bin/sh' },
    input: 'touch /etc/x-cordon-vscode; echo "etc=$?"\ntouch ./ok-vscode; echo "ok=$?"\necho "prompt=$CORDON_PROMPT"\n',
    encoding: 'utf8',
    timeout: 50000,
  });
  assert.match(r.stdout, /etc=1/, r.stdout + r.stderr);
  assert.ok(!fs.existsSync('/etc/x-cordon-vscode'));
  assert.match(r.stdout, /ok=0/, r.stdout + r.stderr);
  assert.ok(fs.existsSync(path.join(work, 'ok-vscode')));
  assert.match(r.stdout, /prompt=\[cordon\]/);
});

test('the cordon task type: detected make and npm tasks, and a tasks.json task run through cordon sh -c, confined', { skip: !haveHelper && `no helper at ${helper}`, timeout: 60000 }, async () => {
  const provider = registered.taskProviders.get('cordon');
  assert.ok(provider, 'no task provider for type cordon');
  fs.writeFileSync(path.join(work, 'Makefile'), 'all:\n\ttrue\n');
  fs.writeFileSync(path.join(work, 'package.json'), JSON.stringify({ scripts: { test: 'true', lint: 'true' } }));
  const found = await provider.provideTasks();
  assert.deepStrictEqual(found.map((t) => t.name).sort(), ['make', 'npm run lint', 'npm run test']);
  for (const t of found) {
    assert.strictEqual(t.execution.process, helper);
    assert.deepStrictEqual(t.execution.args.slice(-2), ['-c', t.definition.command]);
  }
  fs.rmSync(path.join(work, 'Makefile'));
  fs.rmSync(path.join(work, 'package.json'));

  // What a tasks.json entry {"type": "cordon", "command": ...} becomes, without any shell settings.
  const command = 'touch /etc/x-cordon-task; echo "etc=$?"; touch ./ok-task; echo "ok=$?"; echo "rt=$SANDBOX_RUNTIME"';
  const folder = vscode.workspace.workspaceFolders[0];
  const t = await provider.resolveTask(new vscode.Task({ type: 'cordon', command }, folder, 'build', 'Workspace'));
  assert.ok(t, 'the task was not resolved');
  assert.deepStrictEqual(t.definition, { type: 'cordon', command }, 'resolveTask changed the definition');
  const e = t.execution;
  assert.strictEqual(e.process, helper);
  assert.strictEqual(e.args[0], 'sh');
  assert.ok(e.args.includes('--allow-host'), 'the policy flags of the settings: ' + e.args);
  assert.deepStrictEqual(e.args.slice(-2), ['-c', command]);
  assert.strictEqual(e.options.cwd, work);
  assert.strictEqual(e.options.env.CORDON_ASK_SOCKET, cordon.askSocket);
  // Run it as VS Code would.
  const r = spawnSync(e.process, e.args, { cwd: e.options.cwd, env: { ...process.env, ...e.options.env }, encoding: 'utf8', timeout: 50000 });
  assert.strictEqual(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /etc=1/, r.stdout + r.stderr);
  assert.ok(!fs.existsSync('/etc/x-cordon-task'));
  assert.match(r.stdout, /ok=0/, r.stdout + r.stderr);
  assert.ok(fs.existsSync(path.join(work, 'ok-task')));
  assert.match(r.stdout, /rt=1/);
  // The control: a task of another type, or without a command, is not this provider's.
  assert.strictEqual(await provider.resolveTask(new vscode.Task({ type: 'shell', command: 'make' }, folder, 'x', 'Workspace')), undefined);
  assert.strictEqual(await provider.resolveTask(new vscode.Task({ type: 'cordon' }, folder, 'x', 'Workspace')), undefined);
});

test('network/ask: allow once lets the request through, deny refuses it, allow for session sticks', {
  skip: (!haveHelper && `no helper at ${helper}`) || (!haveCurl && 'curl not installed'),
  timeout: 120000,
}, async () => {
  const client = await cordon.serve();
  const url = `http://asktest.test:${port}/`;
  const curl = ['curl', '-sS', '-f', '--max-time', '30', url];
  const asked = [];
  const answer = (label) => (m, items) => {
    asked.push(m);
    assert.deepStrictEqual(items, ['Allow once', 'Allow for session', 'Deny']);
    return label;
  };

  answers.warning.push(answer('Allow once'));
  let r = await client.run(curl, { cwd: work });
  assert.strictEqual(asked.length, 1, 'one network/ask question');
  assert.match(asked[0], new RegExp(`asktest\\.test:${port}`));
  assert.strictEqual(r.status, 0, r.stderr);
  assert.strictEqual(r.stdout, 'hello from asktest\n');

  answers.warning.push(answer('Deny'));
  r = await client.run(curl, { cwd: work });
  assert.strictEqual(asked.length, 2, 'allow once did not stick: asked again');
  assert.notStrictEqual(r.status, 0, 'denied request succeeded: ' + r.stdout);
  assert.match(r.stderr, /403/);

  answers.warning.push(answer('Allow for session'));
  r = await client.run(curl, { cwd: work });
  assert.strictEqual(r.status, 0, r.stderr);
  r = await client.run(curl, { cwd: work });
  assert.strictEqual(asked.length, 3, 'allowed for the session: not asked again');
  assert.strictEqual(r.status, 0, r.stderr);
  const hosts = await client.request('hosts.list', { cwd: work });
  assert.ok(hosts.session.includes(`asktest.test:${port}`), JSON.stringify(hosts));

  const log = await client.request('log.list');
  assert.ok(log.entries.some((e) => e.host === 'asktest.test' && e.port === port), JSON.stringify(log));
});

test('network/ask unanswered within the timeout means deny', {
  skip: (!haveHelper && `no helper at ${helper}`) || (!haveCurl && 'curl not installed'),
  timeout: 60000,
}, async () => {
  const { ServeClient } = require('../src/client.js');
  const c = new ServeClient(helper, { askTimeoutSeconds: 1, cwd: work }).start();
  let asked = 0;
  c.onRequest = () => {
    asked++;
    return new Promise(() => {}); // never answers
  };
  await c.request('initialize', { capabilities: { networkAsk: true } });
  await c.request('session.start', { allowHost: ['127.0.0.2'], cwd: work });
  const t0 = Date.now();
  const r = await c.run(['curl', '-sS', '-f', '--max-time', '30', `http://asktest.test:${port}/`], { cwd: work });
  assert.strictEqual(asked, 1);
  assert.notStrictEqual(r.status, 0);
  assert.match(r.stderr, /403/);
  assert.ok(Date.now() - t0 < 25000, 'the timeout was not applied');
  c.stop();
});

// The session helper of the bats suites: finds the session process of serve's running run.
const sessionPidScript = process.env.CORDON_TESTS
  ? path.join(process.env.CORDON_TESTS, 'bats', 'session_pid.bash')
  : path.join(root, '..', '..', 'tests', 'bats', 'session_pid.bash');

test('when a run\'s session process dies, the extension shows that the network was cut', {
  skip: (!haveHelper && `no helper at ${helper}`) || (!fs.existsSync(sessionPidScript) && `no ${sessionPidScript}`),
  timeout: 60000,
}, async () => {
  const client = await cordon.serve();
  const died = 'the session process died; the network was cut';
  // control: a run that ends by itself brings no such notice
  let r = await client.run(['true'], { cwd: work });
  assert.strictEqual(r.status, 0);
  assert.strictEqual(cordon.sessionsDied.length, 0);

  let started;
  const isStarted = new Promise((ok) => { started = ok; });
  const running = client.run(['sh', '-c', 'echo started; exec sleep 3149'], {
    cwd: work,
    onOutput: (stream, data) => { if (data.includes('started')) started(); },
  });
  await isStarted;
  const spid = Number(execFileSync('bash', ['-c', '. "$1" && serve_session_pid "$2"', '_',
    sessionPidScript, String(client.proc.pid)], { encoding: 'utf8' }).trim());
  assert.ok(spid > 0, 'no session process found');
  process.kill(spid, 'SIGKILL');
  r = await running;
  assert.strictEqual(r.status, 125);
  assert.match(r.stderr, new RegExp(`cordon: ${died}`));
  assert.strictEqual(cordon.sessionsDied.length, 1);
  assert.match(cordon.sessionsDied[0].session, /^[0-9a-f]{32}$/);
  const shown = vscode._stub.shown.error.at(-1);
  assert.ok(shown.includes(died) && shown.includes('sleep 3149'), shown);
  assert.match(vscode.window.statusBarItems[0].text, /session died/);
});
