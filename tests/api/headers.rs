//! Security headers (CSP, HSTS) and problem+json for errors the framework makes itself:
//! over-long request targets and refused CORS preflights.

use casework_tests::{TestApp, problem};
use reqwest::StatusCode;

const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

#[tokio::test]
async fn every_api_response_forbids_loading_and_framing() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    for res in [
        app.get("/v1/me", &admin).await,
        app.client.get(app.url("/v1/me")).send().await.unwrap(),
        app.client.get(app.url("/v1/nothing")).send().await.unwrap(),
        app.client.get(app.url("/healthz")).send().await.unwrap(),
        app.client.get(app.url("/openapi.json")).send().await.unwrap(),
        app.client
            .post(app.url("/v1/auth/token"))
            .form(&[("grant_type", "password")])
            .send()
            .await
            .unwrap(),
    ] {
        assert_eq!(res.headers()["content-security-policy"], API_CSP, "{}", res.url());
        assert!(res.headers().get("strict-transport-security").is_none());
    }
}

#[tokio::test]
async fn the_docs_run_only_their_own_files() {
    let app = TestApp::spawn().await;
    let res = app.client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let csp = res.headers()["content-security-policy"].to_str().unwrap().to_owned();
    let html = res.text().await.unwrap();
    let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
    for d in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(directives.contains(&d), "{d} in {csp}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
    assert!(
        !csp.contains("http:") && !csp.contains("https:") && !csp.contains('*'),
        "{csp}"
    );
    // What the policy allows is all the page needs: no inline script, every script and
    // stylesheet a file of our own.
    let scripts: Vec<&str> = html.split("<script").skip(1).collect();
    assert!(!scripts.is_empty());
    for s in &scripts {
        let tag = s.split('>').next().unwrap();
        assert!(tag.contains("src=\"./"), "inline or foreign script: <script{tag}>");
        let src = tag.split("src=\"./").nth(1).unwrap().split('"').next().unwrap();
        let res = app.client.get(app.url(&format!("/docs/{src}"))).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{src}");
    }
    assert!(!html.contains("style=\""), "no inline style attributes in the page");
    let init = app
        .client
        .get(app.url("/docs/swagger-initializer.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        init.contains("/openapi.json"),
        "the initializer is a file and loads our spec"
    );
}

#[tokio::test]
async fn hsts_only_when_served_over_https() {
    let app = TestApp::spawn_with(|s| s.public_https = true).await;
    for path in ["/healthz", "/v1/me", "/docs/"] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(
            res.headers()["strict-transport-security"],
            "max-age=31536000; includeSubDomains",
            "{path}"
        );
    }
}

#[tokio::test]
async fn over_long_targets_are_problem_documents() {
    let app = TestApp::spawn().await;
    let long = "a".repeat(20 * 1024);
    let res = app.client.get(app.url(&format!("/v1/{long}"))).send().await.unwrap();
    assert_eq!(res.headers()["content-security-policy"], API_CSP);
    let body = problem(res, 414).await;
    assert_eq!(body["type"], "/problems/uri-too-long");
    let res = app
        .client
        .get(app.url(&format!("/v1/users?cursor={long}")))
        .send()
        .await
        .unwrap();
    problem(res, 414).await;
}

#[tokio::test]
async fn refused_cors_preflights_are_problem_documents() {
    let app = TestApp::spawn_with(|s| s.cors_origins = vec!["https://dash.example".into()]).await;
    let res = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/v1/me"))
        .header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());
    assert_eq!(res.headers()["content-security-policy"], API_CSP);
    let status = res.status().as_u16();
    assert!(res.status().is_client_error(), "{status}");
    problem(res, status).await;
    // A preflight asking for a method that is not allowed, from a good origin.
    let res = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/v1/me"))
        .header("Origin", "https://dash.example")
        .header("Access-Control-Request-Method", "TRACE")
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    assert!(res.status().is_client_error(), "{status}");
    problem(res, status).await;
}
