/* Arguments and stdout: prints its arguments one per line. */
#include <stdio.h>

int main(int argc, char **argv) {
    printf("hello from wasi\n");
    printf("argc=%d argv0_nonempty=%d\n", argc, argv[0] && argv[0][0] != 0);
    for (int i = 1; i < argc; i++)
        printf("argv[%d]=%s\n", i, argv[i]);
    return 0;
}
