//! Memory handed to C: copies the application frees with `free()` (or with the library's own
//! free functions, which call it), so they must come from `malloc`.

use std::ffi::c_char;
use std::ptr;

/// A `malloc` copy of `bytes` followed by one NUL byte, so that strings are C strings and binary
/// data is safe to print; NULL when out of memory.
pub(crate) fn malloc_with_nul(bytes: &[u8]) -> *mut c_char {
    let Some(size) = bytes.len().checked_add(1) else {
        return ptr::null_mut();
    };
    // SAFETY: malloc may be called with any size; the result is checked for NULL.
    let copy = unsafe { libc::malloc(size) }.cast::<u8>();
    if !copy.is_null() {
        // SAFETY: `copy` has room for `size` bytes and cannot overlap `bytes`.
        unsafe {
            ptr::copy_nonoverlapping(bytes.as_ptr(), copy, bytes.len());
            copy.add(bytes.len()).write(0);
        }
    }
    copy.cast()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_is_nul_terminated() {
        let copy = malloc_with_nul(b"abc");
        assert!(!copy.is_null());
        // SAFETY: a fresh allocation of 4 bytes, freed once.
        unsafe {
            assert_eq!(std::ffi::CStr::from_ptr(copy).to_bytes(), b"abc");
            libc::free(copy.cast());
        }
    }
}
