package main

import (
	"flag"
	"regexp"
	"strings"
	"testing"

	"github.com/wdb-dev/wdb/engines"
)

// TestHelp: `wdb --help` lists the commands and engines, `wdb help
// COMMAND` every flag of the command, on stdout, with status 0.
func TestHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		r := wdb(t, args...)
		if r.code != 0 || r.stderr != "" {
			t.Errorf("wdb %s:\n%s", strings.Join(args, " "), r)
		}
		for _, c := range commands {
			if !regexp.MustCompile(`(?m)^\s+` + c.name + `\s+\S`).MatchString(r.stdout) {
				t.Errorf("wdb %s does not list the command %s:\n%s", strings.Join(args, " "), c.name, r.stdout)
			}
		}
		for _, e := range engines.Names() {
			if !strings.Contains(r.stdout, e) {
				t.Errorf("wdb %s does not name the engine %s:\n%s", strings.Join(args, " "), e, r.stdout)
			}
		}
	}

	// The flags the documentation promises, and whatever else the
	// commands define.
	promised := map[string][]string{
		"run":     {"engine", "dir", "env", "invoke", "checkpoint-every", "checkpoint-dir", "checkpoint-on-signal"},
		"resume":  {"engine", "dir", "module", "checkpoint-every", "checkpoint-dir", "checkpoint-on-signal"},
		"inspect": nil,
	}
	// A flag's line: its name, then its argument's name, if any, as one word.
	flagLine := regexp.MustCompile(`^  -[a-z-]+( [^ ]+)?$`)
	for name, flags := range promised {
		c := lookup(name)
		if c == nil {
			t.Errorf("no command %s", name)
			continue
		}
		if c.flags != nil {
			c.flags().VisitAll(func(f *flag.Flag) { flags = append(flags, f.Name) })
		}
		r := wdb(t, "help", name)
		if r.code != 0 || r.stderr != "" || !strings.Contains(r.stdout, "wdb "+name) {
			t.Errorf("wdb help %s:\n%s", name, r)
		}
		for _, f := range flags {
			if !regexp.MustCompile(`(?m)^\s+-` + f + `\b`).MatchString(r.stdout) {
				t.Errorf("wdb help %s does not list --%s:\n%s", name, f, r.stdout)
			}
		}
		for _, line := range strings.Split(r.stdout, "\n") {
			if strings.HasPrefix(line, "  -") && !flagLine.MatchString(line) {
				t.Errorf("wdb help %s: flag line %q", name, line)
			}
		}
	}
}
