//! `kv_key_iter`: the pager over a keys list.

use crate::ffi::calls::next_item;
use crate::ffi::error::kv_error;
use crate::ffi::key::kv_key;
use crate::ffi::status::kv_status;
use crate::keys::Key;
use crate::listing::List;

/// Iterates a keys list, fetching further pages on demand. Use from one thread at a time.
/// Stays valid after the client that made it is freed.
pub struct kv_key_iter(List<Key>);

impl From<List<Key>> for kv_key_iter {
    fn from(list: List<Key>) -> kv_key_iter {
        kv_key_iter(list)
    }
}

impl AsMut<List<Key>> for kv_key_iter {
    fn as_mut(&mut self) -> &mut List<Key> {
        &mut self.0
    }
}

/// Next item of a list: `*item_out` receives a key to free with `kv_key_free`, or NULL at the
/// end of the list. Fetches the next page when needed; after an error the same page is tried
/// again on the next call.
#[no_mangle]
pub extern "C" fn kv_key_iter_next(
    it: *mut kv_key_iter,
    item_out: *mut *mut kv_key,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, { next_item(it, item_out) })
}

/// Frees an iterator. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_key_iter_free(it: *mut kv_key_iter) {
    ffi_free!(it)
}
