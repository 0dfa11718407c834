/* Measures exec -> first instruction: takes the time, spawns PROGRAM,
 * which writes its own first clock reading (8 bytes, ns since the epoch)
 * to stdout, and reports the median difference over RUNS runs.
 *   first_instruction RUNS PROGRAM */
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc < 3) return 2;
    int runs = atoi(argv[1]);
    int64_t *d = calloc(runs, sizeof *d);
    for (int i = 0; i < runs; i++) {
        int p[2];
        if (pipe(p) != 0) return 1;
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, p[1], 1);
        posix_spawn_file_actions_addclose(&fa, p[0]);
        pid_t pid;
        int64_t t0 = now_ns();
        if (posix_spawn(&pid, argv[2], &fa, NULL, argv + 2, environ) != 0) return 1;
        close(p[1]);
        int64_t t1 = 0;
        if (read(p[0], &t1, 8) != 8) return 1;
        close(p[0]);
        waitpid(pid, NULL, 0);
        d[i] = t1 - t0;
    }
    qsort(d, runs, sizeof *d, cmp);
    printf("%-40s median %.3f ms  (p10 %.3f, p90 %.3f; %d runs)\n", argv[2], d[runs / 2] / 1e6,
           d[runs / 10] / 1e6, d[runs * 9 / 10] / 1e6, runs);
    return 0;
}
