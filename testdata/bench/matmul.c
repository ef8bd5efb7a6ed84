// matmul: multiplies two N×N integer matrices held in linear memory.
// Measures nested loops with strided loads.
// run(n) multiplies n times (feeding each product back into A) and
// returns a checksum of the last product.

#define N 32

static int a[N][N], b[N][N], c[N][N];

__attribute__((noinline)) static void init(void) {
	unsigned x = 12345;
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) {
			x = x * 1103515245 + 12345;
			a[i][j] = (int)(x >> 16) % 17 - 8;
			x = x * 1103515245 + 12345;
			b[i][j] = (int)(x >> 16) % 13 - 6;
		}
}

__attribute__((noinline)) static void multiply(void) {
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) {
			int s = 0;
			for (int k = 0; k < N; k++)
				s += a[i][k] * b[k][j];
			c[i][j] = s;
		}
}

__attribute__((export_name("run"))) unsigned run(unsigned n) {
	init();
	for (unsigned r = 0; r < n; r++) {
		multiply();
		for (int i = 0; i < N; i++)
			for (int j = 0; j < N; j++)
				a[i][j] = c[i][j] & 0xff;
	}
	unsigned sum = 0;
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++)
			sum = sum * 33 + (unsigned)c[i][j];
	return sum;
}
