// tally: a total kept in linear memory, updated in a loop and through
// recursion, with output in between: for watchpoints, breakpoints and
// reverse execution. It prints where the total lives so that tests can
// watch it.
#include <stdio.h>

volatile unsigned total;
volatile unsigned calls;

__attribute__((noinline)) static unsigned sum_down(unsigned n) {
	calls++;
	if (n == 0)
		return 0;
	return n + sum_down(n - 1);
}

int main(void) {
	printf("total at %lu, calls at %lu\n", (unsigned long)&total, (unsigned long)&calls);
	for (unsigned i = 1; i <= 20; i++) {
		total += i * i;
		if (i % 5 == 0)
			printf("after %u: total = %u\n", i, total);
	}
	total += sum_down(10);
	printf("total = %u, calls = %u\n", total, calls);
	return 0;
}
