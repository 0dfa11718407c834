/* Exit status: output written before exit() is flushed, the status
 * passes through. */
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) static void leave(int code) {
    printf("leaving with %d\n", code);
    exit(code);
}

int main(int argc, char **argv) {
    leave(argc > 1 ? atoi(argv[1]) : 42);
    return 0;
}
