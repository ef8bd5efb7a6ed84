// fileio: file I/O through a preopened directory.
//
// It reads input.txt from the directory preopened as "/data" (or the
// directory named by argv[1]), writes output.txt there with the lines
// numbered and reversed, seeks back to rewrite the header, reopens the
// output to read it back, and prints a summary. Exit status 1 if any step
// fails, with the reason on stderr.
#include <errno.h>
#include <stdio.h>
#include <string.h>

static int fail(const char *what, const char *path) {
	fprintf(stderr, "fileio: %s %s: %s\n", what, path, strerror(errno));
	return 1;
}

int main(int argc, char **argv) {
	const char *dir = argc > 1 ? argv[1] : "/data";
	char in[256], out[256];
	snprintf(in, sizeof in, "%s/input.txt", dir);
	snprintf(out, sizeof out, "%s/output.txt", dir);

	FILE *f = fopen(in, "r");
	if (!f)
		return fail("open", in);
	FILE *g = fopen(out, "w+");
	if (!g)
		return fail("create", out);

	// A fixed-width header, rewritten once the line count is known.
	fprintf(g, "lines: ????\n");
	char line[256];
	int n = 0;
	long bytes = 0;
	while (fgets(line, sizeof line, f)) {
		size_t len = strcspn(line, "\n");
		line[len] = 0;
		bytes += (long)len;
		for (size_t i = 0; i < len / 2; i++) {
			char c = line[i];
			line[i] = line[len - 1 - i];
			line[len - 1 - i] = c;
		}
		fprintf(g, "%d: %s\n", ++n, line);
	}
	fclose(f);

	if (fseek(g, 0, SEEK_SET) != 0)
		return fail("seek", out);
	fprintf(g, "lines: %4d\n", n);
	if (fseek(g, 0, SEEK_END) != 0)
		return fail("seek", out);
	long size = ftell(g);
	if (fclose(g) != 0)
		return fail("close", out);

	g = fopen(out, "r");
	if (!g)
		return fail("reopen", out);
	if (!fgets(line, sizeof line, g))
		return fail("read", out);
	fclose(g);

	printf("read %d lines (%ld bytes) from %s\n", n, bytes, in);
	printf("wrote %ld bytes to %s\n", size, out);
	printf("header: %s", line);
	return 0;
}
