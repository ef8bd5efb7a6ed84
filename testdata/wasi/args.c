// args: echoes its arguments and selected environment variables, one per
// line, then exits with the number of arguments as its status.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

int main(int argc, char **argv) {
	for (int i = 0; i < argc; i++)
		printf("argv[%d]=%s\n", i, argv[i]);
	// Print the whole environment in order: WASI hands it over as given.
	for (char **e = environ; *e; e++)
		printf("env %s\n", *e);
	const char *who = getenv("WHO");
	printf("WHO=%s\n", who ? who : "(unset)");
	return argc;
}
