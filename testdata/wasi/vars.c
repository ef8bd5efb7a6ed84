// vars: source variables of several C types (a struct, an array, an enum,
// a char * string, a double), printed with printf, for the debugger's
// vars and print (debugger/vars_test.go). Built with -O0 and DWARF 5.
#include <stdio.h>

enum color { RED, GREEN = 5, BLUE };

struct point {
	int x;
	short y;
	double w;
};

int main(void) {
	struct point p = {3, -4, 1.25};
	int primes[6] = {2, 3, 5, 7, 11, 13};
	enum color c = BLUE;
	const char *msg = "hi \"there\"";
	double ratio = 22.0 / 7;
	unsigned char u = 200;
	printf("p = {%d, %d, %g}\n", p.x, p.y, p.w); /* L:print */
	printf("primes = {%d, %d, %d, %d, %d, %d}\n", primes[0], primes[1], primes[2], primes[3], primes[4], primes[5]);
	printf("c = %d\n", (int)c);
	printf("msg = %s\n", msg);
	printf("ratio = %.17g\n", ratio);
	printf("u = %u\n", u);
	return 0;
}
