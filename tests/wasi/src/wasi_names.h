/* Shared by the raw-`__wasi_*` test programs (symlinks.c, trailing.c,
 * dirfd.c): WASI errno names and the preopen's fd, so each line they print
 * says exactly what the call returned. Not a program itself: build.sh
 * compiles only the .c files. */
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

static const char *const ERRNO_NAMES[] = {
    "ok", "E2BIG", "EACCES", "EADDRINUSE", "EADDRNOTAVAIL", "EAFNOSUPPORT",
    "EAGAIN", "EALREADY", "EBADF", "EBADMSG", "EBUSY", "ECANCELED", "ECHILD",
    "ECONNABORTED", "ECONNREFUSED", "ECONNRESET", "EDEADLK", "EDESTADDRREQ",
    "EDOM", "EDQUOT", "EEXIST", "EFAULT", "EFBIG", "EHOSTUNREACH", "EIDRM",
    "EILSEQ", "EINPROGRESS", "EINTR", "EINVAL", "EIO", "EISCONN", "EISDIR",
    "ELOOP", "EMFILE", "EMLINK", "EMSGSIZE", "EMULTIHOP", "ENAMETOOLONG",
    "ENETDOWN", "ENETRESET", "ENETUNREACH", "ENFILE", "ENOBUFS", "ENODEV",
    "ENOENT", "ENOEXEC", "ENOLCK", "ENOLINK", "ENOMEM", "ENOMSG",
    "ENOPROTOOPT", "ENOSPC", "ENOSYS", "ENOTCONN", "ENOTDIR", "ENOTEMPTY",
    "ENOTRECOVERABLE", "ENOTSOCK", "ENOTSUP", "ENOTTY", "ENXIO", "EOVERFLOW",
    "EOWNERDEAD", "EPERM", "EPIPE", "EPROTO", "EPROTONOSUPPORT", "EPROTOTYPE",
    "ERANGE", "EROFS", "ESPIPE", "ESRCH", "ESTALE", "ETIMEDOUT", "ETXTBSY",
    "EXDEV", "ENOTCAPABLE",
};

static const char *errno_name(__wasi_errno_t e) {
    return e < sizeof ERRNO_NAMES / sizeof ERRNO_NAMES[0] ? ERRNO_NAMES[e] : "E?";
}

/* The preopened directory named "." (smelt run --dir ., an executable's
 * native view, or Wasmtime's preopen_dir(..., ".")). */
static __wasi_fd_t find_preopen(void) {
    for (__wasi_fd_t fd = 3; fd < 64; fd++) {
        __wasi_prestat_t ps;
        if (__wasi_fd_prestat_get(fd, &ps) != 0) break;
        char name[8] = {0};
        if (ps.tag == __WASI_PREOPENTYPE_DIR && ps.u.dir.pr_name_len == 1 &&
            __wasi_fd_prestat_dir_name(fd, (uint8_t *)name, 1) == 0 && name[0] == '.')
            return fd;
    }
    printf("no preopened directory \".\"\n");
    __wasi_proc_exit(1);
}

/* What `path` names, not following a final symlink: "absent" (with the
 * errno if it is not ENOENT), "file", "dir", or "symlink -> TARGET". */
static const char *what_is(__wasi_fd_t dir, const char *path) {
    static char out[160];
    __wasi_filestat_t st;
    __wasi_errno_t e = __wasi_path_filestat_get(dir, 0, path, &st);
    if (e == __WASI_ERRNO_NOENT) return "absent";
    if (e) {
        snprintf(out, sizeof out, "stat %s", errno_name(e));
        return out;
    }
    switch (st.filetype) {
    case __WASI_FILETYPE_REGULAR_FILE: return "file";
    case __WASI_FILETYPE_DIRECTORY: return "dir";
    case __WASI_FILETYPE_SYMBOLIC_LINK: {
        char target[128];
        __wasi_size_t n = 0;
        e = __wasi_path_readlink(dir, path, (uint8_t *)target, sizeof target - 1, &n);
        target[e ? 0 : n] = 0;
        snprintf(out, sizeof out, "symlink -> %s", target);
        return out;
    }
    default: return "other";
    }
}
