/* Directories: mkdir, readdir (many entries, so listing resumes by
 * cookie), rename, hard links, symlinks, readlink, rmdir, timestamps. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { printf("FAIL line %d: %s (errno %d)\n", __LINE__, #c, errno); return 1; } } while (0)

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int touch(const char *p) {
    int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0) return -1;
    write(fd, p, strlen(p));
    return close(fd);
}

int main(void) {
    CHECK(mkdir("scratch_dirs", 0755) == 0);
    CHECK(mkdir("scratch_dirs", 0755) != 0 && errno == EEXIST);
    CHECK(mkdir("scratch_dirs/a", 0755) == 0);
    CHECK(mkdir("scratch_dirs/a/b", 0755) == 0);
    char name[256];
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "scratch_dirs/a/file_with_a_rather_long_name_%03d.txt", i);
        CHECK(touch(name) == 0);
    }
    DIR *d = opendir("scratch_dirs/a");
    CHECK(d != NULL);
    char *names[400];
    int n = 0, dirs = 0, files = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (n < 400) names[n++] = strdup(e->d_name);
        if (e->d_type == DT_DIR) dirs++;
        if (e->d_type == DT_REG) files++;
    }
    closedir(d);
    qsort(names, n, sizeof names[0], cmp);
    printf("entries: %d (dirs %d, files %d)\n", n, dirs, files);
    printf("first: %s %s %s, last: %s\n", names[0], names[1], names[2], names[n - 1]);
    int dups = 0;
    for (int i = 1; i < n; i++) dups += strcmp(names[i - 1], names[i]) == 0;
    printf("duplicates: %d\n", dups);

    /* rewinddir sees a new file. */
    d = opendir("scratch_dirs/a/b");
    CHECK(d != NULL);
    int before = 0, after = 0;
    while (readdir(d)) before++;
    CHECK(touch("scratch_dirs/a/b/new") == 0);
    rewinddir(d);
    while (readdir(d)) after++;
    closedir(d);
    printf("b: %d entries, after adding one and rewinding: %d\n", before, after);

    CHECK(rmdir("scratch_dirs/a") != 0);
    printf("rmdir non-empty: %s\n", errno == ENOTEMPTY ? "ENOTEMPTY" : "other");

    CHECK(rename("scratch_dirs/a/b/new", "scratch_dirs/renamed") == 0);
    CHECK(access("scratch_dirs/renamed", F_OK) == 0);
    CHECK(access("scratch_dirs/a/b/new", F_OK) != 0 && errno == ENOENT);
    CHECK(rename("scratch_dirs/a/b", "scratch_dirs/b2") == 0);
    struct stat st;
    CHECK(stat("scratch_dirs/b2", &st) == 0 && S_ISDIR(st.st_mode));
    printf("rename file and directory: ok\n");

    CHECK(link("scratch_dirs/renamed", "scratch_dirs/hard") == 0);
    CHECK(stat("scratch_dirs/hard", &st) == 0);
    printf("hard link nlink: %d\n", (int)st.st_nlink);

    CHECK(symlink("renamed", "scratch_dirs/soft") == 0);
    char target[64] = {0};
    CHECK(readlink("scratch_dirs/soft", target, sizeof target - 1) == 7);
    printf("readlink: %s\n", target);
    CHECK(lstat("scratch_dirs/soft", &st) == 0 && S_ISLNK(st.st_mode));
    CHECK(stat("scratch_dirs/soft", &st) == 0 && S_ISREG(st.st_mode));
    FILE *f = fopen("scratch_dirs/soft", "r");
    CHECK(f != NULL);
    char buf[64] = {0};
    CHECK(fgets(buf, sizeof buf, f) != NULL);
    fclose(f);
    printf("through symlink: %s\n", buf);

    struct timespec ts[2] = {{1000000000, 0}, {1234567890, 500}};
    CHECK(utimensat(AT_FDCWD, "scratch_dirs/renamed", ts, 0) == 0);
    CHECK(stat("scratch_dirs/renamed", &st) == 0);
    printf("mtime: %lld.%09ld atime: %lld\n", (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
           (long long)st.st_atim.tv_sec);

    /* Clean up everything. */
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "scratch_dirs/a/file_with_a_rather_long_name_%03d.txt", i);
        CHECK(unlink(name) == 0);
    }
    CHECK(rmdir("scratch_dirs/a") == 0);
    CHECK(rmdir("scratch_dirs/b2") == 0);
    CHECK(unlink("scratch_dirs/soft") == 0);
    CHECK(unlink("scratch_dirs/hard") == 0);
    CHECK(unlink("scratch_dirs/renamed") == 0);
    CHECK(rmdir("scratch_dirs") == 0);
    printf("dirs ok\n");
    return 0;
}
