/* Trailing slashes (issue 18, part 2), as POSIX (Linux) and Wasmtime apply
 * them: a path ending in `/` names a directory. path_link and path_symlink
 * at `name/` fail and create nothing; path_rename with a `/` on either side
 * needs a directory source (a link to one is not); mkdir accepts `new/`;
 * open of `name/` with O_CREAT is EISDIR; unlink of `dir/` is EISDIR;
 * rmdir of `link/` never removes the link's target. Where Wasmtime 50
 * differs (rmdir of `dir/` and `ldir/`: EINVAL there), smelt does what
 * Linux does; see docs/wasi.md "Paths with a trailing slash".
 * Every case runs in a fresh directory ts/NN holding `file`, `dir/`,
 * `lfile -> file` and `ldir -> dir`, through a directory fd on it; the line
 * shows the errno and what the directory holds afterwards
 * (`/` directory, `@` symlink). */
#include <dirent.h>
#include <stdlib.h>
#include "wasi_names.h"

static __wasi_fd_t P;
static int n_case;
static char case_dir[32];

/* Rights for a case's directory fd: everything a directory may have (no
 * FD_WRITE: asking for it on a directory is EISDIR). */
#define DIR_BASE (((__wasi_rights_t)1 << 30) - 1 - __WASI_RIGHTS_FD_WRITE)
#define ALL_RIGHTS (((__wasi_rights_t)1 << 30) - 1)

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static __wasi_fd_t fresh(void) {
    snprintf(case_dir, sizeof case_dir, "ts/%02d", ++n_case);
    __wasi_fd_t d, f;
    if (__wasi_path_create_directory(P, case_dir) ||
        __wasi_path_open(P, 0, case_dir, __WASI_OFLAGS_DIRECTORY, DIR_BASE, ALL_RIGHTS, 0, &d) ||
        __wasi_path_open(d, 0, "file", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_WRITE, 0, 0, &f) ||
        __wasi_fd_close(f) || __wasi_path_create_directory(d, "dir") ||
        __wasi_path_symlink("file", d, "lfile") || __wasi_path_symlink("dir", d, "ldir")) {
        printf("cannot set up %s\n", case_dir);
        __wasi_proc_exit(1);
    }
    return d;
}

static void report(const char *what, __wasi_errno_t e, __wasi_fd_t d) {
    char *names[32];
    int n = 0;
    DIR *dir = opendir(case_dir);
    struct dirent *ent;
    while (dir && (ent = readdir(dir)) != NULL && n < 32) {
        if (!strcmp(ent->d_name, ".") || !strcmp(ent->d_name, "..")) continue;
        const char *suffix = ent->d_type == DT_DIR ? "/" : ent->d_type == DT_LNK ? "@" : "";
        names[n] = malloc(strlen(ent->d_name) + 2);
        strcpy(names[n], ent->d_name);
        strcat(names[n++], suffix);
    }
    if (dir) closedir(dir);
    qsort(names, n, sizeof names[0], cmp);
    printf("%-34s -> %-9s|", what, errno_name(e));
    for (int i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
    (void)__wasi_fd_close(d);
}

#define CASE(what, call)                                                                       \
    do {                                                                                       \
        __wasi_fd_t d = fresh();                                                               \
        __wasi_errno_t e = call;                                                               \
        report(what, e, d);                                                                    \
    } while (0)

int main(void) {
    P = find_preopen();
    if (__wasi_path_create_directory(P, "ts")) {
        printf("cannot make ts\n");
        return 1;
    }
    __wasi_fd_t fd;
    __wasi_filestat_t st;
    const __wasi_lookupflags_t FOLLOW = __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW;
    const __wasi_oflags_t CREAT = __WASI_OFLAGS_CREAT, DIRECTORY = __WASI_OFLAGS_DIRECTORY;
    const __wasi_rights_t READ = __WASI_RIGHTS_FD_READ;

    printf("-- path_link OLD NEW\n");
    CASE("link file new", __wasi_path_link(d, 0, "file", d, "new"));
    CASE("link file new/", __wasi_path_link(d, 0, "file", d, "new/"));
    CASE("link file dir/", __wasi_path_link(d, 0, "file", d, "dir/"));
    CASE("link file file/", __wasi_path_link(d, 0, "file", d, "file/"));
    CASE("link file lfile/", __wasi_path_link(d, 0, "file", d, "lfile/"));
    CASE("link file ldir/", __wasi_path_link(d, 0, "file", d, "ldir/"));
    CASE("link file/ new", __wasi_path_link(d, 0, "file/", d, "new"));
    CASE("link dir/ new/", __wasi_path_link(d, 0, "dir/", d, "new/"));

    printf("-- path_symlink TARGET NEW\n");
    CASE("symlink file new", __wasi_path_symlink("file", d, "new"));
    CASE("symlink file new/", __wasi_path_symlink("file", d, "new/"));
    CASE("symlink dir new/", __wasi_path_symlink("dir", d, "new/"));
    CASE("symlink x dir/", __wasi_path_symlink("x", d, "dir/"));
    CASE("symlink x file/", __wasi_path_symlink("x", d, "file/"));
    CASE("symlink x lfile/", __wasi_path_symlink("x", d, "lfile/"));
    CASE("symlink x ldir/", __wasi_path_symlink("x", d, "ldir/"));

    printf("-- path_rename OLD NEW\n");
    CASE("rename file new/", __wasi_path_rename(d, "file", d, "new/"));
    CASE("rename file/ new", __wasi_path_rename(d, "file/", d, "new"));
    CASE("rename file dir/", __wasi_path_rename(d, "file", d, "dir/"));
    CASE("rename file dir", __wasi_path_rename(d, "file", d, "dir"));
    CASE("rename lfile/ new", __wasi_path_rename(d, "lfile/", d, "new"));
    CASE("rename ldir/ new", __wasi_path_rename(d, "ldir/", d, "new"));
    CASE("rename ldir new/", __wasi_path_rename(d, "ldir", d, "new/"));
    CASE("rename ldir new", __wasi_path_rename(d, "ldir", d, "new"));
    CASE("rename dir new/", __wasi_path_rename(d, "dir", d, "new/"));
    CASE("rename dir/ new", __wasi_path_rename(d, "dir/", d, "new"));
    CASE("rename dir/ new/", __wasi_path_rename(d, "dir/", d, "new/"));
    CASE("rename dir file/", __wasi_path_rename(d, "dir", d, "file/"));
    CASE("rename dir/. new", __wasi_path_rename(d, "dir/.", d, "new"));
    CASE("rename missing/ new", __wasi_path_rename(d, "missing/", d, "new"));

    printf("-- path_create_directory\n");
    CASE("mkdir new/", __wasi_path_create_directory(d, "new/"));
    CASE("mkdir new//", __wasi_path_create_directory(d, "new//"));
    CASE("mkdir file/", __wasi_path_create_directory(d, "file/"));
    CASE("mkdir dir/", __wasi_path_create_directory(d, "dir/"));
    CASE("mkdir lfile/", __wasi_path_create_directory(d, "lfile/"));
    CASE("mkdir ldir/", __wasi_path_create_directory(d, "ldir/"));
    CASE("mkdir new/.", __wasi_path_create_directory(d, "new/."));
    CASE("mkdir file/.", __wasi_path_create_directory(d, "file/."));

    printf("-- path_open\n");
    CASE("open file/", __wasi_path_open(d, 0, "file/", 0, READ, 0, 0, &fd));
    CASE("open file/ (follow)", __wasi_path_open(d, FOLLOW, "file/", 0, READ, 0, 0, &fd));
    CASE("open lfile/", __wasi_path_open(d, 0, "lfile/", 0, READ, 0, 0, &fd));
    CASE("open lfile (no follow)", __wasi_path_open(d, 0, "lfile", 0, READ, 0, 0, &fd));
    CASE("open dir/", __wasi_path_open(d, 0, "dir/", 0, READ, 0, 0, &fd));
    CASE("open ldir/", __wasi_path_open(d, 0, "ldir/", 0, READ, 0, 0, &fd));
    CASE("open missing/", __wasi_path_open(d, 0, "missing/", 0, READ, 0, 0, &fd));
    CASE("open new/ CREAT", __wasi_path_open(d, 0, "new/", CREAT, READ, 0, 0, &fd));
    CASE("open file/ CREAT", __wasi_path_open(d, 0, "file/", CREAT, READ, 0, 0, &fd));
    CASE("open dir/ CREAT", __wasi_path_open(d, 0, "dir/", CREAT, READ, 0, 0, &fd));
    CASE("open ldir/ CREAT", __wasi_path_open(d, 0, "ldir/", CREAT, READ, 0, 0, &fd));
    CASE("open dir CREAT", __wasi_path_open(d, 0, "dir", CREAT, READ, 0, 0, &fd));
    CASE("open new CREAT|DIRECTORY", __wasi_path_open(d, 0, "new", CREAT | DIRECTORY, READ, 0, 0, &fd));
    CASE("open file DIRECTORY", __wasi_path_open(d, 0, "file", DIRECTORY, READ, 0, 0, &fd));

    printf("-- path_unlink_file\n");
    CASE("unlink file/", __wasi_path_unlink_file(d, "file/"));
    CASE("unlink dir/", __wasi_path_unlink_file(d, "dir/"));
    CASE("unlink dir", __wasi_path_unlink_file(d, "dir"));
    CASE("unlink lfile/", __wasi_path_unlink_file(d, "lfile/"));
    CASE("unlink ldir/", __wasi_path_unlink_file(d, "ldir/"));
    CASE("unlink ldir", __wasi_path_unlink_file(d, "ldir"));
    CASE("unlink missing/", __wasi_path_unlink_file(d, "missing/"));

    printf("-- path_remove_directory\n");
    CASE("rmdir file/", __wasi_path_remove_directory(d, "file/"));
    CASE("rmdir lfile/", __wasi_path_remove_directory(d, "lfile/"));
    CASE("rmdir ldir/", __wasi_path_remove_directory(d, "ldir/"));
    CASE("rmdir dir/.", __wasi_path_remove_directory(d, "dir/."));
    CASE("rmdir dir/", __wasi_path_remove_directory(d, "dir/"));
    CASE("rmdir dir", __wasi_path_remove_directory(d, "dir"));

    printf("-- path_filestat_get\n");
    CASE("stat file/", __wasi_path_filestat_get(d, 0, "file/", &st));
    CASE("stat lfile/", __wasi_path_filestat_get(d, 0, "lfile/", &st));
    CASE("stat ldir/", __wasi_path_filestat_get(d, 0, "ldir/", &st));
    return 0;
}
