//! Lists: a pager that fetches pages on demand and follows each `nextLink` exactly as given
//! (only on the vault's own origin). An empty page with a `nextLink` is legal: keep going.

use crate::error::{Error, Result};
use crate::http::{Method, Pipeline, Request, Response};
use crate::model::Page;
use crate::status::KV_STATUS_UNPARSEABLE_RESPONSE;
use serde::de::DeserializeOwned;
use std::collections::VecDeque;
use std::sync::Arc;

/// Most pages in a row that may come back empty before the pager treats the list as broken.
const MAX_EMPTY_PAGES_IN_A_ROW: usize = 100;

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
}

impl<T: DeserializeOwned> Pager<T> {
    /// A pager whose first page is fetched with `first`.
    pub fn new(source: Arc<dyn PageSource>, first: Request, what: impl Into<String>) -> Pager<T> {
        Pager { source, next: Some(first), buffer: VecDeque::new(), what: what.into() }
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
            let response = self.source.fetch_page(request).map_err(|e| e.context(&self.what))?;
            let page: Page<T> = response.json().map_err(|e| e.context(&self.what))?;
            let next_link = page.next_link.filter(|link| !link.is_empty());
            if let Some(link) = &next_link {
                if Some(link.as_str()) == self.next.as_ref().map(|r| r.target.as_str()) {
                    return Err(Error::new(KV_STATUS_UNPARSEABLE_RESPONSE, format!("{}: the service returned a nextLink pointing at the same page", self.what)));
                }
            }
            if page.value.is_empty() {
                empty_pages += 1;
                if empty_pages > MAX_EMPTY_PAGES_IN_A_ROW {
                    return Err(Error::new(KV_STATUS_UNPARSEABLE_RESPONSE, format!("{}: more than {MAX_EMPTY_PAGES_IN_A_ROW} empty pages in a row", self.what)));
                }
            }
            self.buffer.extend(page.value);
            self.next = next_link.map(|link| Request::new(Method::Get, link));
        }
    }
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
                ("https://v.example:443/items?$skiptoken=A&maxresults=2", r#"{"value":[],"nextLink":"https://v.example:443/items?$skiptoken=B"}"#),
                ("https://v.example:443/items?$skiptoken=B", r#"{"value":[3],"nextLink":null}"#),
            ],
            asked: Mutex::new(Vec::new()),
        });
        assert_eq!(drain(source.clone()).unwrap(), vec![1, 2, 3]);
        let asked = source.asked.lock().clone();
        assert_eq!(asked.len(), 3);
        assert_eq!(asked[1], "https://v.example:443/items?$skiptoken=A&maxresults=2", "the nextLink is followed exactly as given");
    }

    #[test]
    fn a_missing_next_link_ends_the_list_and_bad_pages_are_errors() {
        let source = Arc::new(CannedPages { pages: vec![("/items", r#"{"value":[7]}"#)], asked: Mutex::new(Vec::new()) });
        assert_eq!(drain(source).unwrap(), vec![7]);
        let source = Arc::new(CannedPages { pages: vec![("/items", r#"{"value":[7],"nextLink":"/nowhere"}"#)], asked: Mutex::new(Vec::new()) });
        assert_eq!(drain(source).unwrap_err().status, KV_STATUS_UNPARSEABLE_RESPONSE);
        let source = Arc::new(CannedPages { pages: vec![("/items", r#"{"value":[],"nextLink":"/items"}"#)], asked: Mutex::new(Vec::new()) });
        assert_eq!(drain(source).unwrap_err().status, KV_STATUS_UNPARSEABLE_RESPONSE, "a link to the same page is not looped on");
    }
}
