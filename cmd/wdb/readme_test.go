package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// imageName is the name wdb gives an image, with its counter.
var imageName = regexp.MustCompile(`checkpoint-0*(\d+)\.wdb`)

// TestReadmeCheckpointExample runs the commands of the README's
// "Checkpoint and resume anywhere" example as written, from a directory
// that has the repository's testdata: every command succeeds, inspect
// shows the image's counter, and resume prints the end of what run printed.
func TestReadmeCheckpointExample(t *testing.T) {
	t.Parallel()
	outputs := runReadmeExample(t, "## Checkpoint and resume anywhere")
	run, resume := outputs["run"], outputs["resume"]
	if _, ok := outputs["inspect"]; !ok || run.stdout == "" || resume.stdout == "" {
		t.Fatalf("the example should run, inspect and resume; it ran %v", outputs)
	}
	if !strings.HasSuffix(run.stdout, resume.stdout) || len(resume.stdout) >= len(run.stdout) {
		t.Errorf("resume printed:\n%s\nnot the end of what run printed:\n%s", resume.stdout, run.stdout)
	}
}

// runReadmeExample runs the first sh block after the README heading as
// written, from a directory that has the repository's testdata; every wdb
// command must succeed. It returns their results by subcommand.
func runReadmeExample(t *testing.T, heading string) map[string]result {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README.md has no section %q", heading)
	}
	_, block, ok := strings.Cut(section, "```sh\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatal("the section has no sh code block")
	}

	dir := t.TempDir()
	testdata, err := filepath.Abs(filepath.Join("..", "..", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(testdata, filepath.Join(dir, "testdata")); err != nil {
		t.Fatal(err)
	}
	outputs := map[string]result{} // by subcommand
	for _, line := range strings.Split(block, "\n") {
		line, _, _ = strings.Cut(line, "#")
		args := strings.Fields(line)
		switch {
		case len(args) == 0:
			continue
		case args[0] == "mkdir" && len(args) == 3 && args[1] == "-p":
			if err := os.MkdirAll(filepath.Join(dir, args[2]), 0o755); err != nil {
				t.Fatal(err)
			}
		case args[0] == "cp" || args[0] == "gunzip":
			// Run as written, inside dir (the README's paths are relative).
			cmd := exec.Command(args[0], args[1:]...)
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", line, err, out)
			}
		case args[0] == "./wdb" && len(args) > 1:
			r := wdbIn(t, dir, args[1:]...)
			if r.code != 0 || r.stdout == "" {
				t.Errorf("%s:\n%s", line, r)
			}
			if m := imageName.FindStringSubmatch(line); args[1] == "inspect" && (m == nil || !strings.Contains(r.stdout, m[1])) {
				t.Errorf("%s does not show the counter of the image:\n%s", line, r.stdout)
			}
			outputs[args[1]] = r
		default:
			t.Fatalf("the test does not know how to run %q", line)
		}
	}
	return outputs
}
