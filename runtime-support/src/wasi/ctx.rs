//! [`WasiCtx`]: what one WASI program sees — its arguments, environment,
//! stdio, preopened directories and sockets — and its builder.

use super::abi;
use super::fd::{filetype_of, fstat};
use super::table::{Descriptor, FdTable, HostFd};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// The state of one WASI program. Build it with [`WasiCtx::builder`] and
/// hand it to [`add_to_linker`](super::add_to_linker).
pub struct WasiCtx {
    pub(crate) args: Vec<Vec<u8>>,
    pub(crate) env: Vec<Vec<u8>>,
    pub(crate) table: FdTable,
}

impl WasiCtx {
    pub fn builder() -> WasiCtxBuilder {
        WasiCtxBuilder::default()
    }
}

impl std::fmt::Debug for WasiCtx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasiCtx")
            .field("args", &self.args.len())
            .field("env", &self.env.len())
            .finish()
    }
}

/// Why [`WasiCtxBuilder::build`] failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// `/dev/null` (for a stdio fd that goes nowhere) could not be opened.
    DevNull(std::io::Error),
    /// The host directory `host` could not be opened for a preopen.
    Preopen {
        host: PathBuf,
        error: std::io::Error,
    },
    /// The guest's fd table has no room for another descriptor.
    FdTableFull,
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::DevNull(e) => write!(f, "/dev/null: {e}"),
            BuildError::Preopen { host, error } => {
                write!(f, "{}: cannot preopen directory: {error}", host.display())
            }
            BuildError::FdTableFull => f.write_str("fd table full"),
        }
    }
}

impl std::error::Error for BuildError {}

/// Where one of the guest's stdio fds goes.
#[derive(Default)]
enum Stdio {
    /// `/dev/null`: reads see end of file, writes vanish.
    #[default]
    Null,
    /// The process's own fd of the same number.
    Inherit,
    /// A host descriptor the context takes over.
    Fd(OwnedFd),
}

/// Builds a [`WasiCtx`]. Nothing is visible to the guest unless given
/// here: no arguments, no environment, stdio on `/dev/null`, no
/// directories.
#[derive(Default)]
pub struct WasiCtxBuilder {
    args: Vec<Vec<u8>>,
    env: Vec<Vec<u8>>,
    stdio: [Stdio; 3],
    preopens: Vec<(PathBuf, String)>,
    sockets: Vec<OwnedFd>,
}

impl WasiCtxBuilder {
    /// Appends one argument (the first is the program name, `argv[0]`).
    pub fn arg(mut self, arg: impl AsRef<[u8]>) -> Self {
        self.args.push(arg.as_ref().to_vec());
        self
    }

    /// Appends arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_vec()));
        self
    }

    /// Sets `key=value` in the guest's environment (replacing an earlier
    /// value of `key`).
    pub fn env(mut self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Self {
        let key = key.as_ref();
        self.env
            .retain(|kv| !(kv.starts_with(key) && kv.get(key.len()) == Some(&b'=')));
        let mut kv = key.to_vec();
        kv.push(b'=');
        kv.extend_from_slice(value.as_ref());
        self.env.push(kv);
        self
    }

    /// Copies the host process's whole environment into the guest's.
    pub fn inherit_env(mut self) -> Self {
        let fresh = self.env.is_empty();
        for (k, v) in std::env::vars_os() {
            if fresh {
                // The process's keys are unique: no replacing needed.
                let mut kv = k.as_bytes().to_vec();
                kv.push(b'=');
                kv.extend_from_slice(v.as_bytes());
                self.env.push(kv);
            } else {
                self = self.env(k.as_bytes(), v.as_bytes());
            }
        }
        self
    }

    /// Gives the guest the process's own stdin, stdout and stderr. WASI
    /// writes go straight to the fd: no buffering in between.
    pub fn inherit_stdio(mut self) -> Self {
        self.stdio = [Stdio::Inherit, Stdio::Inherit, Stdio::Inherit];
        self
    }

    /// Uses `fd` as the guest's stdin.
    pub fn stdin(mut self, fd: OwnedFd) -> Self {
        self.stdio[0] = Stdio::Fd(fd);
        self
    }

    /// Uses `fd` as the guest's stdout.
    pub fn stdout(mut self, fd: OwnedFd) -> Self {
        self.stdio[1] = Stdio::Fd(fd);
        self
    }

    /// Uses `fd` as the guest's stderr.
    pub fn stderr(mut self, fd: OwnedFd) -> Self {
        self.stdio[2] = Stdio::Fd(fd);
        self
    }

    /// Lets the guest reach the host directory `host` under the name
    /// `guest` (`.` makes relative paths resolve there). Nothing outside
    /// `host` is reachable through it: not with `..`, absolute paths or
    /// symlinks.
    pub fn preopen_dir(mut self, host: impl AsRef<Path>, guest: impl Into<String>) -> Self {
        self.preopens
            .push((host.as_ref().to_path_buf(), guest.into()));
        self
    }

    /// Gives the guest a listening (or connected) socket, for `sock_accept`,
    /// `sock_recv`, `sock_send` and `sock_shutdown`.
    pub fn preopen_socket(mut self, socket: impl Into<OwnedFd>) -> Self {
        self.sockets.push(socket.into());
        self
    }

    /// Opens the preopened directories and makes the context. The error
    /// names the directory and why it could not be opened.
    pub fn build(self) -> Result<WasiCtx, BuildError> {
        let mut table = FdTable::default();
        let stdio_rights = abi::RIGHTS_ALL
            & !(abi::RIGHT_SOCK_ACCEPT | abi::RIGHT_SOCK_SHUTDOWN | abi::RIGHTS_DIRECTORY_ONLY);
        for (n, stdio) in self.stdio.into_iter().enumerate() {
            let fd = match stdio {
                Stdio::Inherit => HostFd::Borrowed(n as i32),
                Stdio::Fd(fd) => HostFd::Owned(fd),
                Stdio::Null => HostFd::Owned(
                    open_host(Path::new("/dev/null"), libc::O_RDWR).map_err(BuildError::DevNull)?,
                ),
            };
            // wasi-libc's isatty() is "a character device without seek/tell
            // rights"; give a terminal exactly that, so a program line-buffers
            // its output on a terminal as it would natively.
            // SAFETY: isatty has no memory-safety preconditions.
            let rights = if unsafe { libc::isatty(fd.raw()) } == 1 {
                stdio_rights & !(abi::RIGHT_FD_SEEK | abi::RIGHT_FD_TELL)
            } else {
                stdio_rights
            };
            let filetype = filetype_of_host(fd.raw());
            table
                .insert(Descriptor::new(fd, filetype, rights, 0))
                .map_err(|_| BuildError::FdTableFull)?;
        }
        for (host, guest) in self.preopens {
            let fd = match open_host(&host, libc::O_RDONLY | libc::O_DIRECTORY) {
                Ok(fd) => fd,
                Err(error) => return Err(BuildError::Preopen { host, error }),
            };
            let mut d = Descriptor::new(
                HostFd::Owned(fd),
                abi::FILETYPE_DIRECTORY,
                abi::RIGHTS_PREOPEN_BASE,
                abi::RIGHTS_PREOPEN_INHERITING,
            );
            d.preopen = Some(guest.into_bytes());
            table.insert(d).map_err(|_| BuildError::FdTableFull)?;
        }
        for socket in self.sockets {
            let filetype = filetype_of_host(socket.as_raw_fd());
            table
                .insert(Descriptor::new(
                    HostFd::Owned(socket),
                    filetype,
                    abi::RIGHTS_SOCKET,
                    abi::RIGHTS_SOCKET,
                ))
                .map_err(|_| BuildError::FdTableFull)?;
        }
        Ok(WasiCtx {
            args: self.args,
            env: self.env,
            table,
        })
    }
}

/// The WASI filetype of a host fd the embedder hands over (a closed one is
/// `UNKNOWN`: calls on it fail with the host's `EBADF` later).
fn filetype_of_host(fd: RawFd) -> u8 {
    fstat(fd).map_or(abi::FILETYPE_UNKNOWN, |st| filetype_of(fd, &st))
}

/// Opens a host path (close-on-exec), for preopens and stdio.
fn open_host(path: &Path, flags: i32) -> std::io::Result<OwnedFd> {
    let c = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|_| std::io::Error::from_raw_os_error(libc::EINVAL))?;
    // SAFETY: `c` is a NUL-terminated path.
    let fd = unsafe { libc::open(c.as_ptr(), flags | libc::O_CLOEXEC) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` was just opened and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Splits `HOST[::GUEST]` (wasmtime's `--dir` syntax); the guest name
/// defaults to the host path as written.
pub fn parse_dir_spec(spec: &str) -> (PathBuf, String) {
    match spec.split_once("::") {
        Some((host, guest)) => (PathBuf::from(host), guest.to_string()),
        None => (PathBuf::from(spec), spec.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `smelt run` and built programs print these: keep them fixed.
    #[test]
    fn build_error_messages() {
        let e = BuildError::Preopen {
            host: "/data".into(),
            error: std::io::Error::from_raw_os_error(libc::ENOENT),
        };
        assert_eq!(
            e.to_string(),
            format!(
                "/data: cannot preopen directory: {}",
                std::io::Error::from_raw_os_error(libc::ENOENT)
            )
        );
        assert_eq!(BuildError::FdTableFull.to_string(), "fd table full");
    }
}
