//! Lists: a pager that fetches pages on demand and follows each `nextLink` exactly as given
//! (only on the vault's own origin). An empty page with a `nextLink` is legal: keep going.
//!
//! A list always ends: a `nextLink` that leads back to any page already fetched (a cycle of any
//! length) and a list longer than [`MAX_PAGES`] pages are errors
//! (`ErrorKind::UnparseableResponse`) instead of endless paging.

use crate::error::{Error, ErrorKind, Result};
use crate::http::{Method, Request, Response};
use crate::model::Page;
use crate::vault::pipeline::Pipeline;
use serde::de::DeserializeOwned;
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

/// Most pages in a row that may come back empty before the pager treats the list as broken.
const MAX_EMPTY_PAGES_IN_A_ROW: usize = 100;
/// Most pages of one list (Key Vault pages hold 25 items by default: 1,250,000 items).
pub const MAX_PAGES: usize = 50_000;

/// Something that answers page requests: the pipeline, or a fake in unit tests.
pub trait PageSource: Send + Sync {
    /// Sends one page request.
    fn fetch_page(&self, request: &Request) -> Result<Response>;
}

impl PageSource for Pipeline {
    fn fetch_page(&self, request: &Request) -> Result<Response> {
        self.send(request)
    }
}

/// Iterates the items of a paged list, fetching the next page when the buffered one is used up.
pub struct Pager<T> {
    source: Arc<dyn PageSource>,
    next: Option<Request>,
    buffer: VecDeque<T>,
    what: String,
    /// A hash of each link followed so far (cycle detection).
    seen: HashSet<u64>,
    pages: usize,
    max_pages: usize,
}

impl<T: DeserializeOwned> Pager<T> {
    /// A pager whose first page is fetched with `first`.
    pub fn new(source: Arc<dyn PageSource>, first: Request, what: impl Into<String>) -> Pager<T> {
        Pager {
            source,
            next: Some(first),
            buffer: VecDeque::new(),
            what: what.into(),
            seen: HashSet::new(),
            pages: 0,
            max_pages: MAX_PAGES,
        }
    }

    /// The same pager with another bound on its pages.
    pub fn with_max_pages(mut self, max_pages: usize) -> Pager<T> {
        self.max_pages = max_pages;
        self
    }

    /// The next item, `Ok(None)` at the end. After an error the same page is tried again on the
    /// next call.
    pub fn next_item(&mut self) -> Result<Option<T>> {
        let mut empty_pages = 0;
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Ok(Some(item));
            }
            let Some(request) = self.next.as_ref() else { return Ok(None) };
            if self.pages >= self.max_pages {
                return Err(Error::new(
                    ErrorKind::UnparseableResponse,
                    format!("{}: the list goes on for more than {} pages; stopped", self.what, self.max_pages),
                ));
            }
            let response = self.source.fetch_page(request).map_err(|e| e.context(&self.what))?;
            let page: Page<T> = response.json().map_err(|e| e.context(&self.what))?;
            let next_link = page.next_link.filter(|link| !link.is_empty());
            let this_page = link_hash(&request.target);
            if let Some(link) = &next_link {
                if link_hash(link) == this_page {
                    return Err(Error::new(
                        ErrorKind::UnparseableResponse,
                        format!("{}: the service returned a nextLink pointing at the same page", self.what),
                    ));
                }
                if self.seen.contains(&link_hash(link)) {
                    return Err(Error::new(
                        ErrorKind::UnparseableResponse,
                        format!(
                            "{}: the service's nextLinks form a cycle (page {} links back to an earlier page); stopped",
                            self.what,
                            self.pages + 1
                        ),
                    ));
                }
            }
            if page.value.is_empty() {
                empty_pages += 1;
                if empty_pages > MAX_EMPTY_PAGES_IN_A_ROW {
                    return Err(Error::new(
                        ErrorKind::UnparseableResponse,
                        format!("{}: more than {MAX_EMPTY_PAGES_IN_A_ROW} empty pages in a row", self.what),
                    ));
                }
            }
            self.buffer.extend(page.value);
            self.seen.insert(this_page);
            self.pages += 1;
            self.next = next_link.map(|link| Request::new(Method::Get, link));
        }
    }
}

/// A 64-bit hash of a page link (cycle detection keeps hashes, not the links).
fn link_hash(link: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    link.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use parking_lot::Mutex;
    use zeroize::Zeroizing;

    /// Serves canned pages keyed by request target, recording what was asked.
    struct CannedPages {
        pages: Vec<(&'static str, &'static str)>,
        asked: Mutex<Vec<String>>,
    }

    impl PageSource for CannedPages {
        fn fetch_page(&self, request: &Request) -> Result<Response> {
            self.asked.lock().push(request.target.clone());
            let body = self.pages.iter().find(|(t, _)| *t == request.target).map(|(_, b)| *b).unwrap_or("not json");
            Ok(Response { status: 200, body: Zeroizing::new(body.as_bytes().to_vec()), request_id: String::new() })
        }
    }

    fn drain(source: Arc<CannedPages>) -> Result<Vec<u32>> {
        let mut pager: Pager<u32> = Pager::new(source, Request::new(Method::Get, "/items"), "list items");
        let mut out = Vec::new();
        while let Some(item) = pager.next_item()? {
            out.push(item);
        }
        Ok(out)
    }

    #[test]
    fn follows_next_links_through_an_empty_page() {
        let source = Arc::new(CannedPages {
            pages: vec![
                ("/items", r#"{"value":[1,2],"nextLink":"https://v.example:443/items?$skiptoken=A&maxresults=2"}"#),
                (
                    "https://v.example:443/items?$skiptoken=A&maxresults=2",
                    r#"{"value":[],"nextLink":"https://v.example:443/items?$skiptoken=B"}"#,
                ),
                ("https://v.example:443/items?$skiptoken=B", r#"{"value":[3],"nextLink":null}"#),
            ],
            asked: Mutex::new(Vec::new()),
        });
        assert_eq!(drain(source.clone()).unwrap(), vec![1, 2, 3]);
        let asked = source.asked.lock().clone();
        assert_eq!(asked.len(), 3);
        assert_eq!(
            asked[1], "https://v.example:443/items?$skiptoken=A&maxresults=2",
            "the nextLink is followed exactly as given"
        );
    }

    #[test]
    fn a_missing_next_link_ends_the_list_and_bad_pages_are_errors() {
        let source =
            Arc::new(CannedPages { pages: vec![("/items", r#"{"value":[7]}"#)], asked: Mutex::new(Vec::new()) });
        assert_eq!(drain(source).unwrap(), vec![7]);
        let source = Arc::new(CannedPages {
            pages: vec![("/items", r#"{"value":[7],"nextLink":"/nowhere"}"#)],
            asked: Mutex::new(Vec::new()),
        });
        assert_eq!(drain(source).unwrap_err().kind, ErrorKind::UnparseableResponse);
        let source = Arc::new(CannedPages {
            pages: vec![("/items", r#"{"value":[],"nextLink":"/items"}"#)],
            asked: Mutex::new(Vec::new()),
        });
        assert_eq!(
            drain(source).unwrap_err().kind,
            ErrorKind::UnparseableResponse,
            "a link to the same page is not looped on"
        );
    }

    /// Review finding 8: a cycle longer than one page (A → B → C → A) repeated its items forever.
    #[test]
    fn cycles_of_any_length_and_endless_lists_are_stopped() {
        let source = Arc::new(CannedPages {
            pages: vec![
                ("/items", r#"{"value":[1],"nextLink":"https://v/B"}"#),
                ("https://v/B", r#"{"value":[2],"nextLink":"https://v/C"}"#),
                ("https://v/C", r#"{"value":[3],"nextLink":"https://v/B"}"#),
            ],
            asked: Mutex::new(Vec::new()),
        });
        let e = drain(source.clone()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::UnparseableResponse);
        assert!(e.message.contains("cycle"), "{}", e.message);
        assert_eq!(source.asked.lock().len(), 3);

        /// Every page links to a new one.
        struct Endless;
        impl PageSource for Endless {
            fn fetch_page(&self, request: &Request) -> Result<Response> {
                let body = format!(r#"{{"value":[1],"nextLink":"https://v/{}x"}}"#, request.target);
                Ok(Response { status: 200, body: Zeroizing::new(body.into_bytes()), request_id: String::new() })
            }
        }
        let mut pager: Pager<u32> =
            Pager::new(Arc::new(Endless), Request::new(Method::Get, "/items"), "list items").with_max_pages(50);
        let mut items = 0;
        let e = loop {
            match pager.next_item() {
                Ok(Some(_)) => items += 1,
                Ok(None) => panic!("an endless list ended"),
                Err(e) => break e,
            }
        };
        assert_eq!(items, 50);
        assert!(e.message.contains("more than 50 pages"), "{}", e.message);
    }
}
