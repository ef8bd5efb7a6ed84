// sieve: the sieve of Eratosthenes over a byte array in linear memory,
// repeated. Measures tight loops of loads and stores.
// run(n) sieves the numbers below LIMIT n times and returns a checksum of
// the primes found.

#define LIMIT 8192

static unsigned char composite[LIMIT];

__attribute__((noinline)) static unsigned sieve(void) {
	for (unsigned i = 0; i < LIMIT; i++)
		composite[i] = 0;
	unsigned sum = 0;
	for (unsigned i = 2; i < LIMIT; i++) {
		if (composite[i])
			continue;
		sum = sum * 31 + i;
		for (unsigned j = i * 2; j < LIMIT; j += i)
			composite[j] = 1;
	}
	return sum;
}

__attribute__((export_name("run"))) unsigned run(unsigned n) {
	unsigned sum = 0;
	for (unsigned k = 0; k < n; k++)
		sum = sum * 31 + sieve() + k;
	return sum;
}
