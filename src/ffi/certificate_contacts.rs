//! `kv_certificate_contacts`: the vault's certificate contacts, and the calls that set, get and
//! delete them.

use crate::certificates::Contact;
use crate::ffi::boundary::view;
use crate::ffi::boundary::{handle, handle_mut, into_handle, optional_string, out_slot, with, write_optional};
use crate::ffi::calls::client;
use crate::ffi::client::kv_client;
use crate::ffi::error::kv_error;
use crate::ffi::status::kv_status;
use crate::ffi::text::kv_str;
use std::ffi::c_char;

/// Certificate contacts: build a list with `kv_certificate_contacts_new` and
/// `kv_certificate_contacts_add`, or read what the vault returned.
#[derive(Default)]
pub struct kv_certificate_contacts(Vec<Contact>);

impl From<Vec<Contact>> for kv_certificate_contacts {
    fn from(contacts: Vec<Contact>) -> kv_certificate_contacts {
        kv_certificate_contacts(contacts)
    }
}

/// New, empty contacts list (for `kv_client_set_certificate_contacts`).
#[no_mangle]
pub extern "C" fn kv_certificate_contacts_new() -> *mut kv_certificate_contacts {
    ffi_value!(std::ptr::null_mut(), { into_handle(kv_certificate_contacts::default()) })
}

/// Adds a contact; any of `email`, `name`, `phone` may be NULL, not all.
#[no_mangle]
pub extern "C" fn kv_certificate_contacts_add(
    l: *mut kv_certificate_contacts,
    email: *const c_char,
    name: *const c_char,
    phone: *const c_char,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let l = handle_mut(l, "contacts")?;
        let email = optional_string(email, "email")?;
        let name = optional_string(name, "name")?;
        let phone = optional_string(phone, "phone")?;
        l.0.push(Contact::new(email, name, phone)?);
        Ok(())
    })
}

/// Number of contacts.
#[no_mangle]
pub extern "C" fn kv_certificate_contacts_count(l: *const kv_certificate_contacts) -> usize {
    ffi_value!(0, { with(l, 0, |l| l.0.len()) })
}

/// E-mail of contact `index` ("" when none or out of range).
#[no_mangle]
pub extern "C" fn kv_certificate_contacts_email(l: *const kv_certificate_contacts, index: usize) -> kv_str {
    ffi_value!(kv_str::empty(), { view(l, |l| l.0.get(index)?.email.as_ref()) })
}

/// Name of contact `index`.
#[no_mangle]
pub extern "C" fn kv_certificate_contacts_name(l: *const kv_certificate_contacts, index: usize) -> kv_str {
    ffi_value!(kv_str::empty(), { view(l, |l| l.0.get(index)?.name.as_ref()) })
}

/// Phone of contact `index`.
#[no_mangle]
pub extern "C" fn kv_certificate_contacts_phone(l: *const kv_certificate_contacts, index: usize) -> kv_str {
    ffi_value!(kv_str::empty(), { view(l, |l| l.0.get(index)?.phone.as_ref()) })
}

/// Frees a contacts list. NULL is accepted.
#[no_mangle]
pub extern "C" fn kv_certificate_contacts_free(l: *mut kv_certificate_contacts) {
    ffi_free!(l)
}

/// Sets (replaces) the vault's certificate contacts. `out` may be NULL.
#[no_mangle]
pub extern "C" fn kv_client_set_certificate_contacts(
    c: *const kv_client,
    contacts: *const kv_certificate_contacts,
    out: *mut *mut kv_certificate_contacts,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        write_optional(out, client(c)?.set_certificate_contacts(&handle(contacts, "contacts")?.0)?);
        Ok(())
    })
}

/// Gets the vault's certificate contacts.
#[no_mangle]
pub extern "C" fn kv_client_get_certificate_contacts(
    c: *const kv_client,
    out: *mut *mut kv_certificate_contacts,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        let out = out_slot(out, "out")?;
        *out = into_handle(kv_certificate_contacts(client(c)?.get_certificate_contacts()?));
        Ok(())
    })
}

/// Deletes the vault's certificate contacts. `out` may be NULL; it receives the deleted ones.
#[no_mangle]
pub extern "C" fn kv_client_delete_certificate_contacts(
    c: *const kv_client,
    out: *mut *mut kv_certificate_contacts,
    err_out: *mut *mut kv_error,
) -> kv_status {
    ffi_status!(err_out, {
        write_optional(out, client(c)?.delete_certificate_contacts()?);
        Ok(())
    })
}
