//! `args_*` and `environ_*`: the program's arguments and environment, as
//! NUL-terminated strings plus a pointer array.

use super::{Cx, I, WasiResult, arg32, def};
use super::{HostDef, errno::Errno};

pub(crate) const FUNCS: &[HostDef] = &[
    def("args_get", &[I, I], |cx, a| {
        let list = cx.ctx.get().args.clone();
        put_list(cx, &list, arg32(a, 0), arg32(a, 1))
    }),
    def("args_sizes_get", &[I, I], |cx, a| {
        let list = cx.ctx.get().args.clone();
        put_sizes(cx, &list, arg32(a, 0), arg32(a, 1))
    }),
    def("environ_get", &[I, I], |cx, a| {
        let list = cx.ctx.get().env.clone();
        put_list(cx, &list, arg32(a, 0), arg32(a, 1))
    }),
    def("environ_sizes_get", &[I, I], |cx, a| {
        let list = cx.ctx.get().env.clone();
        put_sizes(cx, &list, arg32(a, 0), arg32(a, 1))
    }),
];

/// Writes the strings into `buf` (each NUL-terminated) and their addresses
/// into `ptrs`.
fn put_list(cx: &mut Cx<'_>, list: &[Vec<u8>], ptrs: u32, buf: u32) -> WasiResult {
    let mut at = buf;
    for (i, s) in list.iter().enumerate() {
        let i = u32::try_from(i).map_err(|_| Errno::OVERFLOW)?;
        cx.mem
            .write_u32(ptrs.checked_add(4 * i).ok_or(Errno::FAULT)?, at)?;
        cx.mem.write(at, s)?;
        let len = u32::try_from(s.len()).map_err(|_| Errno::OVERFLOW)?;
        let end = at.checked_add(len).ok_or(Errno::FAULT)?;
        cx.mem.write_u8(end, 0)?;
        at = end + 1;
    }
    Ok(())
}

fn put_sizes(cx: &mut Cx<'_>, list: &[Vec<u8>], count_ptr: u32, size_ptr: u32) -> WasiResult {
    let size: usize = list.iter().map(|s| s.len() + 1).sum();
    let count = u32::try_from(list.len()).map_err(|_| Errno::OVERFLOW)?;
    cx.mem.write_u32(count_ptr, count)?;
    cx.mem
        .write_u32(size_ptr, u32::try_from(size).map_err(|_| Errno::OVERFLOW)?)?;
    Ok(())
}
