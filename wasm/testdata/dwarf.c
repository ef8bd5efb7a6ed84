// A freestanding C program with DWARF, for the name tests (names_test.go).
// Rebuild: clang --target=wasm32 -nostdlib -O1 -g -Wl,--no-entry -Wl,--export=run -o dwarf.wasm dwarf.c

static int square(int x) { return x * x; }

__attribute__((noinline)) int sum_squares(int n) {
	int s = 0;
	for (int i = 0; i < n; i++) {
		s += square(i);
	}
	return s;
}

__attribute__((noinline)) static int twice(int x) { return 2 * x; }

int run(int n) { return twice(sum_squares(n)); }
