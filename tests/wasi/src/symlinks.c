/* path_symlink and the sandbox (issue 18, part 1): a guest may create a
 * symlink only if the kernel, following it from where it is, stays inside
 * the directory fd it was made through. Absolute targets and targets that
 * climb above that directory are refused with EPERM and nothing is
 * created; moving a link (rename, hard link) to where it would lead out is
 * refused too. (`a/b/link -> ../../x` is fine, `link -> ../x` is not; a
 * `..` after a name, `sub/../x`, is refused: the name may be a link.)
 * The driver's tree: data.txt, sub/inner.txt, and links that
 * the host made (link_out -> ../outside/secret.txt, ...).
 * Each line: the call, its errno, and what is at the name afterwards. */
#include "wasi_names.h"

static __wasi_fd_t P;

static void sym_at(__wasi_fd_t dir, const char *dirname, const char *target, const char *name) {
    __wasi_errno_t e = __wasi_path_symlink(target, dir, name);
    char at[64];
    snprintf(at, sizeof at, "%s%s", dirname, name);
    printf("symlink %-24s at %-20s -> %-11s %s\n", target, at, errno_name(e), what_is(dir, name));
}

static void sym(const char *target, const char *name) { sym_at(P, "", target, name); }

/* Opens `path` following symlinks and prints its first line. */
static void read_through(__wasi_fd_t dir, const char *dirname, const char *path) {
    __wasi_fd_t fd;
    __wasi_errno_t e = __wasi_path_open(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path, 0,
                                        __WASI_RIGHTS_FD_READ, 0, 0, &fd);
    char buf[64] = {0};
    if (e == 0) {
        __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf - 1};
        __wasi_size_t n;
        e = __wasi_fd_read(fd, &iov, 1, &n);
        (void)__wasi_fd_close(fd);
        buf[strcspn(buf, "\n")] = 0;
    }
    char at[64];
    snprintf(at, sizeof at, "%s%s", dirname, path);
    printf("read through %-22s -> %s%s%s\n", at, errno_name(e), e ? "" : ": ", buf);
}

int main(void) {
    P = find_preopen();
    if (__wasi_path_create_directory(P, "a") || __wasi_path_create_directory(P, "a/b")) {
        printf("cannot make a/b\n");
        return 1;
    }

    printf("-- absolute targets\n");
    sym("/", "link_root");
    sym("/etc/passwd", "link_etc");
    sym("//tmp", "link_tmp");

    printf("-- targets climbing above the directory fd\n");
    sym("..", "link_dotdot");
    sym("../outside", "link_up");
    sym("../../outside/secret.txt", "sub/link_esc");
    sym("../../../etc", "a/b/link_etc");
    sym("../../../data.txt", "a/b/link_over");

    printf("-- `..` after a name (the name may be a link: the kernel climbs from\n"
           "-- wherever it points, see docs/wasi.md \"The sandbox\")\n");
    sym("sub/../data.txt", "link_lex");
    sym("x/../../outside", "link_x");
    sym("../../sub/../data.txt", "a/b/link_lex");

    printf("-- targets that only descend, but through a host link out\n");
    sym("link_dir_out/secret.txt", "link_via_out");
    sym("../link_dir_out", "sub/link_via_out");

    printf("-- targets that stay inside\n");
    sym("data.txt", "link_good");
    sym("../data.txt", "sub/link_parent");
    sym("../../data.txt", "a/b/link_top");
    sym("./sub/inner.txt", "link_dot_inner");
    sym("sub/", "link_sub_dir");
    sym(".", "link_dot");
    sym("missing", "link_dangling");
    sym("link_in", "link_chain");
    sym("", "link_empty");
    read_through(P, "", "link_good");
    read_through(P, "", "sub/link_parent");
    read_through(P, "", "a/b/link_top");
    read_through(P, "", "link_chain");
    read_through(P, "", "link_sub_dir/inner.txt");

    printf("-- new paths outside the directory fd\n");
    sym("data.txt", "../escaped_link");
    sym("data.txt", "/abs_link");

    printf("-- a directory fd is its own root\n");
    __wasi_fd_t sub;
    __wasi_rights_t dir_rights = __WASI_RIGHTS_PATH_SYMLINK | __WASI_RIGHTS_PATH_OPEN |
                                 __WASI_RIGHTS_PATH_FILESTAT_GET | __WASI_RIGHTS_PATH_READLINK;
    __wasi_errno_t e = __wasi_path_open(P, 0, "sub", __WASI_OFLAGS_DIRECTORY, dir_rights,
                                        dir_rights | __WASI_RIGHTS_FD_READ, 0, &sub);
    printf("open sub as a directory fd -> %s\n", errno_name(e));
    if (e) return 1;
    sym_at(sub, "[sub] ", "inner.txt", "link_sub_ok");
    sym_at(sub, "[sub] ", "../data.txt", "link_sub_up");
    sym_at(sub, "[sub] ", "../sub/inner.txt", "link_sub_up2");
    read_through(sub, "[sub] ", "link_sub_ok");
    read_through(sub, "[sub] ", "link_parent");

    printf("-- moving a link to where it would lead out\n");
    e = __wasi_path_rename(P, "sub/link_parent", P, "moved_up");
    printf("rename sub/link_parent -> moved_up: %s; moved_up %s; sub/link_parent %s\n",
           errno_name(e), what_is(P, "moved_up"), what_is(P, "sub/link_parent"));
    e = __wasi_path_link(P, 0, "sub/link_parent", P, "hard_up");
    printf("link sub/link_parent -> hard_up: %s; hard_up %s\n", errno_name(e),
           what_is(P, "hard_up"));
    e = __wasi_path_rename(P, "a/b/link_top", P, "a/b/link_top2");
    printf("rename a/b/link_top -> a/b/link_top2: %s; %s\n", errno_name(e),
           what_is(P, "a/b/link_top2"));
    e = __wasi_path_rename(P, "a/b/link_top2", P, "a/link_top3");
    printf("rename a/b/link_top2 -> a/link_top3: %s; a/link_top3 %s\n", errno_name(e),
           what_is(P, "a/link_top3"));
    /* Dangling in sub/, but at the top it would pass through link_dir_out. */
    sym("link_dir_out/secret.txt", "sub/link_via_later");
    e = __wasi_path_rename(P, "sub/link_via_later", P, "moved_via_out");
    printf("rename sub/link_via_later -> moved_via_out: %s; moved_via_out %s\n",
           errno_name(e), what_is(P, "moved_via_out"));
    e = __wasi_path_rename(P, "link_good", P, "sub/link_good");
    printf("rename link_good -> sub/link_good: %s; %s\n", errno_name(e),
           what_is(P, "sub/link_good"));
    return 0;
}
