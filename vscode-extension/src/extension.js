// src/extension.js — the VS Code face of cordon: a "Sandboxed shell (cordon)" terminal profile
// (`cordon shell`), the "cordon" task type (src/tasks.js), commands, a status-bar item, and
// network/ask questions from `cordon serve`.
'use strict';

const vscode = require('vscode');
const { ServeClient } = require('./client');
const { CordonTaskProvider, TASK_TYPE } = require('./tasks');

const PROFILE_ID = 'cordon.sandboxedShell';
const ASK_CHOICES = [
  ['Allow once', 'once'],
  ['Allow for session', 'session'],
  ['Deny', 'deny'],
];

/** settings(): cordon's settings. All are machine-scoped, so a workspace cannot set them. */
function settings() {
  const c = vscode.workspace.getConfiguration('cordon');
  return {
    helperPath: c.get('helperPath') || 'cordon',
    configFile: c.get('configFile') || '',
    allowHosts: c.get('allowHosts') || [],
    allowWrite: c.get('allowWrite') || [],
    lockPolicy: !!c.get('lockPolicy'),
    askTimeoutSeconds: c.get('askTimeoutSeconds') || 30,
  };
}

class Cordon {
  constructor(context) {
    this.context = context;
    this.sessionHosts = []; // allowed for this window's session (network/ask, cordon.allowHost)
    this.client = null;
    this.askSocket = null;
    this.sessionsDied = []; // session/died notifications, in order
    this.output = vscode.window.createOutputChannel('cordon');
    this.status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 10);
    this.status.command = 'cordon.status';
    this.status.text = '$(shield) cordon';
    this.status.tooltip = 'cordon: sandboxed terminals';
    this.status.show();
  }

  cwd() {
    const f = vscode.workspace.workspaceFolders;
    return f && f.length ? f[0].uri.fsPath : process.cwd();
  }

  helperPath() {
    return settings().helperPath;
  }

  /**
   * askEnv(): the environment that makes a confined process's unlisted hosts asked through this
   * window's `cordon serve` (started on first use); {} when it cannot be started.
   */
  async askEnv() {
    const env = {};
    try {
      await this.serve();
      if (this.askSocket) env.CORDON_ASK_SOCKET = this.askSocket;
    } catch (e) {
      this.output.appendLine(`cordon serve unavailable, confined commands will not ask: ${e.message}`);
    }
    return env;
  }

  /** The policy as flags of `cordon shell` and `cordon sh`. */
  policyFlags() {
    const s = settings();
    const f = [];
    if (s.configFile) f.push('--config', s.configFile);
    for (const w of s.allowWrite) f.push('--allow-write', w);
    for (const h of [...s.allowHosts, ...this.sessionHosts]) f.push('--allow-host', h);
    if (s.lockPolicy) f.push('--lock');
    return f;
  }

  sessionParams() {
    const s = settings();
    const p = { cwd: this.cwd() };
    if (s.configFile) p.config = s.configFile;
    if (s.allowWrite.length) p.allowWrite = s.allowWrite;
    const hosts = [...s.allowHosts, ...this.sessionHosts];
    if (hosts.length) p.allowHost = hosts;
    if (s.lockPolicy) p.lock = true;
    return p;
  }

  /** The running `cordon serve --stdio`, started and initialized on first use. */
  async serve() {
    if (this.client && this.client.alive) return this.client;
    const s = settings();
    const c = new ServeClient(s.helperPath, { askTimeoutSeconds: s.askTimeoutSeconds, cwd: this.cwd() });
    c.on('stderr', (l) => this.output.appendLine(l));
    c.on('exit', (code, sig) => {
      this.output.appendLine(`cordon serve exited (${sig || code})`);
      this.setStatus('$(shield) cordon (stopped)');
    });
    c.on('notification', (method, params) => {
      if (method === 'session/died') this.sessionDied(params || {});
    });
    c.onRequest = (method, params) => {
      if (method === 'network/ask') return this.ask(params);
      throw Object.assign(new Error(`method not found: ${method}`), { code: -32601 });
    };
    c.start();
    this.client = c;
    const init = await c.request('initialize', {
      clientInfo: { name: 'cordon-vscode', version: vscode.version },
      capabilities: { networkAsk: true },
    });
    this.serverInfo = init;
    this.askSocket = init.askSocket || null;
    await c.request('session.start', this.sessionParams());
    this.setStatus('$(shield) cordon');
    return c;
  }

  setStatus(text, tooltip) {
    this.status.text = text;
    if (tooltip) this.status.tooltip = tooltip;
  }

  /**
   * session/died {session, pid, id?, message}: a session process ended without saying so, so
   * the confined processes of that run or terminal have no network any more. Shown as an error.
   */
  sessionDied(params) {
    const run = params.id !== undefined && this.client && this.client.runs.get(params.id);
    const what = run ? `the run of ${run.argv.join(' ')}` : `session ${params.session}`;
    const msg = `cordon: ${what}: ${params.message || 'the session process died'}`;
    this.sessionsDied.push(params);
    this.output.appendLine(msg);
    this.setStatus('$(shield) cordon (a session died)', msg);
    vscode.window.showErrorMessage(msg);
  }

  /** network/ask {host, port} → a notification with three buttons; dismissed means deny. */
  async ask(params) {
    const what = `${params.host}:${params.port}`;
    const pick = await vscode.window.showWarningMessage(
      `cordon: a sandboxed command wants to reach ${what}, which is not on the allowlist.`,
      ...ASK_CHOICES.map(([label]) => label),
    );
    const found = ASK_CHOICES.find(([label]) => label === pick);
    const answer = found ? found[1] : 'deny';
    if (answer === 'session' && !this.sessionHosts.includes(what)) this.sessionHosts.push(what);
    this.output.appendLine(`network/ask ${what}: ${answer}`);
    return { answer };
  }

  /** The terminal profile: `cordon shell` with the policy flags; network/ask through serve. */
  async terminalProfile() {
    const s = settings();
    const env = await this.askEnv();
    return new vscode.TerminalProfile({
      name: 'Sandboxed shell (cordon)',
      shellPath: s.helperPath,
      shellArgs: ['shell', ...this.policyFlags()],
      cwd: this.cwd(),
      env,
      iconPath: new vscode.ThemeIcon('shield'),
    });
  }

  async cmdStatus() {
    const c = await this.serve();
    const r = await c.request('status');
    const k = r.kernel || {};
    const msg = `cordon ${r.version}: ${r.runs.length} running, network/ask ${r.networkAsk ? 'on' : 'off'}, ` +
      `proxy up to ${r.proxyMaxConnections} connections per session; ` +
      `kernel ${k.release}: user namespaces ${k.userns ? 'yes' : 'no'}, Landlock ABI ${k.landlock_abi}, seccomp ${k.seccomp ? 'yes' : 'no'}`;
    vscode.window.showInformationMessage(msg);
    return r;
  }

  async cmdHosts() {
    const c = await this.serve();
    const r = await c.request('hosts.list', { cwd: this.cwd() });
    const j = (l) => (l && l.length ? l.join(', ') : '(none)');
    vscode.window.showInformationMessage(`cordon allow: ${j(r.allow)} — deny: ${j(r.deny)} — this session: ${j(r.session)}`);
    return r;
  }

  async cmdAllowHost(host) {
    if (!host) {
      host = await vscode.window.showInputBox({
        prompt: 'Host to allow for this session (HOST, *.domain or HOST:PORT)',
        placeHolder: 'registry.example.org',
      });
    }
    if (!host) return undefined;
    const c = await this.serve();
    const r = await c.request('hosts.allow', { host });
    if (!this.sessionHosts.includes(host)) this.sessionHosts.push(host);
    vscode.window.showInformationMessage(`cordon: ${host} allowed for this session (new terminals and tasks)`);
    return r;
  }

  async cmdShowLog() {
    const c = await this.serve();
    const r = await c.request('log.list');
    this.output.appendLine(`— violations (${r.entries.length}) —`);
    for (const e of r.entries) this.output.appendLine(`${e.time} ${e.host}:${e.port} ${e.reason} (${e.proto})`);
    this.output.show(true);
    return r;
  }

  async cmdOpenTerminal() {
    const profile = await this.terminalProfile();
    return vscode.window.createTerminal(profile.options);
  }

  dispose() {
    if (this.client) this.client.stop();
    this.status.dispose();
    this.output.dispose();
  }
}

/** activate: returns the API the tests (and other extensions) use: the Cordon instance. */
function activate(context) {
  const cordon = new Cordon(context);
  const wrap = (fn) => async (...args) => {
    try {
      return await fn(...args);
    } catch (e) {
      vscode.window.showErrorMessage(`cordon: ${e.message}`);
      return undefined;
    }
  };
  context.subscriptions.push(
    cordon,
    vscode.window.registerTerminalProfileProvider(PROFILE_ID, {
      provideTerminalProfile: () => cordon.terminalProfile(),
    }),
    vscode.tasks.registerTaskProvider(TASK_TYPE, new CordonTaskProvider(cordon)),
    vscode.commands.registerCommand('cordon.status', wrap(() => cordon.cmdStatus())),
    vscode.commands.registerCommand('cordon.hosts', wrap(() => cordon.cmdHosts())),
    vscode.commands.registerCommand('cordon.allowHost', wrap((h) => cordon.cmdAllowHost(h))),
    vscode.commands.registerCommand('cordon.showLog', wrap(() => cordon.cmdShowLog())),
    vscode.commands.registerCommand('cordon.openTerminal', wrap(() => cordon.cmdOpenTerminal())),
  );
  return cordon;
}

function deactivate() {}

module.exports = { activate, deactivate, Cordon };
