// vars: source variables of several C types (a struct, an array, an enum,
// a char * string, a double, nested structs and arrays, a linked list),
// global and static variables, printed with printf (values and
// addresses), for the debugger's vars and print (debugger/vars_test.go).
// Built with -O0 and DWARF 5.
#include <stdio.h>

enum color { RED, GREEN = 5, BLUE };

struct point {
	int x;
	short y;
	double w;
};

struct list {
	int v;
	struct list *next;
};

struct poly {
	struct point pts[3];
};

int counter;
struct point origin = {7, -8, 0.5};

static int bump(void) {
	static int calls = 100;
	calls++;
	printf("calls = %d at %u\n", calls, (unsigned)&calls); /* L:static */
	return calls;
}

int main(void) {
	struct point p = {3, -4, 1.25};
	int primes[6] = {2, 3, 5, 7, 11, 13};
	enum color c = BLUE;
	const char *msg = "hi \"there\"";
	double ratio = 22.0 / 7;
	unsigned char u = 200;
	struct poly poly = {{{1, 2, 0.5}, {3, 4, 1.5}, {5, 6, 2.5}}};
	struct list b = {20, 0}, a = {10, &b};
	struct list *l = &a;
	printf("p = {%d, %d, %g}\n", p.x, p.y, p.w); /* L:print */
	printf("primes = {%d, %d, %d, %d, %d, %d}\n", primes[0], primes[1], primes[2], primes[3], primes[4], primes[5]);
	printf("c = %d\n", (int)c);
	printf("msg = %s\n", msg);
	printf("ratio = %.17g\n", ratio);
	printf("u = %u\n", u);
	printf("poly.pts[2].x = %d, l->next->v = %d\n", poly.pts[2].x, l->next->v);
	/* Sizes and conversions, for sizeof, casts and pointer arithmetic in expressions. */
	printf("sizeof: point %zu, list %zu, primes %zu, long long %zu\n", sizeof(struct point), sizeof(struct list), sizeof primes, sizeof(long long));
	printf("(char)300 = %d, (int)-ratio = %d, (unsigned char)-1 = %d, &primes[4] - &primes[1] = %d\n",
	       (char)300, (int)-ratio, (unsigned char)-1, (int)(&primes[4] - &primes[1]));
	for (int i = 0; i < 3; i++)
		counter += bump();
	printf("counter = %d at %u, origin.y = %d at %u\n", counter, (unsigned)&counter, origin.y, (unsigned)&origin.y); /* L:globals */
	return 0;
}
