//! The `wasi_snapshot_preview1` ABI: constants and the byte layouts of the
//! structures the guest passes by pointer (all little-endian, wasm32).
//!
//! ```text
//! fdstat (24)    0: filetype u8 | 2: fs_flags u16 | 8: rights_base u64 | 16: rights_inheriting u64
//! filestat (64)  0: dev | 8: ino | 16: filetype u8 | 24: nlink | 32: size | 40: atim | 48: mtim | 56: ctim
//! prestat (8)    0: tag u8 (0 = dir) | 4: name_len u32
//! dirent (24)    0: d_next u64 | 8: d_ino u64 | 16: d_namlen u32 | 20: d_type u8   (name follows)
//! iovec (8)      0: buf u32 | 4: buf_len u32
//! subscription (48)  0: userdata u64 | 8: tag u8 | 16: clock{id u32, 24: timeout u64,
//!                    32: precision u64, 40: flags u16} or fd_readwrite{16: fd u32}
//! event (32)     0: userdata u64 | 8: error u16 | 10: type u8 | 16: nbytes u64 | 24: flags u16
//! ```

// ---- filetype -------------------------------------------------------------
pub(crate) const FILETYPE_UNKNOWN: u8 = 0;
pub(crate) const FILETYPE_BLOCK_DEVICE: u8 = 1;
pub(crate) const FILETYPE_CHARACTER_DEVICE: u8 = 2;
pub(crate) const FILETYPE_DIRECTORY: u8 = 3;
pub(crate) const FILETYPE_REGULAR_FILE: u8 = 4;
pub(crate) const FILETYPE_SOCKET_DGRAM: u8 = 5;
pub(crate) const FILETYPE_SOCKET_STREAM: u8 = 6;
pub(crate) const FILETYPE_SYMBOLIC_LINK: u8 = 7;

// ---- fdflags --------------------------------------------------------------
pub(crate) const FDFLAGS_APPEND: u16 = 1;
pub(crate) const FDFLAGS_DSYNC: u16 = 2;
pub(crate) const FDFLAGS_NONBLOCK: u16 = 4;
pub(crate) const FDFLAGS_RSYNC: u16 = 8;
pub(crate) const FDFLAGS_SYNC: u16 = 16;

// ---- oflags ---------------------------------------------------------------
pub(crate) const OFLAGS_CREAT: u16 = 1;
pub(crate) const OFLAGS_DIRECTORY: u16 = 2;
pub(crate) const OFLAGS_EXCL: u16 = 4;
pub(crate) const OFLAGS_TRUNC: u16 = 8;

// ---- lookupflags ----------------------------------------------------------
pub(crate) const LOOKUP_SYMLINK_FOLLOW: u32 = 1;

// ---- fstflags -------------------------------------------------------------
pub(crate) const FSTFLAGS_ATIM: u16 = 1;
pub(crate) const FSTFLAGS_ATIM_NOW: u16 = 2;
pub(crate) const FSTFLAGS_MTIM: u16 = 4;
pub(crate) const FSTFLAGS_MTIM_NOW: u16 = 8;

// ---- whence ---------------------------------------------------------------
pub(crate) const WHENCE_SET: u8 = 0;
pub(crate) const WHENCE_CUR: u8 = 1;
pub(crate) const WHENCE_END: u8 = 2;

// ---- clocks ---------------------------------------------------------------
pub(crate) const CLOCK_REALTIME: u32 = 0;
pub(crate) const CLOCK_MONOTONIC: u32 = 1;
pub(crate) const CLOCK_PROCESS_CPUTIME: u32 = 2;
pub(crate) const CLOCK_THREAD_CPUTIME: u32 = 3;

// ---- poll -----------------------------------------------------------------
pub(crate) const EVENTTYPE_CLOCK: u8 = 0;
pub(crate) const EVENTTYPE_FD_READ: u8 = 1;
pub(crate) const EVENTTYPE_FD_WRITE: u8 = 2;
pub(crate) const SUBCLOCK_ABSTIME: u16 = 1;
pub(crate) const EVENTRW_HANGUP: u16 = 1;
pub(crate) const SUBSCRIPTION_SIZE: u32 = 48;
pub(crate) const EVENT_SIZE: u32 = 32;

// ---- sockets --------------------------------------------------------------
pub(crate) const RIFLAGS_RECV_PEEK: u16 = 1;
pub(crate) const RIFLAGS_RECV_WAITALL: u16 = 2;
pub(crate) const ROFLAGS_RECV_DATA_TRUNCATED: u16 = 1;
pub(crate) const SDFLAGS_RD: u8 = 1;
pub(crate) const SDFLAGS_WR: u8 = 2;

// ---- sizes ----------------------------------------------------------------
pub(crate) const DIRENT_SIZE: usize = 24;
pub(crate) const FILESTAT_SIZE: usize = 64;

// ---- rights ---------------------------------------------------------------
pub(crate) const RIGHT_FD_DATASYNC: u64 = 1 << 0;
pub(crate) const RIGHT_FD_READ: u64 = 1 << 1;
pub(crate) const RIGHT_FD_SEEK: u64 = 1 << 2;
pub(crate) const RIGHT_FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
pub(crate) const RIGHT_FD_SYNC: u64 = 1 << 4;
pub(crate) const RIGHT_FD_TELL: u64 = 1 << 5;
pub(crate) const RIGHT_FD_WRITE: u64 = 1 << 6;
pub(crate) const RIGHT_FD_ADVISE: u64 = 1 << 7;
pub(crate) const RIGHT_FD_ALLOCATE: u64 = 1 << 8;
pub(crate) const RIGHT_PATH_CREATE_DIRECTORY: u64 = 1 << 9;
pub(crate) const RIGHT_PATH_CREATE_FILE: u64 = 1 << 10;
pub(crate) const RIGHT_PATH_LINK_SOURCE: u64 = 1 << 11;
pub(crate) const RIGHT_PATH_LINK_TARGET: u64 = 1 << 12;
pub(crate) const RIGHT_PATH_OPEN: u64 = 1 << 13;
pub(crate) const RIGHT_FD_READDIR: u64 = 1 << 14;
pub(crate) const RIGHT_PATH_READLINK: u64 = 1 << 15;
pub(crate) const RIGHT_PATH_RENAME_SOURCE: u64 = 1 << 16;
pub(crate) const RIGHT_PATH_RENAME_TARGET: u64 = 1 << 17;
pub(crate) const RIGHT_PATH_FILESTAT_GET: u64 = 1 << 18;
pub(crate) const RIGHT_PATH_FILESTAT_SET_SIZE: u64 = 1 << 19;
pub(crate) const RIGHT_PATH_FILESTAT_SET_TIMES: u64 = 1 << 20;
pub(crate) const RIGHT_FD_FILESTAT_GET: u64 = 1 << 21;
pub(crate) const RIGHT_FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
pub(crate) const RIGHT_FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
pub(crate) const RIGHT_PATH_SYMLINK: u64 = 1 << 24;
pub(crate) const RIGHT_PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
pub(crate) const RIGHT_PATH_UNLINK_FILE: u64 = 1 << 26;
pub(crate) const RIGHT_POLL_FD_READWRITE: u64 = 1 << 27;
pub(crate) const RIGHT_SOCK_SHUTDOWN: u64 = 1 << 28;
pub(crate) const RIGHT_SOCK_ACCEPT: u64 = 1 << 29;
/// Every right preview1 defines.
pub(crate) const RIGHTS_ALL: u64 = (1 << 30) - 1;
/// What a preopened directory holds: the set Wasmtime reports for its
/// preopens (the rights "many userlands expect" of a directory), plus
/// `PATH_FILESTAT_SET_SIZE`, which smelt enforces for `path_open` with
/// `O_TRUNC` (preview1's rule) where Wasmtime enforces no rights at all,
/// and `FD_SYNC`/`FD_DATASYNC`.
pub(crate) const RIGHTS_PREOPEN_BASE: u64 = RIGHTS_DIRECTORY_ONLY
    | RIGHT_FD_FILESTAT_GET
    | RIGHT_FD_FILESTAT_SET_TIMES
    // fsync(2) of a directory makes the creations and renames in it
    // durable (Wasmtime refuses both on directories).
    | RIGHT_FD_SYNC
    | RIGHT_FD_DATASYNC;
/// What a preopened directory passes on to what is opened under it: every
/// right but the socket ones (a path never opens a socket), as Wasmtime
/// reports (plus `PATH_FILESTAT_SET_SIZE`, see above).
pub(crate) const RIGHTS_PREOPEN_INHERITING: u64 =
    RIGHTS_ALL & !(RIGHT_SOCK_SHUTDOWN | RIGHT_SOCK_ACCEPT);
/// Rights that only mean something on a file: a directory fd never holds
/// them, and the calls that need them fail with `EBADF` on a directory
/// (Wasmtime's errno; Linux's own `read(2)` on a directory says `EISDIR`).
pub(crate) const RIGHTS_FILE_ONLY: u64 = RIGHT_FD_READ
    | RIGHT_FD_WRITE
    | RIGHT_FD_SEEK
    | RIGHT_FD_TELL
    | RIGHT_FD_ALLOCATE
    | RIGHT_FD_FILESTAT_SET_SIZE;
/// Rights that only mean something on a directory: the `path_*` calls and
/// the listing. A file, socket or stdio fd never holds them, and the calls
/// that need them fail with `EBADF` on one (Wasmtime's errno; `path_open`
/// through a non-directory says `ENOTDIR`, as `openat(2)` does).
pub(crate) const RIGHTS_DIRECTORY_ONLY: u64 = RIGHT_PATH_CREATE_DIRECTORY
    | RIGHT_PATH_CREATE_FILE
    | RIGHT_PATH_LINK_SOURCE
    | RIGHT_PATH_LINK_TARGET
    | RIGHT_PATH_OPEN
    | RIGHT_FD_READDIR
    | RIGHT_PATH_READLINK
    | RIGHT_PATH_RENAME_SOURCE
    | RIGHT_PATH_RENAME_TARGET
    | RIGHT_PATH_FILESTAT_GET
    | RIGHT_PATH_FILESTAT_SET_SIZE
    | RIGHT_PATH_FILESTAT_SET_TIMES
    | RIGHT_PATH_SYMLINK
    | RIGHT_PATH_REMOVE_DIRECTORY
    | RIGHT_PATH_UNLINK_FILE;
/// The most a directory fd opened with `path_open` may hold.
pub(crate) const RIGHTS_DIRECTORY: u64 =
    RIGHTS_ALL & !(RIGHTS_FILE_ONLY | RIGHT_SOCK_SHUTDOWN | RIGHT_SOCK_ACCEPT);
/// Rights that need the host file opened for writing.
pub(crate) const RIGHTS_WRITE: u64 =
    RIGHT_FD_WRITE | RIGHT_FD_ALLOCATE | RIGHT_FD_FILESTAT_SET_SIZE | RIGHT_FD_DATASYNC;
/// Rights of a socket.
pub(crate) const RIGHTS_SOCKET: u64 = RIGHT_FD_READ
    | RIGHT_FD_WRITE
    | RIGHT_FD_FDSTAT_SET_FLAGS
    | RIGHT_FD_FILESTAT_GET
    | RIGHT_POLL_FD_READWRITE
    | RIGHT_SOCK_SHUTDOWN
    | RIGHT_SOCK_ACCEPT;
