/* The environment: prints two variables (or "(unset)"). */
#include <stdio.h>
#include <stdlib.h>

static void show(const char *k) {
    const char *v = getenv(k);
    printf("%s=%s\n", k, v ? v : "(unset)");
}

int main(void) {
    show("SMELT_A");
    show("SMELT_B");
    return 0;
}
