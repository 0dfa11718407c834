/* fd readiness: poll() waits for piped stdin to become readable, reports
 * stdout writable, and a read then gets the data. */
#include <poll.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
    struct pollfd in = {.fd = 0, .events = POLLIN};
    int n = poll(&in, 1, 5000);
    printf("stdin: ready %d, readable %d\n", n, (in.revents & POLLIN) != 0);
    struct pollfd out = {.fd = 1, .events = POLLOUT};
    n = poll(&out, 1, 5000);
    printf("stdout: ready %d, writable %d\n", n, (out.revents & POLLOUT) != 0);
    char buf[64] = {0};
    ssize_t got = read(0, buf, sizeof buf - 1);
    printf("read %zd bytes: %s", got, buf);
    return 0;
}
