package spectest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wdb-dev/wdb/engines"
	"github.com/wdb-dev/wdb/wasm"
)

// Bounds on one call, so that a broken engine cannot hang the suite: an
// instruction budget (Stop.Limit) and a wall-clock budget (Interrupt).
// The slowest calls take about 1.5 s alone (growing memory to its
// maximum, recursing 10,000 deep); the wall clock is generous because CI
// runs the other packages beside this one on two cores, and the
// instruction budget already bounds runaway code.
const maxInstructions = 1_000_000_000

var callTimeout = 2 * time.Minute

// Run runs the suite on engine: one subtest per script, every failure
// reported with its file and line, and a summary line printed to stdout.
func Run(t *testing.T, engine engines.Engine) {
	t.Helper()
	fs, err := files()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	tallies := map[string]*tally{}
	for _, f := range fs {
		t.Run(f.id(), func(t *testing.T) {
			s, err := f.load()
			if err != nil {
				t.Fatal(err)
			}
			r := newFileRunner(t, engine, f)
			r.runScript(s)
			if tallies[f.edition] == nil {
				tallies[f.edition] = &tally{}
			}
			tallies[f.edition].add(r.tally)
			t.Logf("%s: %v", f.id(), r.tally)
		})
	}
	fmt.Printf("%s (%.1fs)\n", summary(engine.Name(), tallies), time.Since(start).Seconds())
}

// instance is the result of a module command.
type instance struct {
	line    int             // the module command's line
	machine engines.Machine // nil when the module was skipped or failed
	skip    string          // why it was skipped
}

// fileRunner runs the commands of one script. All its instances live in
// one store, so that function references cross instances.
type fileRunner struct {
	engine engines.Engine
	file   suiteFile
	store  *engines.Store
	hosts  map[string]map[string]engines.Extern

	current    *instance
	named      map[string]*instance // by $name
	registered map[string]*instance // by the name given to register

	tally tally
	rep   reporter
	// orphans lists, per failed module, the lines of the commands that
	// could not run because they act on it.
	orphans map[*instance][]int
}

func newFileRunner(t testing.TB, engine engines.Engine, f suiteFile) *fileRunner {
	return &fileRunner{
		engine:     engine,
		file:       f,
		store:      engines.NewStore(),
		hosts:      map[string]map[string]engines.Extern{"spectest": spectestModule()},
		named:      map[string]*instance{},
		registered: map[string]*instance{},
		rep:        reporter{t: t, prefix: engine.Name()},
		orphans:    map[*instance][]int{},
	}
}

// orphanError is a command on a module that failed: it fails too, but is
// reported once per module.
type orphanError struct{ inst *instance }

func (e *orphanError) Error() string {
	return fmt.Sprintf("the module of line %d failed", e.inst.line)
}

func (r *fileRunner) runScript(s *script) {
	for i := range s.Commands {
		c := &s.Commands[i]
		err := r.runCommand(c)
		var skip *skipError
		var orphan *orphanError
		switch {
		case err == nil:
			r.tally.passed++
		case errors.As(err, &skip):
			r.tally.skip(skip.reason, 1)
		case errors.As(err, &orphan):
			r.tally.failed++
			r.orphans[orphan.inst] = append(r.orphans[orphan.inst], c.Line)
		default:
			r.tally.failed++
			r.rep.fail(fmt.Sprintf("%s:%d: %s: %v", r.file.id(), c.Line, describe(c), err))
		}
	}
	var failed []*instance
	for inst := range r.orphans {
		failed = append(failed, inst)
	}
	sort.Slice(failed, func(i, j int) bool { return failed[i].line < failed[j].line })
	for _, inst := range failed {
		lines := r.orphans[inst]
		r.rep.fail(fmt.Sprintf("%s:%d: %d later commands (lines %d-%d) not run: they act on this failed module",
			r.file.id(), inst.line, len(lines), lines[0], lines[len(lines)-1]))
	}
	r.rep.flush()
}

// describe names a command as a failure report shows it, e.g.
// `assert_return invoke "load8_u" [0]`.
func describe(c *command) string {
	var b strings.Builder
	b.WriteString(c.Type)
	switch c.Type {
	case "module":
		if c.Name != "" {
			b.WriteString(" " + c.Name)
		}
		b.WriteString(" " + c.Filename)
	case "register":
		if c.Name != "" {
			b.WriteString(" " + c.Name)
		}
		b.WriteString(" as " + strconv.Quote(c.As))
	default:
		if c.Filename != "" {
			b.WriteString(" " + c.Filename)
			if c.Text != "" {
				b.WriteString(" " + strconv.Quote(c.Text))
			}
			break
		}
		a := c.Action
		b.WriteString(" " + a.Type)
		if a.Module != "" {
			b.WriteString(" " + a.Module)
		}
		b.WriteString(" " + strconv.Quote(a.Field))
		if a.Type == "invoke" {
			if args, _, err := parseArgs(a.Args); err == nil {
				b.WriteString(" " + formatArgs(args))
			}
		}
	}
	return b.String()
}

// runCommand runs one command; nil means it passed. A panic (of the engine
// or the loader) fails the command, with the stack.
func (r *fileRunner) runCommand(c *command) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	switch c.Type {
	case "module":
		return r.module(c)
	case "register":
		inst, err := r.instance(c.Name)
		if inst != nil {
			r.registered[c.As] = inst
		}
		return err
	case "action":
		out, err := r.act(c.Action)
		if err == nil && out.trap != nil {
			err = fmt.Errorf("trapped: %v", out.trap.Msg)
		}
		return err
	case "assert_return":
		return r.assertReturn(c)
	case "assert_trap", "assert_exhaustion":
		if c.Filename != "" {
			return r.assertUninstantiable(c)
		}
		return r.assertTrap(c)
	case "assert_invalid", "assert_malformed":
		return r.assertRejected(c)
	case "assert_unlinkable":
		return r.assertUnlinkable(c)
	case "assert_uninstantiable":
		return r.assertUninstantiable(c)
	}
	return fmt.Errorf("unknown command type %q", c.Type)
}

// instance returns the instance named name ("" for the current one). It
// returns the instance even when it cannot be used, for register.
func (r *fileRunner) instance(name string) (*instance, error) {
	inst := r.current
	if name != "" {
		inst = r.named[name]
	}
	switch {
	case inst == nil && name == "":
		return nil, errors.New("no module instantiated yet")
	case inst == nil:
		return nil, fmt.Errorf("no module named %s", name)
	case inst.skip != "":
		return inst, &skipError{inst.skip}
	case inst.machine == nil:
		return inst, &orphanError{inst}
	}
	return inst, nil
}

// module runs a module command: the module becomes the current one.
func (r *fileRunner) module(c *command) error {
	inst := &instance{line: c.Line}
	r.current = inst
	if c.Name != "" {
		r.named[c.Name] = inst
	}
	prog, imports, err := r.prepare(c.Filename)
	if err == nil {
		inst.machine, err = r.instantiate(prog, imports)
	}
	var skip *skipError
	if errors.As(err, &skip) {
		inst.skip = skip.reason
	}
	return err
}

// prepare loads and compiles a module file and resolves its imports.
// A module that needs SIMD gives a *skipError, an unresolved import a
// *linkError.
func (r *fileRunner) prepare(filename string) (engines.Program, []engines.Extern, error) {
	m, err := r.file.loadModule(filename)
	if err != nil {
		return nil, nil, err
	}
	prog, err := r.engine.Compile(m, engines.Options{})
	if err != nil {
		return nil, nil, fmt.Errorf("compile: %w", err)
	}
	imports, err := r.resolve(m)
	if err != nil {
		return nil, nil, err
	}
	return prog, imports, nil
}

// loadModule loads and validates a module file of the script, with the
// features of its edition.
func (f suiteFile) loadModule(filename string) (*wasm.Module, error) {
	data, err := os.ReadFile(filepath.Join(f.dir, filename))
	if err != nil {
		return nil, err
	}
	m, err := wasm.LoadFeatures(data, f.features())
	if err != nil {
		if isUnsupported(err) {
			return nil, &skipError{reasonSIMD}
		}
		return nil, fmt.Errorf("load: %w", err)
	}
	return m, nil
}

func isUnsupported(err error) bool {
	var we *wasm.Error
	return errors.As(err, &we) && we.Kind == wasm.Unsupported
}

// instantiate creates an instance and runs its start function.
func (r *fileRunner) instantiate(prog engines.Program, imports []engines.Extern) (engines.Machine, error) {
	m, err := prog.Instantiate(r.store, imports)
	if err != nil {
		return nil, fmt.Errorf("instantiate: %w", err)
	}
	if start := m.Module().Start; start >= 0 {
		if err := m.Start(uint32(start), nil); err != nil {
			return nil, fmt.Errorf("start function: %w", err)
		}
		ev := run(m)
		switch ev.Kind {
		case engines.Done:
		case engines.Trapped:
			return nil, fmt.Errorf("start function: %w", ev.Trap)
		default:
			return nil, fmt.Errorf("start function: %w", eventError(ev))
		}
	}
	return m, nil
}

// run runs the started call to its end, within the bounds.
func run(m engines.Machine) engines.Event {
	timer := time.AfterFunc(callTimeout, m.Interrupt)
	defer timer.Stop()
	return m.Run(engines.Stop{Limit: m.Counter() + maxInstructions})
}

// eventError explains why a run did not finish.
func eventError(ev engines.Event) error {
	switch ev.Kind {
	case engines.LimitReached:
		return fmt.Errorf("did not finish within %d instructions", maxInstructions)
	case engines.Interrupted:
		return fmt.Errorf("did not finish within %v", callTimeout)
	case engines.Trapped:
		return ev.Trap
	}
	return fmt.Errorf("unexpected stop: %v", ev.Kind)
}

// outcome is the result of an action: results, or a trap.
type outcome struct {
	types   []wasm.ValType
	results []uint64
	trap    *engines.Trap
}

func (o outcome) String() string {
	if o.trap != nil {
		return fmt.Sprintf("trap %q", o.trap.Msg)
	}
	return formatResults(o.types, o.results)
}

// act performs an invoke or a get. A trap is an outcome; an error means
// the action could not be performed.
func (r *fileRunner) act(a action) (outcome, error) {
	inst, err := r.instance(a.Module)
	if err != nil {
		return outcome{}, err
	}
	m := inst.machine
	switch a.Type {
	case "invoke":
		return invoke(m, a)
	case "get":
		ext, ok := m.Export(a.Field)
		if !ok || ext.Kind != wasm.ExternGlobal {
			return outcome{}, fmt.Errorf("no global exported as %q", a.Field)
		}
		return outcome{types: []wasm.ValType{ext.Global.Type.Type}, results: []uint64{ext.Global.Lo}}, nil
	}
	return outcome{}, fmt.Errorf("unknown action type %q", a.Type)
}

// invoke calls an exported function of m (which may be an import it
// re-exports) through Start and Run.
func invoke(m engines.Machine, a action) (outcome, error) {
	args, bits, err := parseArgs(a.Args)
	if err != nil {
		return outcome{}, simdOr(err)
	}
	fn, ok := m.Module().ExportedFunc(a.Field)
	if !ok {
		return outcome{}, fmt.Errorf("no function exported as %q", a.Field)
	}
	ft := m.Module().Funcs[fn].Type
	if len(args) != len(ft.Params) {
		return outcome{}, fmt.Errorf("%d arguments for %v", len(args), ft)
	}
	for i, p := range ft.Params {
		if args[i].typ != p {
			return outcome{}, fmt.Errorf("argument %d is %v, %v expected", i, args[i].typ, p)
		}
	}
	if err := m.Start(fn, bits); err != nil {
		return outcome{}, fmt.Errorf("Start: %w", err)
	}
	ev := run(m)
	switch ev.Kind {
	case engines.Done:
		return outcome{types: ft.Results, results: ev.Results}, nil
	case engines.Trapped:
		if ev.Trap == nil {
			return outcome{}, errors.New("trapped, but the event has no Trap")
		}
		return outcome{trap: ev.Trap}, nil
	}
	return outcome{}, eventError(ev)
}

// simdOr turns errSIMD into a skip.
func simdOr(err error) error {
	if errors.Is(err, errSIMD) {
		return &skipError{reasonSIMD}
	}
	return err
}

func (r *fileRunner) assertReturn(c *command) error {
	want := make([]pattern, len(c.Expected))
	for i, v := range c.Expected {
		p, err := parseValue(v)
		if err != nil {
			return simdOr(err)
		}
		want[i] = p
	}
	out, err := r.act(c.Action)
	if err != nil {
		return err
	}
	ok := out.trap == nil && len(out.results) == len(want)
	for i := 0; ok && i < len(want); i++ {
		ok = want[i].matches(out.results[i]) && (i >= len(out.types) || out.types[i] == want[i].typ)
	}
	if !ok {
		return fmt.Errorf("got %v, want %s", out, formatPatterns(want))
	}
	return nil
}

func (r *fileRunner) assertTrap(c *command) error {
	out, err := r.act(c.Action)
	if err != nil {
		return err
	}
	if out.trap == nil {
		return fmt.Errorf("got %v, want trap %q", out, c.Text)
	}
	if !messageMatches(out.trap.Msg, c.Text) {
		return fmt.Errorf("got trap %q, want trap %q", out.trap.Msg, c.Text)
	}
	return nil
}

// assertRejected: a malformed or invalid binary module must not load.
// Whether the loader tells malformed from invalid is checked by
// CheckModules, not per engine.
func (r *fileRunner) assertRejected(c *command) error {
	if c.ModuleType == "text" {
		return &skipError{reasonText}
	}
	data, err := os.ReadFile(filepath.Join(r.file.dir, c.Filename))
	if err != nil {
		return err
	}
	_, err = wasm.LoadFeatures(data, r.file.features())
	switch {
	case err == nil:
		return fmt.Errorf("loaded, want error %q", c.Text)
	case isUnsupported(err):
		return &skipError{reasonSIMD}
	}
	return nil
}

func (r *fileRunner) assertUnlinkable(c *command) error {
	prog, imports, err := r.prepare(c.Filename)
	var le *linkError
	switch {
	case errors.As(err, &le):
		return checkMessage("link error", le.Error(), c.Text)
	case err != nil:
		return err
	}
	if _, err := prog.Instantiate(r.store, imports); err != nil {
		return checkMessage("instantiation error", err.Error(), c.Text)
	}
	return fmt.Errorf("instantiated, want link error %q", c.Text)
}

func (r *fileRunner) assertUninstantiable(c *command) error {
	prog, imports, err := r.prepare(c.Filename)
	if err != nil {
		return err
	}
	if _, err := r.instantiate(prog, imports); err != nil {
		return checkMessage("error", err.Error(), c.Text)
	}
	return fmt.Errorf("instantiated, want trap %q", c.Text)
}

func checkMessage(what, got, want string) error {
	if messageMatches(got, want) {
		return nil
	}
	return fmt.Errorf("got %s %q, want %q", what, got, want)
}

// messageMatches reports whether an error message says what the suite
// expects: it contains the expected text. The reference interpreter
// appends indices to some messages ("uninitialized element 2", "unknown
// memory 0"); the message without them is accepted too.
func messageMatches(got, want string) bool {
	if strings.Contains(got, want) {
		return true
	}
	if i := strings.LastIndexByte(want, ' '); i > 0 {
		if _, err := strconv.ParseUint(want[i+1:], 10, 32); err == nil {
			return strings.Contains(got, want[:i])
		}
	}
	return false
}
