// blink: values that change and change back within a few instructions,
// for exact watchpoints. blink() sets `flag` and restores it before it
// returns; scratch() passes a local's address, so it has a stack frame:
// the C stack pointer (global 0) moves down on its entry and back on its
// exit. Some writes store the value already there. It prints where `flag`
// lives so that tests can watch it.
#include <stdio.h>

volatile int flag;

__attribute__((noinline)) static int blink(int x) {
	int saved = flag;
	flag = x; // no change when x == saved
	int r = flag * 2;
	flag = saved;
	return r;
}

__attribute__((noinline)) static void fill(volatile int *p, int x) { p[x & 3] = x; }

__attribute__((noinline)) static int scratch(int x) {
	volatile int local[4];
	fill(local, x);
	return local[x & 3] + 1;
}

int main(void) {
	printf("flag at %lu\n", (unsigned long)&flag);
	int sum = 0;
	for (int i = 0; i < 6; i++)
		sum += blink(i % 3) + scratch(i);
	flag = 7;
	for (int i = 5; i < 9; i++)
		sum += blink(i);
	printf("sum = %d, flag = %d\n", sum, flag);
	return 0;
}
