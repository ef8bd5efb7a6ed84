// Package dap is wdb's Debug Adapter Protocol server (on
// github.com/google/go-dap), started by `wdb dap`: VS Code and other DAP
// clients debug a WebAssembly program through the same debugger Session
// and command interpreter as the terminal REPL.
//
// What the client sees (docs/vscode.md describes it for users):
//   - one thread; frames innermost first. A frame whose instruction has a
//     DWARF source position in a file that is found (Session.FindSource,
//     as the source command; plus the sourceDirs and cwd of the launch)
//     is shown in that file (lines.go); the others in the WebAssembly text
//     of their function, served as a source (sourceReference = function
//     index + 1) whose lines after the header are one instruction each,
//     so that stepping highlights the current instruction and a
//     breakpoint on a line is a breakpoint on its instruction (code.go);
//   - in a source file, next, stepIn and stepBack go by lines (the
//     session's line moves) unless the granularity is "instruction";
//     breakpoints on a file's lines are break FILE:LINE, one client
//     breakpoint for the several places where a line may begin;
//   - instruction references are file offsets ("0x1a2"), the same in stack
//     frames, breakpoints and the disassembly view; memory references are
//     addresses in linear memory 0;
//   - scopes Locals, Operand Stack, Globals and Memory, with typed values;
//   - Step Back (reverse-next) and Reverse Continue on the timeline;
//   - evaluate in the repl context runs any console command (help, goto,
//     switch-engine fast, ...); in the hover and watch contexts, an
//     expression as print reads it;
//   - the guest's stdout and stderr as output events.
//
// Every breakpoint is set through Interpreter.Break with its options as
// data (a BreakSpec), never as a command line to split.
//
// Requests are handled one at a time on the session's goroutine; a move of
// the program runs on a goroutine of its own, so that pause (Interrupt),
// terminate and disconnect work while it runs, and setBreakpoints during a
// continue pauses it, changes the breakpoints and continues. Bad messages
// get error responses; only a broken stream (no Content-Length framing)
// ends the session.
package dap
