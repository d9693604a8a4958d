//! `List<T>`: a typed pager. The service modules hand it out for every list operation; it pages
//! through the wire items with [`Pager`] and turns each into its domain type (`Secret`, `Key`,
//! `Certificate`, `Issuer`) as it is taken.

use crate::error::Result;
use crate::paging::Pager;
use serde::de::DeserializeOwned;

/// Items of a list operation, fetched a page at a time on demand. Use from one thread at a time.
pub struct List<T> {
    next: Box<dyn FnMut() -> Result<Option<T>> + Send>,
}

impl<T: 'static> List<T> {
    /// Pages with `pager`, converting each wire item with `convert`.
    pub fn new<W: DeserializeOwned + Send + 'static>(mut pager: Pager<W>, convert: fn(W) -> T) -> List<T> {
        List { next: Box::new(move || Ok(pager.next_item()?.map(convert))) }
    }

    /// The next item, `Ok(None)` at the end. After an error the same page is tried again on the
    /// next call.
    pub fn next_item(&mut self) -> Result<Option<T>> {
        (self.next)()
    }
}

impl<T: 'static> Iterator for List<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        self.next_item().transpose()
    }
}

impl<T> std::fmt::Debug for List<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("List")
    }
}
