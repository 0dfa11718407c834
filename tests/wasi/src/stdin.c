/* Standard input: counts lines and bytes, echoes it upper-cased. */
#include <ctype.h>
#include <stdio.h>

int main(void) {
    int c, lines = 0, bytes = 0;
    while ((c = getchar()) != EOF) {
        bytes++;
        if (c == '\n') lines++;
        putchar(toupper(c));
    }
    printf("lines=%d bytes=%d\n", lines, bytes);
    fprintf(stderr, "done reading\n");
    return 0;
}
