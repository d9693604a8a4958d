//! `kv_issuer_iter`: the pager over the certificate issuers.

use crate::certificates::Issuer;
use crate::ffi::calls::next_item;
use crate::ffi::error::kv_error;
use crate::ffi::issuer::kv_issuer;
use crate::ffi::status::kv_status;
use crate::listing::List;

/// Iterates certificate issuers.
pub struct kv_issuer_iter(List<Issuer>);

impl From<List<Issuer>> for kv_issuer_iter {
    fn from(list: List<Issuer>) -> kv_issuer_iter {
        kv_issuer_iter(list)
    }
}

impl AsMut<List<Issuer>> for kv_issuer_iter {
    fn as_mut(&mut self) -> &mut List<Issuer> {
        &mut self.0
    }
}

/// Next issuer of a list, or NULL at the end.
#[no_mangle]
pub extern "C" fn kv_issuer_iter_next(
    it: *mut kv_issuer_iter,
    item_out: *mut *mut kv_issuer,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { next_item(it, item_out) })
}

/// Frees an issuers iterator. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_issuer_iter_free(it: *mut kv_issuer_iter) {
    ffi_free!(it)
}
