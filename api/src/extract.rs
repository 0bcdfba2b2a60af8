//! Request parsing shared by every resource: JSON bodies that are strict about media type,
//! size and unknown fields; list queries, filters and paging; merge patches;
//! conditional-request headers; and the answers every resource shapes alike (a page, a
//! resource with its ETag, a 304, an idempotent create or change).

use std::{future::Future, pin::Pin};

use actix_web::{
    FromRequest, HttpMessage, HttpRequest, HttpResponse,
    dev::Payload,
    http::{StatusCode, header},
    web,
};
use casework_domain::{Clock, FieldError, Ts, Validation, case::Visibility};
use futures::StreamExt;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use sqlx::PgConnection;
use utoipa::{
    IntoParams, ToSchema,
    openapi::path::{Parameter, ParameterIn},
};
use uuid::Uuid;

use crate::{auth::Principal, error::ApiError, idempotency::Work, startup::AppState};

/// Request bodies are limited to 256 KiB (contract §1).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Reads the whole body, refusing more than [`MAX_BODY_BYTES`].
pub async fn read_body<S>(req: &HttpRequest, payload: &mut S) -> Result<web::Bytes, ApiError>
where
    S: futures::Stream<Item = Result<web::Bytes, actix_web::error::PayloadError>> + Unpin,
{
    if let Some(len) = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.parse::<usize>().ok())
        && len > MAX_BODY_BYTES
    {
        return Err(ApiError::PayloadTooLarge);
    }
    let mut buf = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| match e {
            actix_web::error::PayloadError::Overflow => ApiError::PayloadTooLarge,
            other => ApiError::BadRequest(format!("could not read the request body: {other}")),
        })?;
        if buf.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(ApiError::PayloadTooLarge);
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

fn is_json(req: &HttpRequest) -> bool {
    match req.mime_type() {
        Ok(Some(m)) => m.type_() == "application" && (m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json")),
        _ => false,
    }
}

/// Maps a serde error on a body into the 422 field error it describes.
pub fn field_error_from_serde(path: &str, msg: &str) -> FieldError {
    let root = |p: &str| {
        if p == "." || p.is_empty() {
            String::new()
        } else {
            p.to_owned()
        }
    };
    let join = |base: &str, leaf: &str| {
        if base.is_empty() {
            leaf.to_owned()
        } else {
            format!("{base}.{leaf}")
        }
    };
    let between_ticks = |m: &str| m.split('`').nth(1).map(str::to_owned);
    if msg.starts_with("unknown field") {
        // serde_path_to_error already ends the path with the unknown name.
        let name = between_ticks(msg).unwrap_or_default();
        let base = root(path);
        let field = if base == name || base.ends_with(&format!(".{name}")) {
            base
        } else {
            join(&base, &name)
        };
        FieldError::new(field, "unknown_field", "this field is not accepted here")
    } else if msg.starts_with("missing field") {
        let name = between_ticks(msg).unwrap_or_default();
        FieldError::new(join(&root(path), &name), "required", "this field is required")
    } else if let Some(m) = msg.strip_prefix(casework_domain::timestamp::OUT_OF_RANGE) {
        FieldError::new(root(path), "out_of_range", m.to_owned())
    } else if msg.starts_with("unknown variant") {
        FieldError::new(
            root(path),
            "invalid_value",
            msg.split(", expected").next().unwrap_or(msg).to_owned() + &expected_tail(msg),
        )
    } else {
        FieldError::new(root(path), "invalid_type", msg.to_owned())
    }
}

fn expected_tail(msg: &str) -> String {
    msg.split_once(", expected")
        .map(|(_, t)| format!("; expected{t}"))
        .unwrap_or_default()
}

/// A JSON body parsed strictly: `application/json` only (415), at most 256 KiB (413),
/// well-formed (400), and matching the schema with no unknown fields (422, naming the
/// field). `raw` is the parsed document, used to fingerprint idempotent requests.
#[derive(Debug)]
pub struct JsonBody<T> {
    pub value: T,
    pub raw: serde_json::Value,
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            if !is_json(&req) {
                return Err(ApiError::UnsupportedMediaType);
            }
            let bytes = read_body(&req, &mut payload).await?;
            let raw: serde_json::Value = serde_json::from_slice(&bytes)
                .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))?;
            let refused = control_characters(&raw);
            if !refused.is_empty() {
                return Err(ApiError::Validation(refused));
            }
            let value = parse_value(&raw)?;
            Ok(JsonBody { value, raw })
        })
    }
}

/// Every string in a JSON document (values and object keys) that holds a character no
/// text may hold: a `Cc` control other than `\n`, `\r`, `\t`, or a bidi override or
/// isolate. Checked for every body before it is typed, so no endpoint, present or future,
/// lets one reach the database; stricter rules per field (labels refusing line breaks)
/// live in `casework_domain::text`. Fields are named by path (`client.name`, `urls[2]`).
#[must_use]
pub fn control_characters(raw: &serde_json::Value) -> Vec<FieldError> {
    fn join(base: &str, key: &str) -> String {
        if base.is_empty() {
            key.to_owned()
        } else {
            format!("{base}.{key}")
        }
    }
    fn walk(v: &serde_json::Value, path: &str, out: &mut Vec<FieldError>) {
        let bad = |s: &str| s.chars().any(casework_domain::text::refused_in_free_text);
        match v {
            serde_json::Value::String(s) if bad(s) => out.push(FieldError::new(
                path,
                casework_domain::text::CONTROL_CHARACTER,
                "must not contain control characters (other than line breaks and tabs in free text) or bidirectional overrides",
            )),
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, &format!("{path}[{i}]"), out);
                }
            }
            serde_json::Value::Object(map) => {
                for (k, item) in map {
                    if bad(k) {
                        // The key itself cannot be quoted as a path: it holds the character.
                        out.push(FieldError::new(
                            join(path, &k.escape_debug().to_string()),
                            casework_domain::text::CONTROL_CHARACTER,
                            "field names must not contain control characters",
                        ));
                    } else {
                        walk(item, &join(path, k), out);
                    }
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(raw, "", &mut out);
    out
}

/// Deserialises a JSON document into `T`, reporting the failing field.
pub fn parse_value<T: DeserializeOwned>(raw: &serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(raw).map_err(|e| {
        let path = e.path().to_string();
        ApiError::Validation(vec![field_error_from_serde(&path, &e.inner().to_string())])
    })
}

/// `?limit=&cursor=` on every list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    pub const DEFAULT: u32 = 50;
    pub const MAX: u32 = 200;

    /// The validated page size.
    pub fn limit(&self) -> Result<i64, ApiError> {
        match self.limit {
            None => Ok(i64::from(Self::DEFAULT)),
            Some(n @ 1..=Self::MAX) => Ok(i64::from(n)),
            Some(_) => Err(ApiError::field(
                "limit",
                "out_of_range",
                "limit must be between 1 and 200",
            )),
        }
    }

    /// The page asked for, its size checked (422): see [`PageRequest::answer`].
    pub fn checked(self) -> Result<PageRequest, ApiError> {
        Ok(PageRequest {
            limit: self.limit()?,
            cursor: self.cursor,
        })
    }
}

/// A page of a list being asked for: its size, checked, and the cursor of the previous
/// page, checked only by [`PageRequest::answer`] (after the list's own filters).
#[derive(Debug)]
pub struct PageRequest {
    limit: i64,
    cursor: Option<String>,
}

impl PageRequest {
    /// Answers this page of the list `kind`: checks the cursor (422 when forged or from
    /// another list), has `fetch` read the rows after the cursor's position (one more than
    /// the page holds), and responds with the page as `O`, with the cursor of its last
    /// row's `position` when more follow (see [`Pager`]).
    pub async fn answer<O, R, P, E>(
        self,
        state: &AppState,
        kind: impl Into<String>,
        fetch: impl AsyncFnOnce(&mut PgConnection, Option<P>, i64) -> Result<Vec<R>, E>,
        position: impl Fn(&R) -> P,
    ) -> Result<HttpResponse, ApiError>
    where
        O: From<R> + Serialize,
        P: Serialize + DeserializeOwned,
        ApiError: From<E>,
    {
        let (pager, after) = Pager::open::<P>(state, kind, self.limit, self.cursor.as_deref()).await?;
        let mut conn = state.db.acquire().await?;
        let rows = fetch(&mut conn, after, self.limit + 1).await?;
        Ok(pager.respond::<R, O, P>(rows, position))
    }

    /// Answers this page of a list of case work read through the visibility rule of
    /// `principal` and ordered by id (cases, takedown requests, claims, orders, tasks):
    /// `list` is the store's list function, given the caller's visibility, the list's
    /// `filter`, the id the page starts after and how many rows to read; the page is shown
    /// as `O`.
    pub async fn answer_seen<O, R, F>(
        self,
        state: &AppState,
        kind: &str,
        principal: &Principal,
        filter: &F,
        list: impl AsyncFnOnce(&mut PgConnection, Visibility, &F, Option<Uuid>, i64) -> Result<Vec<R>, sqlx::Error>,
        id_of: impl Fn(&R) -> Uuid,
    ) -> Result<HttpResponse, ApiError>
    where
        O: From<R> + Serialize,
    {
        let vis = principal.visibility();
        self.answer::<O, R, Uuid, _>(
            state,
            kind,
            async |conn, after, n| list(conn, vis, filter, after, n).await,
            id_of,
        )
        .await
    }
}

/// The query string of a list: its own filters `F`, and the page asked for
/// (`?limit=&cursor=`, see [`PageQuery`]), so no list repeats those two. Like
/// [`QueryParams`], take it as `Result<ListQuery<F>, ApiError>` and apply `?` once the
/// caller is known: a malformed query is 400, then a page size out of range 422. `F` must
/// not deny unknown fields (it is parsed from the whole query, `limit` and `cursor`
/// included). In the spec its parameters are those of `F` followed by `limit` and `cursor`.
#[derive(Debug)]
pub struct ListQuery<F> {
    pub filter: F,
    pub page: PageRequest,
}

impl<F: DeserializeOwned> FromRequest for ListQuery<F> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let query = req.query_string();
        std::future::ready(parse_query::<F>(query).and_then(|filter| {
            Ok(ListQuery {
                filter,
                page: parse_query::<PageQuery>(query)?.checked()?,
            })
        }))
    }
}

impl<F: IntoParams> IntoParams for ListQuery<F> {
    fn into_params(parameter_in_provider: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let mut params = F::into_params(&parameter_in_provider);
        params.extend(PageQuery::into_params(parameter_in_provider));
        params
    }
}

/// Strong ETag for a resource version.
#[must_use]
pub fn etag(version: i64) -> String {
    format!("\"v{version}\"")
}

/// A versioned resource as the answer: `status`, its ETag, and `body` as JSON.
pub fn with_etag<O: Serialize>(status: StatusCode, version: i64, body: O) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("ETag", etag(version)))
        .json(body)
}

/// The answer to a GET of a versioned resource: `304 Not Modified` when `If-None-Match`
/// already names its ETag, else `200 OK` with the ETag and `body`.
pub fn conditional_get<O: Serialize>(req: &HttpRequest, version: i64, body: O) -> HttpResponse {
    let tag = etag(version);
    if if_none_match_hits(req, &tag) {
        return HttpResponse::NotModified().insert_header(("ETag", tag)).finish();
    }
    with_etag(StatusCode::OK, version, body)
}

/// Ends an idempotent create (see [`Work::finish`]): `201 Created` with the new resource's
/// ETag and `Location`, stored under the key together with the effect.
pub async fn finish_created<O: Serialize>(
    work: Work,
    clock: &Clock,
    version: i64,
    location: String,
    body: &O,
) -> Result<HttpResponse, ApiError> {
    let headers = [("ETag", etag(version)), ("Location", location)];
    work.finish(StatusCode::CREATED, &headers, body, None, clock).await
}

/// Ends an idempotent change of a resource (see [`Work::finish`]): `200 OK` with its new
/// ETag, stored under the key together with the effect.
pub async fn finish_changed<O: Serialize>(
    work: Work,
    clock: &Clock,
    version: i64,
    body: &O,
) -> Result<HttpResponse, ApiError> {
    work.finish(StatusCode::OK, &[("ETag", etag(version))], body, None, clock)
        .await
}

/// What `If-Match` asks for: a version we issued, or `*` (any current version, RFC 9110
/// §13.1.1: the resource must exist, which it does once the handler has found it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfMatch {
    Any,
    Version(i64),
}

impl IfMatch {
    /// Whether the resource at `current` satisfies the precondition.
    #[must_use]
    pub fn matches(self, current: i64) -> bool {
        match self {
            IfMatch::Any => true,
            IfMatch::Version(v) => v == current,
        }
    }

    /// 412 unless the resource at `current` satisfies the precondition.
    pub fn check(self, current: i64) -> Result<(), ApiError> {
        if self.matches(current) {
            Ok(())
        } else {
            Err(ApiError::PreconditionFailed)
        }
    }

    /// The version named, `None` for `*`.
    #[must_use]
    pub fn version(self) -> Option<i64> {
        match self {
            IfMatch::Any => None,
            IfMatch::Version(v) => Some(v),
        }
    }
}

/// `If-Match` on a PATCH: 428 when absent, 412 when it names no version we could have issued.
pub fn required_if_match(req: &HttpRequest) -> Result<IfMatch, ApiError> {
    let v = req
        .headers()
        .get(header::IF_MATCH)
        .ok_or(ApiError::PreconditionRequired)?;
    let s = v.to_str().map_err(|_| ApiError::PreconditionFailed)?.trim();
    if s == "*" {
        return Ok(IfMatch::Any);
    }
    // A list of tags matches when any does; we only ever issue one per resource.
    let tags: Vec<i64> = s.split(',').filter_map(parse_version_tag).collect();
    match tags.as_slice() {
        [one] => Ok(IfMatch::Version(*one)),
        _ => Err(ApiError::PreconditionFailed),
    }
}

/// The precondition of an optional `If-Match` (transitions accept but do not need one).
pub fn optional_if_match(req: &HttpRequest) -> Result<Option<IfMatch>, ApiError> {
    match req.headers().get(header::IF_MATCH) {
        None => Ok(None),
        Some(_) => required_if_match(req).map(Some),
    }
}

/// One page of a list: `{"items": [...], "next_cursor": "..." | null}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last one.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A page of `rows` converted to their API shape.
    pub fn of<R: Into<T>>(rows: Vec<R>, next_cursor: Option<String>) -> Self {
        Self {
            items: rows.into_iter().map(Into::into).collect(),
            next_cursor,
        }
    }
}

/// A list being answered: its page size, and the codec that checks the request's cursor
/// and signs the next one. Every list pages through this (see [`Pager::open`]).
pub struct Pager {
    limit: i64,
    codec: casework_domain::cursor::CursorCodec,
    kind: String,
}

impl Pager {
    /// Opens a page of the list `kind` of at most `limit` rows: the position where the
    /// previous page ended, from its cursor (422 when forged or from another list).
    pub async fn open<P: DeserializeOwned>(
        state: &crate::startup::AppState,
        kind: impl Into<String>,
        limit: i64,
        cursor: Option<&str>,
    ) -> Result<(Self, Option<P>), ApiError> {
        let codec = state.cursor_codec().await?;
        let kind = kind.into();
        let after = decode_cursor(&codec, &kind, cursor)?;
        Ok((Self { limit, codec, kind }, after))
    }

    /// The `200` answer: `rows` (fetched with `limit + 1`) cut to the page, as `O`, with
    /// the cursor of the last row's `position` when more follow.
    pub fn respond<R, O, P>(&self, rows: Vec<R>, position: impl Fn(&R) -> P) -> actix_web::HttpResponse
    where
        O: From<R> + Serialize,
        P: Serialize,
    {
        let (items, next_cursor) = finish_page(rows, self.limit, &self.codec, &self.kind, position);
        actix_web::HttpResponse::Ok().json(Page::<O>::of(items, next_cursor))
    }
}

/// A query string parsed after the handler has decided who may call and what they see:
/// take it as `Result<QueryParams<T>, ApiError>` and apply `?` in the right place, so an
/// outsider learns nothing from a malformed query (400).
#[derive(Debug)]
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned> FromRequest for QueryParams<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(QueryParams))
    }
}

/// Parses a query string into `T` (400 when malformed).
fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    web::Query::<T>::from_query(query)
        .map(web::Query::into_inner)
        .map_err(|e| ApiError::BadRequest(format!("invalid query string: {e}")))
}

impl<T> std::ops::Deref for QueryParams<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

fn parse_version_tag(s: &str) -> Option<i64> {
    let t = s.trim();
    let t = t.strip_prefix("W/").unwrap_or(t);
    t.strip_prefix("\"v")?.strip_suffix('"')?.parse().ok()
}

/// Whether `If-None-Match` already names the current ETag (answer 304).
#[must_use]
pub fn if_none_match_hits(req: &HttpRequest, current: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim() == "*" || v.split(',').any(|t| t.trim().trim_start_matches("W/") == current))
}

/// Cuts a page fetched with `limit + 1` rows back to `limit`, and returns the cursor of
/// its last row when more rows follow.
pub fn finish_page<T, P: serde::Serialize>(
    mut rows: Vec<T>,
    limit: i64,
    codec: &casework_domain::cursor::CursorCodec,
    kind: &str,
    position: impl Fn(&T) -> P,
) -> (Vec<T>, Option<String>) {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if rows.len() > limit {
        rows.truncate(limit);
        let next = rows.last().map(|r| codec.encode(kind, &position(r)));
        (rows, next)
    } else {
        (rows, None)
    }
}

/// Decodes the request's cursor for the list `kind` (422 when forged or foreign).
pub fn decode_cursor<P: DeserializeOwned>(
    codec: &casework_domain::cursor::CursorCodec,
    kind: &str,
    cursor: Option<&str>,
) -> Result<Option<P>, ApiError> {
    cursor
        .map(|c| {
            codec
                .decode(kind, c)
                .ok_or_else(|| ApiError::field("cursor", "invalid_cursor", "the cursor is not valid for this list"))
        })
        .transpose()
}

/// The fields a PATCH body names, in the order every PATCH checks them: the body must be
/// a JSON object (an RFC 7396 merge patch, 422 otherwise), and no key may name a field
/// that `refuse` refuses (422, every refused field listed).
pub fn patch_fields(
    raw: &serde_json::Value,
    refuse: impl Fn(&str) -> Option<FieldError>,
) -> Result<Vec<&str>, ApiError> {
    let patch = raw
        .as_object()
        .ok_or_else(|| ApiError::field("", "invalid_type", "the body must be a JSON object"))?;
    let refused: Vec<FieldError> = patch.keys().filter_map(|k| refuse(k)).collect();
    if !refused.is_empty() {
        return Err(ApiError::Validation(refused));
    }
    Ok(patch.keys().map(String::as_str).collect())
}

/// A resource's editable fields `current` (shaped as the body that creates one) with the
/// merge patch `patch` applied, parsed as such a body `N` (422 naming the field); and the
/// JSON of `current`, to tell with [`changed_fields`] what the patch changed.
pub fn apply_patch<N: DeserializeOwned>(
    current: &impl Serialize,
    patch: &serde_json::Value,
) -> Result<(serde_json::Value, N), ApiError> {
    let before = to_json(current)?;
    let mut merged = before.clone();
    merge_patch(&mut merged, patch);
    Ok((before, parse_value(&merged)?))
}

/// The `fields` whose value differs between the JSON documents `before` and `after`.
pub fn changed_fields<'f>(
    fields: impl IntoIterator<Item = &'f str>,
    before: &serde_json::Value,
    after: &serde_json::Value,
) -> Vec<&'f str> {
    fields.into_iter().filter(|k| before.get(k) != after.get(k)).collect()
}

/// The JSON of a value the service serialises itself (a failure is a bug: 500).
pub fn to_json(value: &impl Serialize) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(value).map_err(|e| ApiError::Internal(e.into()))
}

/// Applies an RFC 7396 JSON merge patch: objects merge key by key, `null` removes a key,
/// anything else replaces.
pub fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    use serde_json::Value;
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(serde_json::Map::new());
    }
    if let Value::Object(t) = target {
        for (k, v) in p {
            if v.is_null() {
                t.remove(k);
            } else {
                merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
}

/// An optional list filter naming a user (`?assignee=`): a user id, or `me` for the
/// caller `me`; `None` when absent, and when malformed, which is then recorded in `v` to
/// be refused with the list's other filters.
pub fn user_filter(v: &mut Validation, field: &str, raw: Option<&str>, me: Uuid) -> Option<Uuid> {
    match raw? {
        "me" => Some(me),
        id => v.check(
            id.parse()
                .map_err(|_| FieldError::new(field, "invalid_value", "a user id or `me`")),
        ),
    }
}

/// An optional instant filter of a list (`?due_before=`, see [`parse_instant`]): `None`
/// when absent, and when malformed, which is then recorded in `v` to be refused with the
/// list's other filters.
pub fn instant_filter(v: &mut Validation, field: &str, raw: Option<&str>) -> Option<Ts> {
    raw.and_then(|s| v.check(parse_instant(field, s))).map(Ts::new)
}

/// Parses an optional RFC 3339 instant from a query string; one without an offset is
/// refused. A `+` that arrived as a space (unescaped) is restored.
pub fn parse_instant(field: &str, raw: &str) -> Result<jiff::Timestamp, FieldError> {
    let restored = raw.trim().replace(' ', "+");
    let text = if raw.parse::<jiff::Timestamp>().is_ok() {
        raw
    } else {
        &restored
    };
    text.parse::<jiff::Timestamp>().map_err(|_| {
        FieldError::new(
            field,
            "invalid_instant",
            "must be an RFC 3339 instant with an offset, e.g. 2026-11-23T08:30:00-07:00",
        )
    })?;
    // Well formed; also in range (1900–2100, offset within ±14:00).
    casework_domain::timestamp::parse_instant(text).map_err(|m| FieldError::new(field, "out_of_range", m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_tags() {
        assert_eq!(parse_version_tag("\"v3\""), Some(3));
        assert_eq!(parse_version_tag("W/\"v3\""), Some(3));
        assert_eq!(parse_version_tag("v3"), None);
        assert_eq!(parse_version_tag("*"), None);
    }

    #[test]
    fn serde_messages_become_fields() {
        let e = field_error_from_serde("client.foo", "unknown field `foo`, expected one of `a`, `b`");
        assert_eq!((e.field.as_str(), e.code), ("client.foo", "unknown_field"));
        let e = field_error_from_serde("bogus", "unknown field `bogus`, expected `a`");
        assert_eq!(e.field, "bogus");
        let e = field_error_from_serde(".", "missing field `email`");
        assert_eq!((e.field.as_str(), e.code), ("email", "required"));
        let e = field_error_from_serde("age", "invalid type: string \"x\", expected u8");
        assert_eq!((e.field.as_str(), e.code), ("age", "invalid_type"));
    }

    #[test]
    fn control_characters_are_found_by_path() {
        let doc = serde_json::json!({
            "name": "ok",
            "body": "line one\nline two\ttabbed\r\n",
            "client": {"name": "nul\u{0}here", "ok": 1},
            "urls": ["https://a.example", "b", "bidi\u{202E}"],
            "esc\u{1b}": "x",
            "note": "bell\u{7}",
        });
        let mut fields: Vec<String> = control_characters(&doc).into_iter().map(|e| e.field).collect();
        fields.sort();
        assert_eq!(fields, ["client.name", "esc\\u{1b}", "note", "urls[2]"]);
        assert!(control_characters(&serde_json::json!("a\u{0}")).len() == 1);
        assert!(control_characters(&serde_json::json!({"a": [1, true, null]})).is_empty());
    }

    #[derive(Debug, Deserialize, IntoParams)]
    #[into_params(parameter_in = Query)]
    struct Filter {
        flag: Option<bool>,
    }

    fn list_query(query: &str) -> Result<ListQuery<Filter>, ApiError> {
        let req = actix_web::test::TestRequest::get()
            .uri(&format!("/v1/things?{query}"))
            .to_http_request();
        ListQuery::<Filter>::from_request(&req, &mut Payload::None).into_inner()
    }

    #[test]
    fn list_queries_hold_their_filters_and_the_page() {
        let q = list_query("flag=true&limit=7&cursor=abc&other=1").unwrap();
        assert_eq!(q.filter.flag, Some(true));
        assert_eq!((q.page.limit, q.page.cursor.as_deref()), (7, Some("abc")));
        assert_eq!(list_query("").unwrap().page.limit, 50);
        assert!(matches!(list_query("flag=maybe"), Err(ApiError::BadRequest(_))));
        assert!(matches!(list_query("limit=abc"), Err(ApiError::BadRequest(_))));
        assert!(matches!(list_query("limit=0"), Err(ApiError::Validation(_))));
        // A malformed query is 400 even when the page size is also out of range.
        assert!(matches!(list_query("limit=0&flag=maybe"), Err(ApiError::BadRequest(_))));
        let names: Vec<String> = ListQuery::<Filter>::into_params(|| None)
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(names, ["flag", "limit", "cursor"]);
    }

    #[test]
    fn user_filters_take_an_id_or_me() {
        let me = Uuid::now_v7();
        let other = Uuid::now_v7();
        let mut v = Validation::new();
        assert_eq!(user_filter(&mut v, "assignee", None, me), None);
        assert_eq!(user_filter(&mut v, "assignee", Some("me"), me), Some(me));
        assert_eq!(
            user_filter(&mut v, "assignee", Some(&other.to_string()), me),
            Some(other)
        );
        assert!(v.finish().is_ok());
        let mut v = Validation::new();
        assert_eq!(user_filter(&mut v, "assignee", Some("you"), me), None);
        assert!(v.finish().is_err());
    }

    #[test]
    fn instant_filters_collect_their_errors() {
        let mut v = Validation::new();
        assert!(instant_filter(&mut v, "due_before", None).is_none());
        assert!(instant_filter(&mut v, "due_before", Some("2026-11-23T08:30:00-08:00")).is_some());
        assert!(v.finish().is_ok());
        let mut v = Validation::new();
        assert!(instant_filter(&mut v, "due_before", Some("2026-11-23T08:30:00")).is_none());
        assert!(v.finish().is_err());
    }

    #[test]
    fn patches_name_their_fields_and_changes() {
        let refuse = |k: &str| (k == "id").then(|| FieldError::new(k, "read_only", "set by the server"));
        let patch = serde_json::json!({"a": 2, "b": null});
        assert_eq!(patch_fields(&patch, refuse).unwrap(), ["a", "b"]);
        let with_id = serde_json::json!({"id": 1, "a": 2});
        let refused = patch_fields(&with_id, refuse);
        assert!(matches!(refused, Err(ApiError::Validation(e)) if e.len() == 1 && e[0].field == "id"));
        let not_an_object = serde_json::json!([1]);
        assert!(matches!(
            patch_fields(&not_an_object, refuse),
            Err(ApiError::Validation(_))
        ));
        let (before, after) = apply_patch::<serde_json::Value>(&serde_json::json!({"a": 1, "b": 1}), &patch).unwrap();
        assert_eq!(after, serde_json::json!({"a": 2}));
        assert_eq!(changed_fields(["a", "b", "c"], &before, &after), ["a", "b"]);
    }

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut t = serde_json::json!({"a": 1, "b": {"c": 2, "d": 3}, "e": [1]});
        merge_patch(
            &mut t,
            &serde_json::json!({"a": null, "b": {"c": 9}, "e": [2, 3], "f": "x"}),
        );
        assert_eq!(t, serde_json::json!({"b": {"c": 9, "d": 3}, "e": [2, 3], "f": "x"}));
    }
}
