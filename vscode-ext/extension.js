// The wdb debugger type: VS Code starts `wdb dap` (from the PATH, or the
// wdb.path setting) and talks the Debug Adapter Protocol to it on stdio.
'use strict';

const vscode = require('vscode');
const fs = require('fs');
const path = require('path');

// wdbBinary returns the wdb to run — the configuration's wdbPath, else the
// wdb.path setting, else wdb from the PATH — or throws an Error saying how
// to get one.
function wdbBinary(config) {
  const fromConfig = config && config.wdbPath;
  const configured = fromConfig || vscode.workspace.getConfiguration('wdb').get('path');
  if (configured) {
    if (!fs.existsSync(configured)) {
      throw new Error(`${fromConfig ? '"wdbPath"' : 'wdb.path'} is ${configured}, which does not exist`);
    }
    return configured;
  }
  const names = process.platform === 'win32' ? ['wdb.exe'] : ['wdb'];
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    for (const name of names) {
      const p = path.join(dir, name);
      if (dir && fs.existsSync(p)) {
        return p;
      }
    }
  }
  throw new Error('wdb is not on the PATH: install it (go install github.com/wdb-dev/wdb/cmd/wdb@latest), set wdb.path, or give "wdbPath" in launch.json');
}

const factory = {
  createDebugAdapterDescriptor(session) {
    try {
      return new vscode.DebugAdapterExecutable(wdbBinary(session && session.configuration), ['dap']);
    } catch (e) {
      vscode.window.showErrorMessage(e.message);
      return undefined;
    }
  },
};

// The .wasm file of the active editor tab, if any (a .wasm file opens in a
// binary or custom editor, so look at the tab, not the text editor).
function activeWasm() {
  const tab = vscode.window.tabGroups && vscode.window.tabGroups.activeTabGroup.activeTab;
  const uri = tab && tab.input && tab.input.uri;
  if (uri && uri.fsPath.endsWith('.wasm')) {
    return uri.fsPath;
  }
  const editor = vscode.window.activeTextEditor;
  if (editor && editor.document.fileName.endsWith('.wasm')) {
    return editor.document.fileName;
  }
  return undefined;
}

const provider = {
  // F5 without a launch.json: debug the active .wasm file.
  resolveDebugConfiguration(folder, config) {
    if (!config.type && !config.request && !config.name) {
      const program = activeWasm();
      if (!program) {
        vscode.window.showErrorMessage('Open a .wasm file, or add a wdb configuration to launch.json.');
        return undefined;
      }
      return { type: 'wdb', request: 'launch', name: 'Debug ' + path.basename(program), program, stopOnEntry: true };
    }
    if (config.request === 'launch' && !config.program) {
      vscode.window.showErrorMessage('The wdb launch configuration has no "program": the .wasm file to debug.');
      return undefined;
    }
    if (config.request === 'attach' && !config.image) {
      vscode.window.showErrorMessage('The wdb attach configuration has no "image": the checkpoint image to resume.');
      return undefined;
    }
    return config;
  },
  // Look for wdb before the session starts: when the factory cannot give
  // one, VS Code adds a dialog of its own ("Couldn't find a debug adapter
  // descriptor...") to the message that says what is wrong.
  resolveDebugConfigurationWithSubstitutedVariables(folder, config) {
    try {
      wdbBinary(config);
    } catch (e) {
      vscode.window.showErrorMessage(e.message);
      return undefined;
    }
    return config;
  },
};

function activate(context) {
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory('wdb', factory),
    vscode.debug.registerDebugConfigurationProvider('wdb', provider),
  );
}

function deactivate() {}

module.exports = { activate, deactivate, wdbBinary, provider };
