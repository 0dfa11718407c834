/* The sandbox: every way out of the preopened directory is refused,
 * every way around inside it works. The driver prepares:
 *   data.txt, sub/inner.txt, link_in -> data.txt,
 *   link_out -> ../outside/secret.txt, link_abs -> <absolute path of secret>,
 *   sub/link_up -> ../../outside/secret.txt, link_dir_out -> ../outside */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void try_open(const char *path) {
    errno = 0;
    int fd = open(path, O_RDONLY);
    if (fd >= 0) {
        char buf[64] = {0};
        read(fd, buf, sizeof buf - 1);
        close(fd);
        buf[strcspn(buf, "\n")] = 0;
        printf("open %-34s -> opened: %s\n", path, buf);
    } else {
        printf("open %-34s -> refused (%s)\n", path, errno == ENOTCAPABLE ? "ENOTCAPABLE" : errno == ENOENT ? "ENOENT" : strerror(errno));
    }
}

int main(void) {
    try_open("data.txt");
    try_open("./sub/../data.txt");
    try_open("sub/inner.txt");
    try_open("link_in");
    try_open("../outside/secret.txt");
    try_open("sub/../../outside/secret.txt");
    try_open("/etc/passwd");
    try_open("link_out");
    try_open("link_abs");
    try_open("sub/link_up");
    try_open("link_dir_out/secret.txt");

    /* Creating through an escaping link or path is refused too. */
    errno = 0;
    int fd = open("link_dir_out/created.txt", O_CREAT | O_WRONLY, 0644);
    printf("create through link_dir_out -> %s\n", fd >= 0 ? "CREATED" : errno == ENOTCAPABLE ? "refused (ENOTCAPABLE)" : "refused (other)");
    errno = 0;
    printf("mkdir ../escaped -> %s\n", mkdir("../escaped", 0755) == 0 ? "CREATED" : "refused");
    printf("rename data.txt -> ../stolen -> %s\n", rename("data.txt", "../stolen") == 0 ? "MOVED" : "refused");
    struct stat st;
    printf("stat link_dir_out/secret.txt -> %s\n", stat("link_dir_out/secret.txt", &st) == 0 ? "SEEN" : "refused");
    printf("lstat link_out (the link itself) -> %s\n", lstat("link_out", &st) == 0 && S_ISLNK(st.st_mode) ? "a symlink" : "error");
    printf("opendir .. -> %s\n", opendir("..") ? "OPENED" : "refused");
    return 0;
}
