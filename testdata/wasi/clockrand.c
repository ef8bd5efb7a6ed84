// clockrand: the clocks and the random source. It prints only facts that
// hold for any correct host (the monotonic clock does not go backwards,
// the realtime clock is after 2020, random bytes are not all equal), so
// its output is the same on every run while the values it used are not:
// under record/replay the values themselves must be reproduced.
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <wasi/api.h>

int main(void) {
	struct timespec a, b, now;
	clock_gettime(CLOCK_MONOTONIC, &a);
	volatile uint64_t spin = 0;
	for (int i = 0; i < 100000; i++)
		spin += (uint64_t)i;
	clock_gettime(CLOCK_MONOTONIC, &b);
	int advanced = b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec);
	printf("monotonic clock ok: %s\n", advanced ? "yes" : "no");

	clock_gettime(CLOCK_REALTIME, &now);
	printf("realtime after 2020: %s\n", now.tv_sec > 1577836800 ? "yes" : "no");

	uint8_t buf[32];
	if (__wasi_random_get(buf, sizeof buf) != 0) {
		printf("random_get failed\n");
		return 1;
	}
	int distinct = 0;
	for (int i = 1; i < (int)sizeof buf; i++)
		distinct |= buf[i] != buf[0];
	printf("random bytes vary: %s\n", distinct ? "yes" : "no");

	// Stored so that a debugger can look at the values that were used.
	static volatile uint64_t seen[4];
	seen[0] = (uint64_t)a.tv_sec * 1000000000u + (uint64_t)a.tv_nsec;
	seen[1] = (uint64_t)now.tv_sec;
	seen[2] = buf[0] | (uint64_t)buf[1] << 8;
	seen[3] = spin;
	return 0;
}
