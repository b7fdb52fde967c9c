// src/tasks.js — the "cordon" task type: a task runs its command through `cordon sh -c` with the
// extension's policy, without any shell settings. tasks.json:
//   { "type": "cordon", "command": "make", "label": "build", "problemMatcher": ["$gcc"] }
// Detected tasks: `make` when the folder has a Makefile, `npm run NAME` for each package.json script.
'use strict';

const fs = require('fs');
const path = require('path');
const vscode = require('vscode');

const TASK_TYPE = 'cordon';

/** detect(dir): the commands a folder offers by its build files, as [name, command] pairs. */
function detect(dir) {
  const found = [];
  for (const f of ['Makefile', 'makefile', 'GNUmakefile']) {
    if (fs.existsSync(path.join(dir, f))) {
      found.push(['make', 'make']);
      break;
    }
  }
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    for (const name of Object.keys((pkg && pkg.scripts) || {})) found.push([`npm run ${name}`, `npm run ${name}`]);
  } catch (e) {
    // no package.json, or one that does not parse: nothing to offer from it
  }
  return found;
}

class CordonTaskProvider {
  /** cordon: the Cordon instance (helper path, policy flags, network/ask socket). */
  constructor(cordon) {
    this.cordon = cordon;
  }

  /**
   * execution(command, cwd): `cordon sh [policy flags] -c COMMAND` as a process (no shell of
   * VS Code's in between to quote it), in cwd, asking through this window's `cordon serve`.
   */
  async execution(command, cwd) {
    const env = await this.cordon.askEnv();
    const args = ['sh', ...this.cordon.policyFlags(), '-c', command];
    return new vscode.ProcessExecution(this.cordon.helperPath(), args, { cwd, env });
  }

  async task(definition, scope, name) {
    const folder = scope && scope.uri ? scope.uri.fsPath : this.cordon.cwd();
    const cwd = definition.cwd ? path.resolve(folder, definition.cwd) : folder;
    const exec = await this.execution(definition.command, cwd);
    const t = new vscode.Task(definition, scope || vscode.TaskScope.Workspace, name, TASK_TYPE, exec);
    t.detail = `confined: cordon sh -c ${definition.command}`;
    return t;
  }

  async provideTasks() {
    const out = [];
    for (const folder of vscode.workspace.workspaceFolders || []) {
      for (const [name, command] of detect(folder.uri.fsPath)) {
        out.push(await this.task({ type: TASK_TYPE, command }, folder, name));
      }
    }
    return out;
  }

  /** resolveTask: a "cordon" task of tasks.json; its definition must stay as it is. */
  async resolveTask(task) {
    const d = task.definition;
    if (!d || d.type !== TASK_TYPE || typeof d.command !== 'string' || !d.command) return undefined;
    return this.task(d, task.scope, task.name || d.label || d.command);
  }
}

module.exports = { CordonTaskProvider, TASK_TYPE, detect };
