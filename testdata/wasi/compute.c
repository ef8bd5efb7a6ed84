// compute: loops and recursion that print their results as they go, for
// stepping, breakpoints and reverse execution with output in between.
#include <stdio.h>

static int collatz_steps(unsigned long long x) {
	int steps = 0;
	while (x != 1) {
		x = (x & 1) ? 3 * x + 1 : x / 2;
		steps++;
	}
	return steps;
}

static unsigned long long fact(int n) { return n <= 1 ? 1 : n * fact(n - 1); }

static int hanoi(int n, int from, int to, int via) {
	if (n == 0)
		return 0;
	int moves = hanoi(n - 1, from, via, to);
	moves++;
	return moves + hanoi(n - 1, via, to, from);
}

static double harmonic(int n) {
	double s = 0;
	for (int k = 1; k <= n; k++)
		s += 1.0 / k;
	return s;
}

int main(void) {
	for (int i = 1; i <= 10; i++)
		printf("collatz(%d) = %d\n", i * 7, collatz_steps((unsigned long long)i * 7));
	for (int i = 0; i <= 20; i += 5)
		printf("%d! = %llu\n", i, fact(i));
	for (int n = 1; n <= 12; n += 3)
		printf("hanoi(%d) = %d moves\n", n, hanoi(n, 1, 3, 2));
	printf("H(1000) = %.6f\n", harmonic(1000));
	return 0;
}
