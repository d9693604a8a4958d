//! `kv_certificate_iter`: the pager over a certificates list.

use crate::certificates::Certificate;
use crate::ffi::calls::next_item;
use crate::ffi::certificate::kv_certificate;
use crate::ffi::error::kv_error;
use crate::ffi::status::kv_status;
use crate::listing::List;

/// Iterates a certificates list (items carry id, name, version for versions lists, attributes
/// and tags, no certificate). Use from one thread at a time.
pub struct kv_certificate_iter(List<Certificate>);

impl From<List<Certificate>> for kv_certificate_iter {
    fn from(list: List<Certificate>) -> kv_certificate_iter {
        kv_certificate_iter(list)
    }
}

impl AsMut<List<Certificate>> for kv_certificate_iter {
    fn as_mut(&mut self) -> &mut List<Certificate> {
        &mut self.0
    }
}

/// Next item of a certificates list, or NULL at the end.
#[no_mangle]
pub extern "C" fn kv_certificate_iter_next(
    it: *mut kv_certificate_iter,
    item_out: *mut *mut kv_certificate,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { next_item(it, item_out) })
}

/// Frees a certificates iterator. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_certificate_iter_free(it: *mut kv_certificate_iter) {
    ffi_free!(it)
}
