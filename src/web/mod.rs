//! `madoguchi serve`: the resident's web 手続ナビ and its API — another edge beside `tui`
//! and `cli`. It parses requests into an intake, calls `rules::determine` and the QR encoder,
//! and renders HTML or JSON. It holds no state between requests and decides nothing the core
//! does not: the page and the counter run the same engine on the same procedure set.
//!
//! - [`draft`]: the page's state, carried in the form (no cookies, no sessions);
//! - [`flow`]: from a posted form to the next step (pure);
//! - [`page`]: the HTML; [`api`]: the JSON endpoints (pure);
//! - this module: the HTTP server (axum on tokio), limits and headers.
//!
//! Privacy: nothing a resident sends is stored, cached or logged. Every response says
//! `Cache-Control: no-store`; the CSP allows only the page's own inline style and script (by
//! hash) and `data:` images; bodies over 1 MiB are refused (413).

pub mod api;
pub mod dates;
pub mod draft;
pub mod flow;
pub mod html;
pub mod page;
pub mod text;

use crate::rules::{Lang, ProcedureSet};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine as _;
use chrono::NaiveDate;
use sha2::{Digest, Sha256};
use std::sync::{Arc, LazyLock};

/// Largest request body accepted (413 above).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// What every request shares: the procedure set the server was started with.
pub struct Shared {
    pub set: ProcedureSet,
    /// `--today` (tests); otherwise each request uses today in Japan.
    pub today: Option<NaiveDate>,
}

impl Shared {
    fn today(&self) -> NaiveDate {
        self.today.unwrap_or_else(crate::calendar::jst_today)
    }
}

/// The Content-Security-Policy: nothing from anywhere, except the page's own inline style and
/// script, identified by their SHA-256, images from `data:` URLs (the QR codes), and forms
/// posted to this origin.
pub static CSP: LazyLock<String> = LazyLock::new(|| {
    let hash = |s: &str| base64::engine::general_purpose::STANDARD.encode(Sha256::digest(s));
    format!(
        "default-src 'none'; style-src 'sha256-{}'; script-src 'sha256-{}'; img-src data:; \
         form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        hash(page::CSS),
        hash(page::JS)
    )
});

/// The router: the page (`GET /`, `POST /`), the API, and a health check.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(page_get).post(page_post))
        .route("/api/determine", post(api_determine))
        .route("/api/qr", post(api_qr))
        .route("/healthz", get(health))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::map_response(private_headers))
        .with_state(shared)
}

/// Headers on every response, errors included.
async fn private_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&CSP) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
    res
}

const HTML: &str = "text/html; charset=utf-8";
const JSON: &str = "application/json; charset=utf-8";

fn html(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, HTML)], body).into_response()
}

fn json(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, JSON)], body).into_response()
}

fn lang_of(uri: &Uri) -> Lang {
    let en = form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .any(|(k, v)| k == "lang" && v == "en");
    if en {
        Lang::En
    } else {
        Lang::Ja
    }
}

async fn page_get(State(s): State<Arc<Shared>>, uri: Uri) -> Response {
    let view = flow::start(lang_of(&uri));
    html(StatusCode::OK, page::render(&view, &s.set, &vec![]))
}

async fn page_post(State(s): State<Arc<Shared>>, body: Result<Bytes, BytesRejection>) -> Response {
    let body = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return html(
                StatusCode::PAYLOAD_TOO_LARGE,
                page::error_page(
                    Lang::Ja,
                    &s.set,
                    (
                        "送信された内容が大きすぎます (1 MB まで)。",
                        "What was sent is too large (1 MB at most).",
                    ),
                ),
            )
        }
        Err(e) => {
            return html(
                e.status(),
                page::error_page(
                    Lang::Ja,
                    &s.set,
                    (
                        "送信された内容を読み取れませんでした。",
                        "What was sent could not be read.",
                    ),
                ),
            )
        }
    };
    // Determining and drawing QR codes take milliseconds: off the async workers.
    let shared = s.clone();
    let rendered = tokio::task::spawn_blocking(move || {
        let view = flow::advance(draft::parse_form(&body), &shared.set, shared.today());
        let codes = match (&view.step, &view.intake) {
            (draft::Step::Result, Some(intake)) => {
                crate::qr::try_encode_parts(intake, crate::qr::random_set_id())
                    .map(|parts| {
                        parts
                            .into_iter()
                            .map(|p| {
                                let png = crate::qr::render_png(&p);
                                (p, png)
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            }
            _ => vec![],
        };
        page::render(&view, &shared.set, &codes)
    })
    .await;
    match rendered {
        Ok(body) => html(StatusCode::OK, body),
        Err(_) => internal(&s),
    }
}

fn internal(s: &Shared) -> Response {
    // No request content in the log: only that something failed.
    crate::say!("madoguchi serve: internal error while rendering a page (a bug; please report it)");
    html(
        StatusCode::INTERNAL_SERVER_ERROR,
        page::error_page(
            Lang::Ja,
            &s.set,
            (
                "内部エラーが起きました。もう一度お試しください。",
                "An internal error occurred. Please try again.",
            ),
        ),
    )
}

/// The body, or the API's error (status and JSON) for one that could not be taken.
fn api_body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, (StatusCode, String)> {
    body.map_err(|e| {
        let status = e.status();
        let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
            format!("the body exceeds {BODY_LIMIT} bytes")
        } else {
            "the body could not be read".to_string()
        };
        (status, api::error_json("$", &message))
    })
}

async fn api_determine(
    State(s): State<Arc<Shared>>,
    uri: Uri,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match api_body(body) {
        Ok(b) => b,
        Err((status, e)) => return json(status, e),
    };
    let today = match api::today_param(uri.query()) {
        Ok(t) => t.unwrap_or_else(|| s.today()),
        Err(e) => return json(StatusCode::BAD_REQUEST, e.to_json()),
    };
    match api::determine_json(&s.set, &body, today) {
        Ok(out) => json(StatusCode::OK, out),
        Err(e) => json(StatusCode::BAD_REQUEST, e.to_json()),
    }
}

async fn api_qr(
    State(s): State<Arc<Shared>>,
    uri: Uri,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match api_body(body) {
        Ok(b) => b,
        Err((status, e)) => return json(status, e),
    };
    if let Err(e) = api::today_param(uri.query()) {
        return json(StatusCode::BAD_REQUEST, e.to_json());
    }
    let shared = s.clone();
    let out = tokio::task::spawn_blocking(move || {
        api::qr_json(&shared.set, &body, crate::qr::random_set_id())
    })
    .await;
    match out {
        Ok(Ok(out)) => json(StatusCode::OK, out),
        Ok(Err(e)) => json(StatusCode::BAD_REQUEST, e.to_json()),
        Err(_) => json(
            StatusCode::INTERNAL_SERVER_ERROR,
            api::error_json("$", "internal error (a bug; please report it)"),
        ),
    }
}

async fn health(State(s): State<Arc<Shared>>) -> Response {
    let body = serde_json::json!({
        "status": "ok",
        "procedure_set": { "name": s.set.name, "digest": s.set.digest },
    });
    json(StatusCode::OK, format!("{body}\n"))
}

async fn not_found(State(s): State<Arc<Shared>>, uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return json(
            StatusCode::NOT_FOUND,
            api::error_json("$", "no such endpoint (POST /api/determine, POST /api/qr)"),
        );
    }
    html(
        StatusCode::NOT_FOUND,
        page::error_page(
            lang_of(&uri),
            &s.set,
            ("ページが見つかりません。", "There is no such page."),
        ),
    )
}

/// Serves on an already bound listener until SIGINT or SIGTERM. Blocks; runs its own tokio
/// runtime (worker threads = cores).
pub fn run(listener: std::net::TcpListener, shared: Shared) -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_io()
        .enable_time()
        .build()?;
    rt.block_on(async move {
        listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        axum::serve(listener, router(Arc::new(shared)))
            .with_graceful_shutdown(shutdown_signal())
            .await
    })
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let term = async {
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}
