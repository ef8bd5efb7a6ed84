// hello: the smallest WASI program: printf to stdout, exit status 0.
#include <stdio.h>

int main(void) {
	printf("hello from wdb\n");
	return 0;
}
