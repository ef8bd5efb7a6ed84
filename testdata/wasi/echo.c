// echo: numbers the lines of stdin and totals their lengths; for the
// debugger's replay, which must not read stdin a second time.
#include <stdio.h>
#include <string.h>

int main(void) {
	char line[256];
	unsigned n = 0, total = 0;
	while (fgets(line, sizeof line, stdin)) {
		total += strlen(line);
		printf("%u: %s", ++n, line);
	}
	printf("%u lines, %u bytes\n", n, total);
	return 0;
}
