/* A trap: prints, then executes `unreachable` two calls deep. The process
 * must exit 134 with a wasm backtrace on stderr. */
#include <stdio.h>

__attribute__((noinline)) void deep_failure(int x) {
    if (x > 0) __builtin_trap();
}

__attribute__((noinline)) void middle(int x) {
    deep_failure(x + 1);
    printf("not reached\n");
}

int main(void) {
    printf("about to trap\n");
    fflush(stdout);
    middle(1);
    return 0;
}
