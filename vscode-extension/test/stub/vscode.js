// test/stub/vscode.js — the slice of the VS Code API the extension uses, recorded and scriptable
// by the tests (VS Code itself cannot run here). Tests set `answers` to script the dialogs.
'use strict';

const registered = { commands: new Map(), profiles: new Map(), taskProviders: new Map() };
const shown = { info: [], warning: [], error: [] };
const answers = { warning: [], input: [] };
const config = { cordon: {} };

class Disposable {
  constructor(fn) {
    this.fn = fn;
  }
  dispose() {
    if (this.fn) this.fn();
  }
}

class ThemeIcon {
  constructor(id) {
    this.id = id;
  }
}

class TerminalProfile {
  constructor(options) {
    this.options = options;
  }
}

const StatusBarAlignment = { Left: 1, Right: 2 };
const TaskScope = { Global: 1, Workspace: 2 };

class ProcessExecution {
  constructor(process, args, options) {
    this.process = process;
    this.args = args;
    this.options = options;
  }
}

class Task {
  constructor(definition, scope, name, source, execution, problemMatchers) {
    Object.assign(this, { definition, scope, name, source, execution, problemMatchers });
  }
}

const tasks = {
  registerTaskProvider(type, provider) {
    registered.taskProviders.set(type, provider);
    return new Disposable(() => registered.taskProviders.delete(type));
  },
};

function item() {
  return { text: '', tooltip: '', command: undefined, visible: false, show() { this.visible = true; }, hide() { this.visible = false; }, dispose() {} };
}

const outputLines = [];
const window = {
  statusBarItems: [],
  terminals: [],
  createStatusBarItem() {
    const i = item();
    window.statusBarItems.push(i);
    return i;
  },
  createOutputChannel() {
    return { appendLine: (l) => outputLines.push(l), show() {}, dispose() {} };
  },
  showInformationMessage: async (m) => {
    shown.info.push(m);
    return undefined;
  },
  showErrorMessage: async (m) => {
    shown.error.push(m);
    return undefined;
  },
  showWarningMessage: async (m, ...items) => {
    shown.warning.push({ message: m, items });
    const a = answers.warning.shift();
    return typeof a === 'function' ? a(m, items) : a;
  },
  showInputBox: async () => answers.input.shift(),
  registerTerminalProfileProvider(id, provider) {
    registered.profiles.set(id, provider);
    return new Disposable(() => registered.profiles.delete(id));
  },
  createTerminal(options) {
    const t = { options, dispose() {} };
    window.terminals.push(t);
    return t;
  },
};

const commands = {
  registerCommand(id, fn) {
    registered.commands.set(id, fn);
    return new Disposable(() => registered.commands.delete(id));
  },
  async executeCommand(id, ...args) {
    const fn = registered.commands.get(id);
    if (!fn) throw new Error(`command ${id} not registered`);
    return fn(...args);
  },
};

const workspace = {
  workspaceFolders: [],
  isTrusted: true,
  getConfiguration(section) {
    const values = config[section] || {};
    return { get: (k, d) => (k in values ? values[k] : d) };
  },
};

module.exports = {
  version: '1.82.0-stub',
  Disposable,
  ThemeIcon,
  TerminalProfile,
  StatusBarAlignment,
  TaskScope,
  ProcessExecution,
  Task,
  tasks,
  window,
  commands,
  workspace,
  Uri: { file: (p) => ({ fsPath: p, scheme: 'file' }) },
  // For the tests:
  _stub: { registered, shown, answers, config, outputLines },
};
