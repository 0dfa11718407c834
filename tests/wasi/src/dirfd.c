/* Directory descriptors and rights (issue 18, part 2), as Wasmtime 50:
 * - the preopen's rights, and what it passes on (fs_rights_inheriting);
 * - path_open asking to write (FD_WRITE) a directory is EISDIR, with or
 *   without O_DIRECTORY, the preopen itself (".") included;
 * - a directory fd holds no read/write/seek/tell rights, and fd_read,
 *   fd_write, fd_pread, fd_pwrite, fd_seek, fd_tell, fd_allocate and
 *   fd_filestat_set_size on one are EBADF;
 * - what a file opened under the preopen holds and passes on;
 * - sock_* on anything that is not a socket is ENOTSOCK. */
#include "wasi_names.h"

#define ALL (((__wasi_rights_t)1 << 30) - 1)
/* What wasi-libc asks for in open(O_RDONLY) and opendir(). */
#define LIBC_READ                                                                              \
    (ALL & ~(__WASI_RIGHTS_FD_DATASYNC | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_ALLOCATE |  \
             __WASI_RIGHTS_FD_FILESTAT_SET_SIZE))

static __wasi_fd_t P;

static const char *yes(int b) { return b ? "yes" : "no"; }

static void fdstat(const char *what, __wasi_fd_t fd, int print_rights) {
    __wasi_fdstat_t s;
    __wasi_errno_t e = __wasi_fd_fdstat_get(fd, &s);
    if (e) {
        printf("fdstat %s: %s\n", what, errno_name(e));
        return;
    }
    printf("fdstat %-10s filetype %d", what, s.fs_filetype);
    if (print_rights)
        printf(" base %#llx inheriting %#llx", (unsigned long long)s.fs_rights_base,
               (unsigned long long)s.fs_rights_inheriting);
    printf("\n  seek %s tell %s read %s write %s readdir %s; inheriting == base: %s\n",
           yes(s.fs_rights_base & __WASI_RIGHTS_FD_SEEK),
           yes(s.fs_rights_base & __WASI_RIGHTS_FD_TELL),
           yes(s.fs_rights_base & __WASI_RIGHTS_FD_READ),
           yes(s.fs_rights_base & __WASI_RIGHTS_FD_WRITE),
           yes(s.fs_rights_base & __WASI_RIGHTS_FD_READDIR),
           yes(s.fs_rights_inheriting == s.fs_rights_base));
}

static __wasi_fd_t open_at(__wasi_fd_t dir, const char *path, __wasi_oflags_t oflags,
                           __wasi_rights_t base, const char *what) {
    __wasi_fd_t fd = (__wasi_fd_t)-1;
    __wasi_errno_t e = __wasi_path_open(dir, 0, path, oflags, base, ALL, 0, &fd);
    printf("open %-6s %-26s -> %s\n", path, what, errno_name(e));
    if (e == 0 && fd == (__wasi_fd_t)-1) printf("  (no fd written)\n");
    return e ? (__wasi_fd_t)-1 : fd;
}

static void data_calls(const char *what, __wasi_fd_t fd) {
    char buf[8];
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
    __wasi_ciovec_t ciov = {(const uint8_t *)"x", 1};
    __wasi_size_t n;
    __wasi_filesize_t pos;
    printf("%s:\n  read %s write %s pread %s pwrite %s\n", what,
           errno_name(__wasi_fd_read(fd, &iov, 1, &n)), errno_name(__wasi_fd_write(fd, &ciov, 1, &n)),
           errno_name(__wasi_fd_pread(fd, &iov, 1, 0, &n)),
           errno_name(__wasi_fd_pwrite(fd, &ciov, 1, 0, &n)));
    printf("  seek(0, CUR) %s seek(0, SET) %s seek(0, END) %s tell %s\n",
           errno_name(__wasi_fd_seek(fd, 0, __WASI_WHENCE_CUR, &pos)),
           errno_name(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos)),
           errno_name(__wasi_fd_seek(fd, 0, __WASI_WHENCE_END, &pos)),
           errno_name(__wasi_fd_tell(fd, &pos)));
    __wasi_filestat_t st;
    printf("  allocate %s filestat_set_size %s; filestat_get %s\n",
           errno_name(__wasi_fd_allocate(fd, 0, 1)), errno_name(__wasi_fd_filestat_set_size(fd, 0)),
           errno_name(__wasi_fd_filestat_get(fd, &st)));
}

static void sock_calls(const char *what, __wasi_fd_t fd) {
    char buf[8];
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
    __wasi_ciovec_t ciov = {(const uint8_t *)"x", 1};
    __wasi_size_t n;
    __wasi_roflags_t ro;
    __wasi_fd_t conn;
    printf("sock_* on %-8s accept %s recv %s send %s shutdown %s\n", what,
           errno_name(__wasi_sock_accept(fd, 0, &conn)),
           errno_name(__wasi_sock_recv(fd, &iov, 1, 0, &n, &ro)),
           errno_name(__wasi_sock_send(fd, &ciov, 1, 0, &n)),
           errno_name(__wasi_sock_shutdown(fd, __WASI_SDFLAGS_RD | __WASI_SDFLAGS_WR)));
}

int main(void) {
    P = find_preopen();
    printf("-- the preopen\n");
    fdstat("preopen", P, 1);

    printf("-- path_open of a directory\n");
    const __wasi_oflags_t DIR = __WASI_OFLAGS_DIRECTORY;
    const __wasi_rights_t R = __WASI_RIGHTS_FD_READ, W = __WASI_RIGHTS_FD_WRITE;
    open_at(P, ".", DIR, R, "O_DIRECTORY, read");
    open_at(P, ".", DIR, R | W, "O_DIRECTORY, read+write");
    open_at(P, ".", DIR, W, "O_DIRECTORY, write");
    open_at(P, ".", DIR, ALL, "O_DIRECTORY, every right");
    open_at(P, ".", 0, R | W, "read+write");
    open_at(P, ".", 0, W, "write");
    open_at(P, ".", 0, 0, "no rights");
    open_at(P, "sub", DIR, R | W, "O_DIRECTORY, read+write");
    open_at(P, "sub", 0, W, "write");
    open_at(P, "sub/", 0, W, "write");
    open_at(P, "sub", 0, __WASI_RIGHTS_FD_ALLOCATE, "allocate (no write)");
    open_at(P, "sub", __WASI_OFLAGS_TRUNC, 0, "O_TRUNC");
    open_at(P, "sub", __WASI_OFLAGS_CREAT, 0, "O_CREAT");
    open_at(P, "data.txt", DIR, R, "O_DIRECTORY on a file");

    printf("-- a directory opened as opendir() does\n");
    __wasi_fd_t sub = open_at(P, "sub", DIR, LIBC_READ, "O_DIRECTORY, libc's rights");
    if (sub == (__wasi_fd_t)-1) return 1;
    fdstat("sub", sub, 0);

    printf("-- file calls on directories\n");
    data_calls("the preopen", P);
    data_calls("sub", sub);

    printf("-- a file opened under the preopen\n");
    __wasi_fd_t f = open_at(P, "data.txt", 0, LIBC_READ, "libc's O_RDONLY rights");
    if (f == (__wasi_fd_t)-1) return 1;
    fdstat("data.txt", f, 0);
    __wasi_fd_t g = open_at(sub, "inner.txt", 0, LIBC_READ, "under sub");
    if (g == (__wasi_fd_t)-1) return 1;
    fdstat("inner.txt", g, 0);

    printf("-- directory calls on files\n");
    {
        __wasi_filestat_t st;
        uint8_t buf[64];
        __wasi_size_t n;
        __wasi_fd_t h;
        printf("data.txt: readdir %s, path_filestat_get %s, path_create_directory %s, "
               "path_open %s\n",
               errno_name(__wasi_fd_readdir(f, buf, sizeof buf, 0, &n)),
               errno_name(__wasi_path_filestat_get(f, 0, "x", &st)),
               errno_name(__wasi_path_create_directory(f, "x")),
               errno_name(__wasi_path_open(f, 0, "x", 0, 0, 0, 0, &h)));
        printf("stdout: readdir %s, path_open %s\n",
               errno_name(__wasi_fd_readdir(1, buf, sizeof buf, 0, &n)),
               errno_name(__wasi_path_open(1, 0, "x", 0, 0, 0, 0, &h)));
    }

    printf("-- syncing a directory (makes renames in it durable)\n");
    printf("preopen: sync %s, datasync %s\n", errno_name(__wasi_fd_sync(P)),
           errno_name(__wasi_fd_datasync(P)));

    printf("-- sockets\n");
    sock_calls("preopen", P);
    sock_calls("sub", sub);
    sock_calls("data.txt", f);
    sock_calls("stdout", 1);
    sock_calls("fd 99", 99);
    return 0;
}
