/* Clocks: realtime is plausible, monotonic moves forward, sleeping and
 * poll timeouts take at least as long as asked, CPU clocks work. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static long long ns(clockid_t c) {
    struct timespec t;
    if (clock_gettime(c, &t) != 0) return -1;
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(void) {
    long long real = ns(CLOCK_REALTIME);
    printf("realtime after 2020: %d\n", real > 1577836800LL * 1000000000LL);
    long long m0 = ns(CLOCK_MONOTONIC);
    struct timespec req = {0, 20 * 1000 * 1000};
    int r = nanosleep(&req, NULL);
    long long m1 = ns(CLOCK_MONOTONIC);
    printf("nanosleep ok: %d, slept >= 20ms: %d\n", r == 0, m1 - m0 >= 20000000LL);
    r = poll(NULL, 0, 15);
    long long m2 = ns(CLOCK_MONOTONIC);
    printf("poll timeout ok: %d, waited >= 15ms: %d\n", r == 0, m2 - m1 >= 15000000LL);
    struct timespec res;
    printf("monotonic resolution > 0: %d\n", clock_getres(CLOCK_MONOTONIC, &res) == 0 && (res.tv_sec > 0 || res.tv_nsec > 0));
    volatile double x = 0;
    for (int i = 0; i < 1000000; i++) x += i;
    printf("process cputime > 0: %d\n", ns(CLOCK_PROCESS_CPUTIME_ID) > 0);
    printf("thread cputime > 0: %d\n", ns(CLOCK_THREAD_CPUTIME_ID) > 0);
    printf("time() plausible: %d\n", time(NULL) > 1577836800);
    return 0;
}
