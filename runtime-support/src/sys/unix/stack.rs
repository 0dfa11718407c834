//! The calling thread's stack bounds, for the wasm stack limit.

/// The lowest usable address of the calling thread's stack (above its
/// guard page), if the platform can tell.
#[cfg(target_os = "linux")]
pub(crate) fn thread_stack_low() -> Option<usize> {
    if let Some(low) = main_thread_stack_low() {
        return Some(low);
    }
    // SAFETY: pthread_getattr_np fills `attr` for the calling thread, which
    // we destroy after reading the stack bounds.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return None;
        }
        let mut addr: *mut std::ffi::c_void = std::ptr::null_mut();
        let mut size: libc::size_t = 0;
        let r = libc::pthread_attr_getstack(&attr, &mut addr, &mut size);
        libc::pthread_attr_destroy(&mut attr);
        if r != 0 {
            return None;
        }
        // The lowest page or so is the guard on most systems.
        Some(addr as usize + crate::sys::mmap::page_size())
    }
}

/// The main thread's stack bottom without `pthread_getattr_np`, which
/// reads and parses `/proc/self/maps` for the main thread (a fifth of an
/// executable's start-up). The kernel puts the executable's file name
/// (`AT_EXECFN`) at the very top of the initial stack, so the stack's end
/// is the page after it, and the stack may grow down to that end minus
/// `RLIMIT_STACK`.
#[cfg(target_os = "linux")]
fn main_thread_stack_low() -> Option<usize> {
    // SAFETY: these calls have no preconditions.
    let is_main = unsafe { libc::gettid() == libc::getpid() };
    if !is_main {
        return None;
    }
    // SAFETY: getauxval has no preconditions; AT_EXECFN, when present,
    // points to a NUL-terminated string at the top of the initial stack.
    let execfn = unsafe { libc::getauxval(libc::AT_EXECFN) } as usize;
    if execfn == 0 {
        return None;
    }
    // SAFETY: as above, the string is NUL-terminated.
    let len = unsafe { libc::strlen(execfn as *const libc::c_char) };
    let page = crate::sys::mmap::page_size();
    let top = (execfn + len + 1).next_multiple_of(page);
    let mut limit: libc::rlimit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid out-pointer.
    if unsafe { libc::getrlimit(libc::RLIMIT_STACK, &mut limit) } != 0
        || limit.rlim_cur == libc::RLIM_INFINITY
    {
        return None;
    }
    let size = usize::try_from(limit.rlim_cur).ok()?;
    // The lowest page is treated as a guard, as for other threads.
    Some(top.checked_sub(size)? + page)
}

/// The lowest usable address of the calling thread's stack (above its
/// guard page).
#[cfg(not(target_os = "linux"))]
pub(crate) fn thread_stack_low() -> Option<usize> {
    // SAFETY: these calls only query the current thread.
    unsafe {
        let t = libc::pthread_self();
        let top = libc::pthread_get_stackaddr_np(t) as usize;
        let size = libc::pthread_get_stacksize_np(t);
        Some(top - size + crate::sys::mmap::page_size())
    }
}
