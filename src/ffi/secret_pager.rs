//! `kv_secret_iter`: the pager over a secrets list.

use crate::ffi::calls::next_item;
use crate::ffi::error::kv_error;
use crate::ffi::secret::kv_secret;
use crate::ffi::status::kv_status;
use crate::listing::List;
use crate::secrets::Secret;

/// Iterates a secrets list, fetching further pages on demand. Use from one thread at a time.
/// Stays valid after the client that made it is freed.
pub struct kv_secret_iter(List<Secret>);

impl From<List<Secret>> for kv_secret_iter {
    fn from(list: List<Secret>) -> kv_secret_iter {
        kv_secret_iter(list)
    }
}

impl AsMut<List<Secret>> for kv_secret_iter {
    fn as_mut(&mut self) -> &mut List<Secret> {
        &mut self.0
    }
}

/// Next item of a list: `*item_out` receives a secret to free with `kv_secret_free`, or NULL at
/// the end of the list. Fetches the next page when needed; after an error the same page is tried
/// again on the next call.
#[no_mangle]
pub extern "C" fn kv_secret_iter_next(
    it: *mut kv_secret_iter,
    item_out: *mut *mut kv_secret,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { next_item(it, item_out) })
}

/// Frees an iterator. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_secret_iter_free(it: *mut kv_secret_iter) {
    ffi_free!(it)
}
