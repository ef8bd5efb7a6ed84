// The wdb debug adapter, driven by @vscode/debugadapter-testsupport's
// DebugClient (the client VS Code's own adapters are tested with) against
// the real `wdb dap` binary: $WDB_BIN, or one built here with go.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert');
const cp = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { DebugClient } = require('@vscode/debugadapter-testsupport');

const root = path.resolve(__dirname, '..', '..');
const compute = path.join(root, 'testdata', 'wasi', 'compute.wasm');
const lines = path.join(root, 'testdata', 'wasi', 'lines.wasm');
let wdb = process.env.WDB_BIN;
let tmp;

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wdb-ext-'));
  if (!wdb) {
    wdb = path.join(tmp, 'wdb');
    cp.execFileSync('go', ['build', '-o', wdb, './cmd/wdb'], { cwd: root, stdio: 'inherit' });
  }
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// client starts `wdb dap` on stdio.
async function client() {
  const dc = new DebugClient(wdb, 'dap', 'wdb', {}, true);
  dc.defaultTimeout = 20000;
  await dc.start();
  return dc;
}

// compute.c's first lines of output, computed by hand: collatz(7) takes 16
// steps (7 22 11 34 17 52 26 13 40 20 10 5 16 8 4 2 1).
const firstLine = 'collatz(7) = 16\n';

// textAt returns where the top frame is in its function's WebAssembly
// text: compute.c is found, so the frames are shown there, and the
// disassembly of the frame's instruction gives the text's line.
async function textAt(dc) {
  const top = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0];
  const ins = (await dc.disassembleRequest({ memoryReference: top.instructionPointerReference, instructionCount: 1 })).body.instructions;
  assert.equal(ins[0].address, top.instructionPointerReference);
  // By reference, not path: VS Code's Disassembly view would read a path as a file.
  assert.equal(ins[0].location.path, undefined);
  return { ref: ins[0].location.sourceReference, line: ins[0].line };
}

// stopsAt sends a request (a function of no arguments) and checks the stop
// it makes: its reason, and where it is in the text (ref, the text's
// sourceReference, optional).
async function stopsAt(dc, request, reason, want) {
  // (Listen before the program runs: events are not kept.)
  const [, stopped] = await Promise.all([request(), dc.waitForEvent('stopped')]);
  assert.equal(stopped.body.reason, reason);
  const at = await textAt(dc);
  assert.equal(at.line, want.line);
  if (want.ref) {
    assert.equal(at.ref, want.ref);
  }
}

// launchTo launches compute.wasm with a breakpoint on line `line` of the
// text of `fn`, and waits until it stops there.
async function launchTo(dc, fn, line, launchArgs) {
  const launched = dc.launch(Object.assign({ program: compute }, launchArgs));
  await dc.waitForEvent('initialized');
  const sources = (await dc.customRequest('loadedSources')).body.sources;
  const src = sources.find((s) => s.name === fn + '.wat');
  assert.ok(src, `no source ${fn}.wat among ${sources.length}`);
  const bps = (await dc.setBreakpointsRequest({ source: { path: src.path }, breakpoints: [{ line }] })).body.breakpoints;
  assert.equal(bps[0].verified, true, bps[0].message);
  assert.equal(bps[0].line, line);
  await Promise.all([launched, stopsAt(dc, () => dc.configurationDoneRequest(), 'breakpoint', { ref: src.sourceReference, line })]);
  return src;
}

async function topLocals(dc) {
  const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  const scopes = (await dc.scopesRequest({ frameId: frames[0].id })).body.scopes;
  const locals = scopes.find((s) => s.name === 'Locals');
  return (await dc.variablesRequest({ variablesReference: locals.variablesReference })).body.variables;
}

test('capabilities are advertised', async () => {
  const dc = await client();
  try {
    const caps = (await dc.initializeRequest()).body;
    for (const c of ['supportsStepBack', 'supportsSteppingGranularity', 'supportsInstructionBreakpoints',
      'supportsDisassembleRequest', 'supportsReadMemoryRequest', 'supportsConditionalBreakpoints',
      'supportsHitConditionalBreakpoints', 'supportsLogPoints', 'supportsDataBreakpoints']) {
      assert.equal(caps[c], true, c);
    }
    // VS Code would show a stale "Load More Stack Frames" after steps.
    assert.notEqual(caps.supportsDelayedStackTraceLoading, true);
  } finally {
    await dc.stop();
  }
});

test('breakpoint in a function text, step back, reverse continue, switch-engine', async () => {
  const dc = await client();
  try {
    const src = await launchTo(dc, 'hanoi', 2);
    // compute.c calls hanoi(1) first.
    assert.deepEqual((await topLocals(dc)).map((v) => [v.name, v.value, v.type]), [['$0', '1', 'i32']]);
    // One instruction at a time (by lines, the steps would follow compute.c).
    await stopsAt(dc, () => dc.nextRequest({ threadId: 1, granularity: 'instruction' }), 'step', { ref: src.sourceReference, line: 3 });
    await stopsAt(dc, () => dc.stepBackRequest({ threadId: 1, granularity: 'instruction' }), 'step', { ref: src.sourceReference, line: 2 });
    // hanoi(1) calls hanoi(0); reverse continue comes back to hanoi(1).
    await stopsAt(dc, () => dc.continueRequest({ threadId: 1 }), 'breakpoint', { line: 2 });
    assert.equal((await topLocals(dc))[0].value, '0');
    await stopsAt(dc, () => dc.reverseContinueRequest({ threadId: 1 }), 'breakpoint', { line: 2 });
    assert.equal((await topLocals(dc))[0].value, '1');
    // The Debug Console runs the same commands as the terminal.
    await dc.evaluateRequest({ expression: 'switch-engine fast', context: 'repl' });
    const info = (await dc.evaluateRequest({ expression: 'info', context: 'repl' })).body.result;
    assert.match(info, /engine:\s+fast/);
    await stopsAt(dc, () => dc.continueRequest({ threadId: 1 }), 'breakpoint', { line: 2 });
    assert.equal((await topLocals(dc))[0].value, '0');
    const hover = (await dc.evaluateRequest({ expression: '$0 + 1', context: 'hover', frameId: 1 })).body;
    assert.equal(hover.result, '1');
    assert.equal(hover.type, 'i32');
  } finally {
    await dc.stop();
  }
});

test('a breakpoint on a line of lines.c stops there, shown in lines.c', async () => {
  const dc = await client();
  try {
    // The line of the call, found by its marker, as the Go tests do.
    const source = path.join(root, 'testdata', 'wasi', 'lines.c');
    const line = fs.readFileSync(source, 'utf8').split('\n').findIndex((l) => l.includes('/* L:call */')) + 1;
    assert.ok(line > 0, 'no L:call marker in lines.c');
    await dc.hitBreakpoint({ program: lines }, { path: source, line });
    const top = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0];
    assert.ok(top.source.path.endsWith(path.sep + 'lines.c'), top.source.path);
    assert.equal(top.line, line);
    assert.equal(top.name, 'total');
  } finally {
    await dc.stop();
  }
});

test('the guest output arrives as output events; the end of the program ends the session', async () => {
  const dc = await client();
  try {
    await Promise.all([
      dc.launch({ program: compute, stopAtExit: false }).then(() => dc.configurationDoneRequest()),
      dc.assertOutput('stdout', firstLine),
      dc.waitForEvent('exited'),
      dc.waitForEvent('terminated'),
    ]);
  } finally {
    await dc.stop();
  }
});

test('disassembly and memory use the addresses of the stack trace', async () => {
  const dc = await client();
  try {
    await launchTo(dc, 'hanoi', 2);
    const top = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0];
    const ins = (await dc.disassembleRequest({ memoryReference: top.instructionPointerReference, instructionCount: 1 })).body.instructions;
    assert.equal(ins[0].address, top.instructionPointerReference);
    assert.equal(ins[0].instruction, 'block');
    assert.equal(ins[0].instructionBytes.slice(0, 2), '02'); // block's opcode
    // The stack pointer points into memory: read what is there.
    const frames = (await dc.scopesRequest({ frameId: top.id })).body.scopes;
    const memory = frames.find((s) => s.name === 'Memory');
    const sp = (await dc.variablesRequest({ variablesReference: memory.variablesReference })).body.variables.find((v) => v.name === '$sp');
    const mem = (await dc.customRequest('readMemory', { memoryReference: sp.memoryReference, count: 16 })).body;
    assert.equal(mem.address, sp.memoryReference);
    assert.equal(Buffer.from(mem.data, 'base64').length, 16);
  } finally {
    await dc.stop();
  }
});

test('bad requests get error responses and the session goes on', async () => {
  const dc = await client();
  try {
    await dc.initializeRequest();
    await assert.rejects(dc.customRequest('frobnicate'), /unknown request "frobnicate"/);
    await assert.rejects(dc.stackTraceRequest({ threadId: 1 }), /before launch/);
    await assert.rejects(dc.launchRequest({ program: path.join(tmp, 'missing.wasm') }), /no such file/);
    await assert.rejects(dc.launchRequest({ program: compute, engine: 'nope' }), /unknown engine/);
    await dc.launchRequest({ program: compute, stopOnEntry: true });
    await Promise.all([dc.configurationDoneRequest(), dc.assertStoppedLocation('entry', {})]);
    await assert.rejects(dc.scopesRequest({ frameId: 42 }), /no frame/);
  } finally {
    await dc.stop();
  }
});

test('wdb dap --listen serves one session per connection', async () => {
  const server = cp.spawn(wdb, ['dap', '--listen', '127.0.0.1:0']);
  try {
    const port = await new Promise((resolve, reject) => {
      let err = '';
      server.stderr.on('data', (d) => {
        err += d;
        const m = /listening on [^:\s]+:(\d+)/.exec(err);
        if (m) resolve(Number(m[1]));
      });
      server.on('exit', (code) => reject(new Error(`wdb dap --listen exited (${code}): ${err}`)));
    });
    for (let i = 0; i < 2; i++) {
      const dc = new DebugClient(wdb, 'dap', 'wdb');
      dc.defaultTimeout = 20000;
      await dc.start(port);
      try {
        await dc.launch({ program: compute, stopOnEntry: true });
        await Promise.all([dc.configurationDoneRequest(), dc.assertStoppedLocation('entry', {})]);
        const threads = (await dc.threadsRequest()).body.threads;
        assert.equal(threads.length, 1);
      } finally {
        await dc.stop();
      }
    }
  } finally {
    server.kill();
  }
});

test('the extension starts wdb dap from wdb.path or the PATH', () => {
  // A stand-in for the vscode module: what the extension registers.
  const registered = {};
  let settingPath = '';
  const vscode = {
    workspace: { getConfiguration: () => ({ get: () => settingPath }) },
    window: { showErrorMessage: (m) => { registered.error = m; } },
    debug: {
      registerDebugAdapterDescriptorFactory: (type, f) => { registered.factory = [type, f]; return {}; },
      registerDebugConfigurationProvider: (type, p) => { registered.provider = [type, p]; return {}; },
    },
    DebugAdapterExecutable: class { constructor(command, args) { this.command = command; this.args = args; } },
  };
  const Module = require('node:module');
  const load = Module._load;
  Module._load = (request, ...rest) => (request === 'vscode' ? vscode : load(request, ...rest));
  try {
    const ext = require('../extension.js');
    ext.activate({ subscriptions: [] });
    assert.equal(registered.factory[0], 'wdb');
    settingPath = wdb;
    const exe = registered.factory[1].createDebugAdapterDescriptor();
    assert.deepEqual([exe.command, exe.args], [wdb, ['dap']]);
    settingPath = path.join(tmp, 'nowhere', 'wdb');
    assert.equal(registered.factory[1].createDebugAdapterDescriptor(), undefined);
    assert.match(registered.error, /does not exist/);
    // The configuration's wdbPath comes before the setting; a wrong one
    // stops the launch before it starts, with one message.
    assert.equal(registered.factory[1].createDebugAdapterDescriptor({ configuration: { wdbPath: wdb } }).command, wdb);
    const withPath = { type: 'wdb', request: 'launch', name: 'x', program: compute, wdbPath: wdb };
    assert.equal(registered.provider[1].resolveDebugConfigurationWithSubstitutedVariables(undefined, withPath), withPath);
    registered.error = undefined;
    const badPath = { type: 'wdb', request: 'launch', name: 'x', program: compute, wdbPath: settingPath };
    assert.equal(registered.provider[1].resolveDebugConfigurationWithSubstitutedVariables(undefined, badPath), undefined);
    assert.match(registered.error, /"wdbPath" is .*nowhere.* which does not exist/);
    // No setting: wdb from the PATH, or a message saying how to get it.
    settingPath = '';
    const onPath = path.join(tmp, 'bin');
    fs.mkdirSync(onPath, { recursive: true });
    fs.symlinkSync(wdb, path.join(onPath, 'wdb'));
    const savedPath = process.env.PATH;
    try {
      process.env.PATH = [path.join(tmp, 'nowhere'), onPath].join(path.delimiter);
      assert.equal(registered.factory[1].createDebugAdapterDescriptor().command, path.join(onPath, 'wdb'));
      process.env.PATH = path.join(tmp, 'nowhere');
      assert.equal(registered.factory[1].createDebugAdapterDescriptor(), undefined);
      assert.match(registered.error, /not on the PATH/);
    } finally {
      process.env.PATH = savedPath;
    }
    const cfg = registered.provider[1].resolveDebugConfiguration(undefined, { type: 'wdb', request: 'launch', name: 'x' });
    assert.equal(cfg, undefined);
    assert.match(registered.error, /no "program"/);
  } finally {
    Module._load = load;
  }
});
