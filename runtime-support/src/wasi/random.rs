//! `random_get`: the host's CSPRNG (`getrandom(2)`, falling back to
//! `/dev/urandom`).

use super::errno::Errno;
use super::{HostDef, I, arg32, def};

pub(crate) const FUNCS: &[HostDef] = &[def("random_get", &[I, I], |cx, a| {
    let buf = cx.mem.slice_mut(arg32(a, 0), arg32(a, 1))?;
    fill(buf)?;
    Ok(())
})];

/// Fills `buf` with random bytes.
pub(crate) fn fill(buf: &mut [u8]) -> Result<(), Errno> {
    let mut done = 0;
    while done < buf.len() {
        let rest = &mut buf[done..];
        // SAFETY: `rest` is writable for its length.
        let n = unsafe { libc::getrandom(rest.as_mut_ptr().cast(), rest.len(), 0) };
        if n < 0 {
            let e = Errno::last();
            if e == Errno::INTR {
                continue;
            }
            return fill_from_urandom(rest);
        }
        done += n as usize;
    }
    Ok(())
}

fn fill_from_urandom(buf: &mut [u8]) -> Result<(), Errno> {
    use std::io::Read;
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(buf))
        .map_err(|e| Errno::from_host(e.raw_os_error().unwrap_or(libc::EIO)))
}
