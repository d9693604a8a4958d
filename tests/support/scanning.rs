//! A global allocator that counts the freed blocks holding a marker, for tests proving that
//! secret material is zeroized before its memory is freed. A test crate declares
//! `#[global_allocator] static GLOBAL: Scanning = Scanning(MARKER);` and measures with [`leaks`].

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Counts freed blocks holding its marker while [`leaks`] runs its closure.
pub struct Scanning(pub &'static [u8]);

static ARMED: AtomicBool = AtomicBool::new(false);
static HITS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Scanning {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let marker = self.0;
        if ARMED.load(Ordering::Relaxed) && layout.size() >= marker.len() {
            let block = std::slice::from_raw_parts(ptr, layout.size());
            if block.windows(marker.len()).any(|w| w == marker) {
                HITS.fetch_add(1, Ordering::Relaxed);
            }
        }
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A realloc that moves frees the old block: allocate, copy and free through `dealloc`.
        let new = self.alloc(Layout::from_size_align_unchecked(new_size, layout.align()));
        if !new.is_null() {
            std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        new
    }
}

/// Freed blocks holding the marker while `f` ran.
pub fn leaks(f: impl FnOnce()) -> usize {
    let before = HITS.load(Ordering::SeqCst);
    ARMED.store(true, Ordering::SeqCst);
    f();
    ARMED.store(false, Ordering::SeqCst);
    HITS.load(Ordering::SeqCst) - before
}
