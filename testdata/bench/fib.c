// fib: naive doubly recursive Fibonacci. Measures calls and returns.
// run(n) returns fib(n) (mod 2^32).

__attribute__((noinline)) static unsigned fib(unsigned n) {
	if (n < 2)
		return n;
	return fib(n - 1) + fib(n - 2);
}

__attribute__((export_name("run"))) unsigned run(unsigned n) { return fib(n); }
