//! WASI error numbers and the mapping from host `errno` values.
//!
//! Preview1 numbers its errors in alphabetical order, unlike any host, so
//! every host error goes through [`Errno::from_host`]; an unknown host
//! error becomes `EIO` rather than a wrong specific one.

/// A `wasi_snapshot_preview1` errno (the `u16` a WASI function returns).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Errno(pub u16);

#[allow(
    dead_code,
    reason = "the full preview1 table, for reference and mapping"
)]
impl Errno {
    pub const SUCCESS: Errno = Errno(0);
    pub const TOOBIG: Errno = Errno(1);
    pub const ACCES: Errno = Errno(2);
    pub const ADDRINUSE: Errno = Errno(3);
    pub const ADDRNOTAVAIL: Errno = Errno(4);
    pub const AFNOSUPPORT: Errno = Errno(5);
    pub const AGAIN: Errno = Errno(6);
    pub const ALREADY: Errno = Errno(7);
    pub const BADF: Errno = Errno(8);
    pub const BADMSG: Errno = Errno(9);
    pub const BUSY: Errno = Errno(10);
    pub const CANCELED: Errno = Errno(11);
    pub const CHILD: Errno = Errno(12);
    pub const CONNABORTED: Errno = Errno(13);
    pub const CONNREFUSED: Errno = Errno(14);
    pub const CONNRESET: Errno = Errno(15);
    pub const DEADLK: Errno = Errno(16);
    pub const DESTADDRREQ: Errno = Errno(17);
    pub const DOM: Errno = Errno(18);
    pub const DQUOT: Errno = Errno(19);
    pub const EXIST: Errno = Errno(20);
    pub const FAULT: Errno = Errno(21);
    pub const FBIG: Errno = Errno(22);
    pub const HOSTUNREACH: Errno = Errno(23);
    pub const IDRM: Errno = Errno(24);
    pub const ILSEQ: Errno = Errno(25);
    pub const INPROGRESS: Errno = Errno(26);
    pub const INTR: Errno = Errno(27);
    pub const INVAL: Errno = Errno(28);
    pub const IO: Errno = Errno(29);
    pub const ISCONN: Errno = Errno(30);
    pub const ISDIR: Errno = Errno(31);
    pub const LOOP: Errno = Errno(32);
    pub const MFILE: Errno = Errno(33);
    pub const MLINK: Errno = Errno(34);
    pub const MSGSIZE: Errno = Errno(35);
    pub const MULTIHOP: Errno = Errno(36);
    pub const NAMETOOLONG: Errno = Errno(37);
    pub const NETDOWN: Errno = Errno(38);
    pub const NETRESET: Errno = Errno(39);
    pub const NETUNREACH: Errno = Errno(40);
    pub const NFILE: Errno = Errno(41);
    pub const NOBUFS: Errno = Errno(42);
    pub const NODEV: Errno = Errno(43);
    pub const NOENT: Errno = Errno(44);
    pub const NOEXEC: Errno = Errno(45);
    pub const NOLCK: Errno = Errno(46);
    pub const NOLINK: Errno = Errno(47);
    pub const NOMEM: Errno = Errno(48);
    pub const NOMSG: Errno = Errno(49);
    pub const NOPROTOOPT: Errno = Errno(50);
    pub const NOSPC: Errno = Errno(51);
    pub const NOSYS: Errno = Errno(52);
    pub const NOTCONN: Errno = Errno(53);
    pub const NOTDIR: Errno = Errno(54);
    pub const NOTEMPTY: Errno = Errno(55);
    pub const NOTRECOVERABLE: Errno = Errno(56);
    pub const NOTSOCK: Errno = Errno(57);
    pub const NOTSUP: Errno = Errno(58);
    pub const NOTTY: Errno = Errno(59);
    pub const NXIO: Errno = Errno(60);
    pub const OVERFLOW: Errno = Errno(61);
    pub const OWNERDEAD: Errno = Errno(62);
    pub const PERM: Errno = Errno(63);
    pub const PIPE: Errno = Errno(64);
    pub const PROTO: Errno = Errno(65);
    pub const PROTONOSUPPORT: Errno = Errno(66);
    pub const PROTOTYPE: Errno = Errno(67);
    pub const RANGE: Errno = Errno(68);
    pub const ROFS: Errno = Errno(69);
    pub const SPIPE: Errno = Errno(70);
    pub const SRCH: Errno = Errno(71);
    pub const STALE: Errno = Errno(72);
    pub const TIMEDOUT: Errno = Errno(73);
    pub const TXTBSY: Errno = Errno(74);
    pub const XDEV: Errno = Errno(75);
    pub const NOTCAPABLE: Errno = Errno(76);

    /// The WASI errno for a host `errno` value.
    pub fn from_host(e: i32) -> Errno {
        match e {
            libc::E2BIG => Errno::TOOBIG,
            libc::EACCES => Errno::ACCES,
            libc::EADDRINUSE => Errno::ADDRINUSE,
            libc::EADDRNOTAVAIL => Errno::ADDRNOTAVAIL,
            libc::EAFNOSUPPORT => Errno::AFNOSUPPORT,
            libc::EAGAIN => Errno::AGAIN,
            libc::EALREADY => Errno::ALREADY,
            libc::EBADF => Errno::BADF,
            libc::EBADMSG => Errno::BADMSG,
            libc::EBUSY => Errno::BUSY,
            libc::ECANCELED => Errno::CANCELED,
            libc::ECHILD => Errno::CHILD,
            libc::ECONNABORTED => Errno::CONNABORTED,
            libc::ECONNREFUSED => Errno::CONNREFUSED,
            libc::ECONNRESET => Errno::CONNRESET,
            libc::EDEADLK => Errno::DEADLK,
            libc::EDESTADDRREQ => Errno::DESTADDRREQ,
            libc::EDOM => Errno::DOM,
            libc::EDQUOT => Errno::DQUOT,
            libc::EEXIST => Errno::EXIST,
            libc::EFAULT => Errno::FAULT,
            libc::EFBIG => Errno::FBIG,
            libc::EHOSTUNREACH => Errno::HOSTUNREACH,
            libc::EIDRM => Errno::IDRM,
            libc::EILSEQ => Errno::ILSEQ,
            libc::EINPROGRESS => Errno::INPROGRESS,
            libc::EINTR => Errno::INTR,
            libc::EINVAL => Errno::INVAL,
            libc::EISCONN => Errno::ISCONN,
            libc::EISDIR => Errno::ISDIR,
            libc::ELOOP => Errno::LOOP,
            libc::EMFILE => Errno::MFILE,
            libc::EMLINK => Errno::MLINK,
            libc::EMSGSIZE => Errno::MSGSIZE,
            libc::EMULTIHOP => Errno::MULTIHOP,
            libc::ENAMETOOLONG => Errno::NAMETOOLONG,
            libc::ENETDOWN => Errno::NETDOWN,
            libc::ENETRESET => Errno::NETRESET,
            libc::ENETUNREACH => Errno::NETUNREACH,
            libc::ENFILE => Errno::NFILE,
            libc::ENOBUFS => Errno::NOBUFS,
            libc::ENODEV => Errno::NODEV,
            libc::ENOENT => Errno::NOENT,
            libc::ENOEXEC => Errno::NOEXEC,
            libc::ENOLCK => Errno::NOLCK,
            libc::ENOLINK => Errno::NOLINK,
            libc::ENOMEM => Errno::NOMEM,
            libc::ENOMSG => Errno::NOMSG,
            libc::ENOPROTOOPT => Errno::NOPROTOOPT,
            libc::ENOSPC => Errno::NOSPC,
            libc::ENOSYS => Errno::NOSYS,
            libc::ENOTCONN => Errno::NOTCONN,
            libc::ENOTDIR => Errno::NOTDIR,
            libc::ENOTEMPTY => Errno::NOTEMPTY,
            libc::ENOTRECOVERABLE => Errno::NOTRECOVERABLE,
            libc::ENOTSOCK => Errno::NOTSOCK,
            libc::ENOTSUP => Errno::NOTSUP,
            libc::ENOTTY => Errno::NOTTY,
            libc::ENXIO => Errno::NXIO,
            libc::EOVERFLOW => Errno::OVERFLOW,
            libc::EOWNERDEAD => Errno::OWNERDEAD,
            libc::EPERM => Errno::PERM,
            libc::EPIPE => Errno::PIPE,
            libc::EPROTO => Errno::PROTO,
            libc::EPROTONOSUPPORT => Errno::PROTONOSUPPORT,
            libc::EPROTOTYPE => Errno::PROTOTYPE,
            libc::ERANGE => Errno::RANGE,
            libc::EROFS => Errno::ROFS,
            libc::ESPIPE => Errno::SPIPE,
            libc::ESRCH => Errno::SRCH,
            libc::ESTALE => Errno::STALE,
            libc::ETIMEDOUT => Errno::TIMEDOUT,
            libc::ETXTBSY => Errno::TXTBSY,
            libc::EXDEV => Errno::XDEV,
            _ => Errno::IO,
        }
    }

    /// The WASI errno for the calling thread's current host `errno`.
    pub fn last() -> Errno {
        Errno::from_host(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
    }
}

/// Turns a `-1`-on-error libc return value into a `Result`.
pub(crate) fn check<T: Copy + PartialEq + From<i8>>(ret: T) -> Result<T, Errno> {
    if ret == T::from(-1) {
        Err(Errno::last())
    } else {
        Ok(ret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_common_host_errors() {
        assert_eq!(Errno::from_host(libc::ENOENT), Errno::NOENT);
        assert_eq!(Errno::from_host(libc::EBADF), Errno::BADF);
        assert_eq!(Errno::from_host(libc::ENOTEMPTY), Errno::NOTEMPTY);
        assert_eq!(Errno::from_host(libc::EXDEV), Errno::XDEV);
        assert_eq!(Errno::from_host(123_456), Errno::IO);
    }
}
