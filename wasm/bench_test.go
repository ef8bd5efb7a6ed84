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
