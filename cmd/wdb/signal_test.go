package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer a process writes to while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// waitFor polls cond until it holds, and fails the test after a minute.
func waitFor(t *testing.T, what string, cond func() bool, output *lockedBuffer) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited a minute for %s; output so far:\n%s", what, output)
		}
	}
}

// TestCheckpointOnSignal signals a running program: SIGUSR1 writes an
// image and the program goes on, SIGTERM writes one and wdb exits. Each
// image, resumed, prints the rest of the output of the program (built
// natively as the oracle).
func TestCheckpointOnSignal(t *testing.T) {
	t.Parallel()
	wasm, native := goProgram(t, "ticker")
	const ticks = "100" // 2.5 s, mostly asleep: the processes run side by side
	oracle := started(t, exec.Command(native, ticks))

	dir := t.TempDir()
	cmd := exec.Command(wdbBin, "run", "--checkpoint-on-signal", "--checkpoint-dir", dir, wasm, ticks)
	// stdout and stderr share one pipe, so the checkpoint messages show
	// exactly how much the program had printed when each image was taken.
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	images := func() int {
		entries, _ := os.ReadDir(dir)
		return len(entries)
	}

	// SIGUSR1 would kill wdb before it asks for the signal, which it does
	// before the program's first instruction: wait for the program's output.
	waitFor(t, "the program to start", func() bool { return strings.Contains(out.String(), "tick 2 ") }, &out)
	if err := cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a checkpoint after SIGUSR1, then more output", func() bool {
		_, after, ok := strings.Cut(out.String(), "wdb: checkpoint at counter")
		return ok && strings.Count(after, "tick ") >= 2
	}, &out)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 128+int(syscall.SIGTERM) {
		t.Fatalf("after SIGTERM: %v, exit status %d, want %d; output:\n%s", err, code, 128+int(syscall.SIGTERM), &out)
	}

	// Two images, announced in order; nothing printed after the second.
	combined := out.String()
	messages := checkpointMessages.FindAllStringSubmatchIndex(combined, -1)
	if len(messages) != 2 || images() != 2 {
		t.Fatalf("%d checkpoint messages, %d images, want 2; output:\n%s", len(messages), images(), combined)
	}
	if last := messages[1]; last[1] != len(combined) {
		t.Errorf("output after the checkpoint written on SIGTERM:\n%s", combined[last[1]:])
	}
	// The program's output up to each checkpoint, without wdb's messages.
	var printed []string
	var program strings.Builder
	at := 0
	for _, m := range messages {
		program.WriteString(combined[at:m[0]])
		printed = append(printed, program.String())
		at = m[1]
	}

	var resumed []*startedCmd
	for _, m := range messages {
		image := combined[m[4]:m[5]]
		if filepath.Dir(image) != dir {
			t.Errorf("image %s not in the checkpoint directory %s", image, dir)
		}
		resumed = append(resumed, started(t, exec.Command(wdbBin, "resume", image)))
	}
	want := oracle.wait(t)
	if want.code != 0 || want.stderr != "" || !strings.HasSuffix(want.stdout, "done\n") {
		t.Fatalf("the native program:\n%s", want)
	}
	if !strings.HasPrefix(want.stdout, program.String()) {
		t.Fatalf("the signalled run printed:\n%s\nwhich does not begin the program's output:\n%s", program.String(), want.stdout)
	}
	for i, r := range resumed {
		got := r.wait(t)
		rest := result{want.stdout[len(printed[i]):], "", 0}
		if got != rest {
			t.Errorf("resuming the image written on %s:\n%s\nwant:\n%s", []string{"SIGUSR1", "SIGTERM"}[i], got, rest)
		}
	}
}

// startedCmd is a command running in the background.
type startedCmd struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
}

// started starts cmd with stdin from an empty pipe.
func started(t *testing.T, cmd *exec.Cmd) *startedCmd {
	t.Helper()
	c := &startedCmd{cmd: cmd}
	cmd.Stdin = strings.NewReader("")
	cmd.Stdout, cmd.Stderr = &c.stdout, &c.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	return c
}

// wait waits for the command to end and returns what it did.
func (c *startedCmd) wait(t *testing.T) result {
	t.Helper()
	err := c.cmd.Wait()
	var exit *exec.ExitError
	if err != nil && (!errors.As(err, &exit) || !exit.Exited()) {
		t.Fatalf("%s: %v\n%s", strings.Join(c.cmd.Args, " "), err, c.stderr.String())
	}
	return result{c.stdout.String(), c.stderr.String(), c.cmd.ProcessState.ExitCode()}
}
