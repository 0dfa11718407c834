/* Regular files: create, write, read, seek, pread/pwrite, truncate,
 * append, stat, exclusive create, unlink. Runs in a scratch directory. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { printf("FAIL line %d: %s (errno %d)\n", __LINE__, #c, errno); return 1; } } while (0)

int main(void) {
    mkdir("scratch_files", 0755);
    int fd = open("scratch_files/a.txt", O_CREAT | O_TRUNC | O_RDWR, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, "hello, world\n", 13) == 13);
    CHECK(lseek(fd, 0, SEEK_CUR) == 13);
    CHECK(lseek(fd, 7, SEEK_SET) == 7);
    char buf[64] = {0};
    CHECK(read(fd, buf, 5) == 5);
    printf("read after seek: %s\n", buf);
    CHECK(pwrite(fd, "WORLD", 5, 7) == 5);
    memset(buf, 0, sizeof buf);
    CHECK(pread(fd, buf, 13, 0) == 13);
    printf("pread: %s", buf);
    CHECK(lseek(fd, 0, SEEK_CUR) == 12); /* pread/pwrite leave the offset alone */
    CHECK(ftruncate(fd, 5) == 0);
    struct stat st;
    CHECK(fstat(fd, &st) == 0);
    printf("size after truncate: %lld, regular: %d\n", (long long)st.st_size, S_ISREG(st.st_mode));
    CHECK(fsync(fd) == 0);
    CHECK(close(fd) == 0);

    FILE *f = fopen("scratch_files/a.txt", "a");
    CHECK(f != NULL);
    fprintf(f, "+appended\n");
    fclose(f);
    f = fopen("scratch_files/a.txt", "r");
    CHECK(f != NULL);
    CHECK(fgets(buf, sizeof buf, f) != NULL);
    printf("after append: %s", buf);
    fclose(f);

    errno = 0;
    CHECK(open("scratch_files/a.txt", O_CREAT | O_EXCL | O_WRONLY, 0644) < 0);
    printf("exclusive create of existing file: %s\n", errno == EEXIST ? "EEXIST" : "other");
    errno = 0;
    CHECK(open("scratch_files/missing.txt", O_RDONLY) < 0);
    printf("open missing: %s\n", errno == ENOENT ? "ENOENT" : "other");
    CHECK(stat("scratch_files/a.txt", &st) == 0);
    printf("stat size: %lld\n", (long long)st.st_size);
    CHECK(unlink("scratch_files/a.txt") == 0);
    CHECK(stat("scratch_files/a.txt", &st) != 0 && errno == ENOENT);
    CHECK(rmdir("scratch_files") == 0);

    /* The host's file, prepared by the test driver. */
    f = fopen("data.txt", "r");
    CHECK(f != NULL);
    CHECK(fgets(buf, sizeof buf, f) != NULL);
    printf("data.txt: %s", buf);
    fclose(f);
    printf("files ok\n");
    return 0;
}
