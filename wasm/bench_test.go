package wasm

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// buildGoHello builds a Go hello-world for wasip1 in a temporary directory
// and returns the module's bytes, or skips.
func buildGoHello(tb testing.TB) []byte {
	tb.Helper()
	dir := tb.TempDir()
	src := "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello, world\") }\n"
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module hello\n\ngo 1.21\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	out := filepath.Join(dir, "hello.wasm")
	cmd := exec.Command("go", "build", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOFLAGS=", "GOWORK=off")
	if msg, err := cmd.CombinedOutput(); err != nil {
		tb.Skipf("go build for wasip1 failed: %v\n%s", err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func BenchmarkLoadGoHello(b *testing.B) {
	bin := buildGoHello(b)
	b.SetBytes(int64(len(bin)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Load(bin); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLoadGoHello loads a real Go program (2.5 MB for wasip1).
func TestLoadGoHello(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go program")
	}
	bin := buildGoHello(t)
	m, err := Load(bin)
	if err != nil {
		t.Fatal(err)
	}
	main, ok := m.ExportedFunc("_start")
	if !ok {
		t.Fatal("no _start export")
	}
	if name := m.Funcs[main].Name; name != "_rt0_wasm_wasip1" {
		t.Errorf("_start is %q", name)
	}
	checkAnalysis(t, m)
}
