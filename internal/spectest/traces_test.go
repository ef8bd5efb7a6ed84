package spectest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/snapshot"

	// Every engine imported here joins TestTraces.
	_ "github.com/wdb-dev/wdb/engines/fast"
	_ "github.com/wdb-dev/wdb/engines/standard"
	_ "github.com/wdb-dev/wdb/engines/threaded"
)

// traceFiles are the spec scripts whose exported functions TestTraces
// steps on every engine and the standard one.
var traceFiles = []string{
	"block.json", "loop.json", "br.json", "br_if.json", "br_table.json", "if.json",
	"call.json", "call_indirect.json", "fac.json", "left-to-right.json", "local_get.json",
	"local_set.json", "local_tee.json", "select.json", "return.json", "stack.json",
	"memory.json", "memory_grow.json", "memory_copy.json", "memory_fill.json",
	"float_exprs.json", "nop.json", "unreachable.json", "switch.json", "global.json",
}

// maxTraceSteps bounds one invocation's trace.
const maxTraceSteps = 4000

// TestTraces invokes the exported functions of a sample of spec modules,
// with the arguments of the script's assert_return and assert_trap
// commands, on every registered engine side by side with the standard
// engine, one instruction at a time, and requires the same counter, PC,
// typed frames and globals before every instruction and the same outcome.
// Subtests are "engine/script"; the standard engine with itself checks
// that two of its machines step alike. (Trace equality is transitive, so
// engines that agree with the standard one agree with each other.)
func TestTraces(t *testing.T) {
	ref := mustEngine("standard")
	fs, err := files()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range engines.Names() {
		e := mustEngine(name)
		t.Run(name, func(t *testing.T) {
			for _, f := range fs {
				if f.edition != "v2" || !slices.Contains(traceFiles, f.name) {
					continue
				}
				t.Run(f.id(), func(t *testing.T) {
					t.Parallel()
					traceScript(t, f, ref, e)
				})
			}
		})
	}
}

// traceScript traces the invocations of script f on a and b.
func traceScript(t *testing.T, f suiteFile, a, b engines.Engine) {
	s, err := f.load()
	if err != nil {
		t.Fatal(err)
	}
	var progs [2]engines.Program
	invocations, steps := 0, 0
	for _, c := range s.Commands {
		switch c.Type {
		case "module":
			progs = [2]engines.Program{}
			m, err := f.loadModule(c.Filename)
			if err != nil || len(m.Imports) > 0 || m.Start >= 0 {
				continue
			}
			for k, e := range []engines.Engine{a, b} {
				p, err := e.Compile(m, engines.Options{})
				if err != nil {
					t.Fatalf("%s: compile on %s: %v", c.Filename, e.Name(), err)
				}
				progs[k] = p
			}
		case "assert_return", "assert_trap":
			if progs[0] == nil || c.Action.Type != "invoke" || c.Action.Module != "" {
				continue
			}
			_, args, err := parseArgs(c.Action.Args)
			if err != nil {
				continue
			}
			n, err := traceInvocation(progs[0], progs[1], c.Action.Field, args)
			if err != nil {
				t.Fatalf("%s:%d: invoke %q %v: %v", f.id(), c.Line, c.Action.Field, args, err)
			}
			invocations++
			steps += n
		}
	}
	t.Logf("%s: %d invocations, %d steps compared between %s and %s", f.id(), invocations, steps, a.Name(), b.Name())
}

// traceInvocation steps one call on fresh instances of a and b.
func traceInvocation(a, b engines.Program, field string, args []uint64) (int, error) {
	var ms [2]engines.Machine
	for k, p := range []engines.Program{a, b} {
		m, err := p.Instantiate(engines.NewStore(), nil)
		if err != nil {
			return 0, fmt.Errorf("instantiate: %v", err)
		}
		fn, ok := m.Module().ExportedFunc(field)
		if !ok {
			return 0, fmt.Errorf("no export")
		}
		if err := m.Start(fn, args); err != nil {
			return 0, fmt.Errorf("start on %s: %v", m.Engine(), err)
		}
		ms[k] = m
	}
	for step := 0; step < maxTraceSteps; step++ {
		if d := traceDiff(ms[0], ms[1]); d != "" {
			return step, fmt.Errorf("after %d steps: %s", step, d)
		}
		var evs [2]engines.Event
		for k, m := range ms {
			evs[k] = m.Run(engines.Stop{Limit: m.Counter() + 1})
		}
		if evs[0].Kind != evs[1].Kind {
			return step, fmt.Errorf("step %d: %v on %s, %v on %s", step, evs[0].Kind, ms[0].Engine(), evs[1].Kind, ms[1].Engine())
		}
		switch evs[0].Kind {
		case engines.Done:
			if !slices.Equal(evs[0].Results, evs[1].Results) {
				return step, fmt.Errorf("results %#x on %s, %#x on %s", evs[0].Results, ms[0].Engine(), evs[1].Results, ms[1].Engine())
			}
			return step, nil
		case engines.Trapped:
			if evs[0].Trap.Msg != evs[1].Trap.Msg || evs[0].Trap.Offset != evs[1].Trap.Offset {
				return step, fmt.Errorf("trap %q at 0x%x on %s, %q at 0x%x on %s",
					evs[0].Trap.Msg, evs[0].Trap.Offset, ms[0].Engine(), evs[1].Trap.Msg, evs[1].Trap.Offset, ms[1].Engine())
			}
			return step, traceDiff(ms[0], ms[1]).err()
		case engines.LimitReached:
		default:
			return step, fmt.Errorf("step %d ended with %v", step, evs[0].Kind)
		}
	}
	return maxTraceSteps, nil
}

type diffText string

func (d diffText) err() error {
	if d == "" {
		return nil
	}
	return fmt.Errorf("%s", string(d))
}

func traceDiff(a, b engines.Machine) diffText {
	if a.Counter() != b.Counter() {
		return diffText(fmt.Sprintf("counter %d vs %d", a.Counter(), b.Counter()))
	}
	fa, oa, oka := a.PC()
	fb, ob, okb := b.PC()
	if fa != fb || oa != ob || oka != okb {
		return diffText(fmt.Sprintf("counter %d: PC %d/0x%x vs %d/0x%x", a.Counter(), fa, oa, fb, ob))
	}
	sa := &snapshot.Snapshot{Counter: a.Counter(), Frames: a.Frames()}
	sb := &snapshot.Snapshot{Counter: b.Counter(), Frames: b.Frames()}
	for i := range a.Module().Globals {
		ga, gb := a.Global(uint32(i)), b.Global(uint32(i))
		sa.Globals = append(sa.Globals, snapshot.Value{Type: ga.Type.Type, Lo: ga.Lo})
		sb.Globals = append(sb.Globals, snapshot.Value{Type: gb.Type.Type, Lo: gb.Lo})
	}
	if d := snapshot.Diff(sa, sb); d != "" {
		return diffText(fmt.Sprintf("counter %d (PC 0x%x): %s", a.Counter(), oa, d))
	}
	return ""
}
