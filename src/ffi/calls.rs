//! Export bodies shared by the secrets, keys and certificates exports: "get by name (and
//! version) into a handle", "wait for a name", "start a list", "next item of a list". Each
//! converts the C arguments, makes the one core call it is given and writes the output.

use crate::client::Client;
use crate::error::Result;
use crate::ffi::boundary::{handle, handle_mut, into_handle, optional_string, out_slot, string, write_optional};
use crate::ffi::client::kv_client;
use crate::listing::List;
use std::ffi::c_char;
use std::time::Duration;

/// The client argument.
pub(crate) fn client<'a>(c: *const kv_client) -> Result<&'a Client> {
    handle(c, "client").map(|c| &c.inner)
}

/// `call(client, name)` into the required output `out`.
pub(crate) fn get_named<T, H: From<T>>(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut H,
    call: impl FnOnce(&Client, &str) -> Result<T>,
) -> Result<()> {
    let out = out_slot(out, "out")?;
    let client = client(c)?;
    *out = into_handle(H::from(call(client, string(name, "name")?)?));
    Ok(())
}

/// `call(client, name, version)` (version NULL = "" = latest) into the required output `out`.
pub(crate) fn get_versioned<T, H: From<T>>(
    c: *const kv_client,
    name: *const c_char,
    version: *const c_char,
    out: *mut *mut H,
    call: impl FnOnce(&Client, &str, &str) -> Result<T>,
) -> Result<()> {
    let out = out_slot(out, "out")?;
    let client = client(c)?;
    let name = string(name, "name")?;
    let version = optional_string(version, "version")?.unwrap_or("");
    *out = into_handle(H::from(call(client, name, version)?));
    Ok(())
}

/// `call(client, name)` into the optional output `out` (NULL = the result is dropped).
pub(crate) fn act_named<T, H: From<T>>(
    c: *const kv_client,
    name: *const c_char,
    out: *mut *mut H,
    call: impl FnOnce(&Client, &str) -> Result<T>,
) -> Result<()> {
    let client = client(c)?;
    let value = call(client, string(name, "name")?)?;
    write_optional(out, value);
    Ok(())
}

/// `call(client, name, timeout)`: the waits for deletion and recovery.
pub(crate) fn wait_named(
    c: *const kv_client,
    name: *const c_char,
    timeout_ms: u32,
    call: impl FnOnce(&Client, &str, Duration) -> Result<()>,
) -> Result<()> {
    call(client(c)?, string(name, "name")?, Duration::from_millis(timeout_ms.into()))
}

/// Starts a list into the required output `out`.
pub(crate) fn start_list<T, I: From<List<T>>>(
    c: *const kv_client,
    out: *mut *mut I,
    call: impl FnOnce(&Client) -> Result<List<T>>,
) -> Result<()> {
    let out = out_slot(out, "out")?;
    *out = into_handle(I::from(call(client(c)?)?));
    Ok(())
}

/// The next item of a list into `item_out` (NULL at the end).
pub(crate) fn next_item<T: 'static, I: AsMut<List<T>>, H: From<T>>(it: *mut I, item_out: *mut *mut H) -> Result<()> {
    let out = out_slot(item_out, "item_out")?;
    let it = handle_mut(it, "iterator")?;
    *out = it.as_mut().next_item()?.map(|item| into_handle(H::from(item))).unwrap_or(std::ptr::null_mut());
    Ok(())
}
