//! kv.h's rule for borrowed views, for every handle a caller changes after reading it: a
//! `kv_str` stays valid until its handle is freed, also across later calls that change the
//! handle (rotation policies, certificate policies, contacts). And one representation per handle:
//! a secret handle holds its value once (counted in the live heap blocks, with a tracking
//! allocator in the manner of tests/zeroization.rs).

use kv::ffi::certificates::*;
use kv::ffi::error::*;
use kv::ffi::keys::*;
use kv::ffi::secrets::*;
use kv::ffi::status::KV_STATUS_OK;
use kv::ffi::text::kv_str;
use std::alloc::{GlobalAlloc, Layout, System};
use std::ffi::CString;
use std::ptr::{null, null_mut};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

// --- a tracking allocator: the live blocks allocated while armed ----------------------------------

const SLOTS: usize = 1 << 16;
struct Tracking;
static ARMED: AtomicBool = AtomicBool::new(false);
#[allow(clippy::declare_interior_mutable_const)]
const EMPTY: AtomicUsize = AtomicUsize::new(0);
static PTRS: [AtomicUsize; SLOTS] = [EMPTY; SLOTS];
static SIZES: [AtomicUsize; SLOTS] = [EMPTY; SLOTS];

unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() && ARMED.load(Ordering::Relaxed) {
            for (slot, size) in PTRS.iter().zip(SIZES.iter()) {
                if slot.compare_exchange(0, p as usize, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
                    size.store(layout.size(), Ordering::SeqCst);
                    break;
                }
            }
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        for (slot, size) in PTRS.iter().zip(SIZES.iter()) {
            if slot.load(Ordering::SeqCst) == ptr as usize {
                size.store(0, Ordering::SeqCst);
                slot.store(0, Ordering::SeqCst);
                break;
            }
        }
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = self.alloc(Layout::from_size_align_unchecked(new_size, layout.align()));
        if !new.is_null() {
            std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        new
    }
}

#[global_allocator]
static GLOBAL: Tracking = Tracking;

/// Occurrences of `marker` in the blocks allocated while armed that are still alive.
fn live_occurrences(marker: &[u8]) -> usize {
    let mut n = 0;
    for (slot, size) in PTRS.iter().zip(SIZES.iter()) {
        let (p, len) = (slot.load(Ordering::SeqCst), size.load(Ordering::SeqCst));
        if p != 0 && len >= marker.len() {
            // SAFETY: a live block of `len` bytes (this test frees nothing while it scans).
            let block = unsafe { std::slice::from_raw_parts(p as *const u8, len) };
            n += block.windows(marker.len()).filter(|w| *w == marker).count();
        }
    }
    n
}

// --- helpers ------------------------------------------------------------------------------------

fn text(v: kv_str) -> String {
    // SAFETY: a view kv handed out, valid while its handle lives (what these tests check).
    let bytes = unsafe { std::slice::from_raw_parts(v.data.cast::<u8>(), v.len + 1) };
    assert_eq!(bytes[v.len], 0, "the view is NUL-terminated");
    String::from_utf8(bytes[..v.len].to_vec()).unwrap()
}

fn ok(status: u32, err: *mut kv_error) {
    if status != KV_STATUS_OK {
        let m = text(kv_error_message(err));
        kv_error_free(err);
        panic!("status {status}: {m}");
    }
}

fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

// --- views across changes -----------------------------------------------------------------------

#[test]
fn rotation_policy_views_survive_later_changes() {
    let p = kv_key_rotation_policy_new();
    let mut err = null_mut();
    ok(kv_key_rotation_policy_set_expiry_time(p, c("P2Y").as_ptr(), &mut err), err);
    ok(kv_key_rotation_policy_add_action(p, KV_KEY_ROTATION_ACTION_ROTATE, c("P90D").as_ptr(), null(), &mut err), err);
    let expiry = kv_key_rotation_policy_expiry_time(p);
    let after = kv_key_rotation_policy_action_time_after_create(p, 0);
    assert_eq!(text(expiry), "P2Y");
    // Many more actions (the action list grows and moves), then a new expiry time.
    for _ in 0..40 {
        let before = c("P30D");
        ok(kv_key_rotation_policy_add_action(p, KV_KEY_ROTATION_ACTION_NOTIFY, null(), before.as_ptr(), &mut err), err);
    }
    ok(kv_key_rotation_policy_set_expiry_time(p, c("P3Y").as_ptr(), &mut err), err);
    ok(kv_key_rotation_policy_set_expiry_time(p, null(), &mut err), err);
    assert_eq!(text(expiry), "P2Y", "a view of a replaced expiry time stays valid");
    assert_eq!(text(after), "P90D", "a view of an action stays valid while actions are added");
    assert_eq!(kv_key_rotation_policy_action_count(p), 41);
    assert_eq!(kv_key_rotation_policy_action_type(p, 0), KV_KEY_ROTATION_ACTION_ROTATE);
    assert_eq!(kv_key_rotation_policy_action_type(p, 40), KV_KEY_ROTATION_ACTION_NOTIFY);
    assert_eq!(text(kv_key_rotation_policy_expiry_time(p)), "", "the expiry time was removed");
    // A refused action changes nothing.
    let status =
        kv_key_rotation_policy_add_action(p, KV_KEY_ROTATION_ACTION_NOTIFY, c("P1D").as_ptr(), null(), &mut err);
    assert_ne!(status, KV_STATUS_OK);
    kv_error_free(err);
    assert_eq!(kv_key_rotation_policy_action_count(p), 41);
    kv_key_rotation_policy_free(p);
}

#[test]
fn certificate_policy_views_survive_later_changes() {
    let p = kv_certificate_policy_new(c("CN=first").as_ptr());
    let mut err = null_mut();
    ok(kv_certificate_policy_set_key_type(p, c("RSA").as_ptr(), &mut err), err);
    ok(kv_certificate_policy_set_content_type(p, c("application/x-pem-file").as_ptr(), &mut err), err);
    let subject = kv_certificate_policy_subject(p);
    let issuer = kv_certificate_policy_issuer_name(p);
    let key_type = kv_certificate_policy_key_type(p);
    let content_type = kv_certificate_policy_content_type(p);
    for i in 0..20 {
        ok(kv_certificate_policy_add_dns_name(p, c(&format!("n{i}.example")).as_ptr(), &mut err), err);
    }
    ok(kv_certificate_policy_set_subject(p, c("CN=second").as_ptr(), &mut err), err);
    ok(kv_certificate_policy_set_issuer(p, c("Unknown").as_ptr(), &mut err), err);
    ok(kv_certificate_policy_set_key_type(p, c("EC").as_ptr(), &mut err), err);
    ok(kv_certificate_policy_set_content_type(p, c("application/x-pkcs12").as_ptr(), &mut err), err);
    ok(kv_certificate_policy_set_validity_months(p, 12, &mut err), err);
    assert_eq!(text(subject), "CN=first");
    assert_eq!(text(issuer), "Self");
    assert_eq!(text(key_type), "RSA");
    assert_eq!(text(content_type), "application/x-pem-file");
    assert_eq!(text(kv_certificate_policy_subject(p)), "CN=second");
    assert_eq!(text(kv_certificate_policy_issuer_name(p)), "Unknown");
    assert_eq!(text(kv_certificate_policy_key_type(p)), "EC");
    assert_eq!(kv_certificate_policy_validity_months(p), 12);
    kv_certificate_policy_free(p);
}

#[test]
fn contact_views_survive_later_additions() {
    let l = kv_certificate_contacts_new();
    let mut err = null_mut();
    ok(kv_certificate_contacts_add(l, c("a@example.com").as_ptr(), c("A").as_ptr(), null(), &mut err), err);
    let email = kv_certificate_contacts_email(l, 0);
    let name = kv_certificate_contacts_name(l, 0);
    for i in 0..30 {
        ok(kv_certificate_contacts_add(l, c(&format!("{i}@example.com")).as_ptr(), null(), null(), &mut err), err);
    }
    assert_eq!(text(email), "a@example.com");
    assert_eq!(text(name), "A");
    assert_eq!(kv_certificate_contacts_count(l), 31);
    assert_eq!(text(kv_certificate_contacts_email(l, 30)), "29@example.com");
    let status = kv_certificate_contacts_add(l, null(), null(), null(), &mut err);
    assert_ne!(status, KV_STATUS_OK, "an empty contact is refused");
    kv_error_free(err);
    kv_certificate_contacts_free(l);
}

// --- one representation -------------------------------------------------------------------------

const MARKER: &str = "Qv9MARKERsecretVALUEonce";

#[test]
fn a_secret_handle_holds_its_value_once() {
    let json = zeroize::Zeroizing::new(
        format!(r#"{{"value":"{MARKER}","id":"https://v.vault.azure.net/secrets/s/1","tags":{{"t":"v"}}}}"#)
            .into_bytes(),
    );
    ARMED.store(true, Ordering::SeqCst);
    let bundle: kv::model::secret::SecretBundle = serde_json::from_slice(&json).unwrap();
    let handle = Box::into_raw(Box::new(kv_secret::from(kv::secrets::Secret::from(bundle))));
    ARMED.store(false, Ordering::SeqCst);
    drop(json);

    let value = kv_secret_value(handle);
    assert_eq!(text(value), MARKER);
    assert_eq!(text(kv_secret_name(handle)), "s");
    assert_eq!(live_occurrences(MARKER.as_bytes()), 1, "the value is stored once in the handle");
    kv_secret_free(handle);
    assert_eq!(live_occurrences(MARKER.as_bytes()), 0, "and freed with it");
}
