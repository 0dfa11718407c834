//! Bounds-checked access to the calling instance's linear memory.
//!
//! Every pointer a guest passes is untrusted: each access checks
//! `ptr + len <= memory size` (in 64-bit arithmetic, so it cannot wrap) and
//! a bad pointer becomes `EFAULT`, never a host fault.

use super::errno::Errno;

/// The guest's memory 0 for the duration of one WASI call.
pub(crate) struct GuestMemory<'a> {
    bytes: &'a mut [u8],
}

/// The largest number of iovecs passed to the host in one call (`IOV_MAX`);
/// more are ignored, which is a short read or write.
const IOV_MAX: u32 = 1024;

impl<'a> GuestMemory<'a> {
    pub(crate) fn new(bytes: &'a mut [u8]) -> GuestMemory<'a> {
        GuestMemory { bytes }
    }

    fn range(&self, ptr: u32, len: u32) -> Result<std::ops::Range<usize>, Errno> {
        let end = u64::from(ptr) + u64::from(len);
        if end > self.bytes.len() as u64 {
            return Err(Errno::FAULT);
        }
        Ok(ptr as usize..end as usize)
    }

    pub(crate) fn slice(&self, ptr: u32, len: u32) -> Result<&[u8], Errno> {
        let r = self.range(ptr, len)?;
        Ok(&self.bytes[r])
    }

    pub(crate) fn slice_mut(&mut self, ptr: u32, len: u32) -> Result<&mut [u8], Errno> {
        let r = self.range(ptr, len)?;
        Ok(&mut self.bytes[r])
    }

    pub(crate) fn write(&mut self, ptr: u32, data: &[u8]) -> Result<(), Errno> {
        let len = u32::try_from(data.len()).map_err(|_| Errno::FAULT)?;
        self.slice_mut(ptr, len)?.copy_from_slice(data);
        Ok(())
    }

    pub(crate) fn read_u16(&self, ptr: u32) -> Result<u16, Errno> {
        let s = self.slice(ptr, 2)?;
        Ok(u16::from_le_bytes([s[0], s[1]]))
    }

    pub(crate) fn read_u32(&self, ptr: u32) -> Result<u32, Errno> {
        let s = self.slice(ptr, 4)?;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }

    pub(crate) fn read_u64(&self, ptr: u32) -> Result<u64, Errno> {
        let mut b = [0; 8];
        b.copy_from_slice(self.slice(ptr, 8)?);
        Ok(u64::from_le_bytes(b))
    }

    pub(crate) fn read_u8(&self, ptr: u32) -> Result<u8, Errno> {
        Ok(self.slice(ptr, 1)?[0])
    }

    pub(crate) fn write_u8(&mut self, ptr: u32, v: u8) -> Result<(), Errno> {
        self.write(ptr, &[v])
    }

    pub(crate) fn write_u16(&mut self, ptr: u32, v: u16) -> Result<(), Errno> {
        self.write(ptr, &v.to_le_bytes())
    }

    pub(crate) fn write_u32(&mut self, ptr: u32, v: u32) -> Result<(), Errno> {
        self.write(ptr, &v.to_le_bytes())
    }

    pub(crate) fn write_u64(&mut self, ptr: u32, v: u64) -> Result<(), Errno> {
        self.write(ptr, &v.to_le_bytes())
    }

    /// The iovec array at `ptr` (`count` entries of `{buf u32, len u32}`)
    /// as host iovecs pointing into this memory, each bounds-checked.
    ///
    /// The pointers stay valid while `self` is borrowed; the kernel may
    /// read or write through them (overlapping guest buffers are the
    /// guest's business, as with native `readv`).
    pub(crate) fn iovecs(&mut self, ptr: u32, count: u32) -> Result<Vec<libc::iovec>, Errno> {
        self.range(ptr, count.checked_mul(8).ok_or(Errno::FAULT)?)?;
        let base = self.bytes.as_mut_ptr();
        let mut out = Vec::with_capacity(count.min(IOV_MAX) as usize);
        for i in 0..count.min(IOV_MAX) {
            let buf = self.read_u32(ptr + 8 * i)?;
            let len = self.read_u32(ptr + 8 * i + 4)?;
            let r = self.range(buf, len)?;
            out.push(libc::iovec {
                // SAFETY: `r` was checked to lie inside `self.bytes`.
                iov_base: unsafe { base.add(r.start) }.cast(),
                iov_len: r.len(),
            });
        }
        Ok(out)
    }

    /// A guest string (`ptr`, `len`) as bytes; paths are checked for NUL
    /// bytes by their users.
    pub(crate) fn bytes(&self, ptr: u32, len: u32) -> Result<Vec<u8>, Errno> {
        Ok(self.slice(ptr, len)?.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_bounds_is_efault() {
        let mut buf = vec![0u8; 16];
        let mut m = GuestMemory::new(&mut buf);
        assert_eq!(m.read_u32(12), Ok(0));
        assert_eq!(m.read_u32(13), Err(Errno::FAULT));
        assert_eq!(m.write_u64(u32::MAX, 1), Err(Errno::FAULT));
        assert_eq!(m.slice(u32::MAX, u32::MAX).err(), Some(Errno::FAULT));
        m.write_u32(0, 8).unwrap();
        m.write_u32(4, 100).unwrap();
        assert_eq!(m.iovecs(0, 1).err(), Some(Errno::FAULT));
        assert_eq!(m.iovecs(0, u32::MAX).err(), Some(Errno::FAULT));
    }
}
