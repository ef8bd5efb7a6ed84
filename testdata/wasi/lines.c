// lines: a small program for source-line debugging (break FILE:LINE,
// step-line, next-line and their reverses). Built with -O0 and DWARF 5 so
// that each line has code of its own, in source order. The tests find
// lines by their L: markers, reading this file.
#include <stdio.h>

static int square(int k) {
	int r = k * k; /* L:square */
	return r; /* L:return */
}

static int total(int n) {
	int sum = 0; /* L:sum0 */
	for (int i = 0; i < n; i++) { /* L:for */
		int q = square(i); /* L:call */
		sum += q; /* L:add */
		printf("square(%d) = %d\n", i, q); /* L:print */
	}
	return sum; /* L:ret */
}

// spin loops a million times on one line.
static unsigned spin(unsigned x) {
	for (int j = 0; j < 1000000; j++) x = x * 1664525u + 1013904223u; /* L:spin */
	return x; /* L:spun */
}

int main(void) {
	int s = total(5); /* L:total */
	printf("sum = %d\n", s); /* L:sum */
	printf("spin = %u\n", spin(1)); /* L:spincall */
	return 0; /* L:end */
}
