//! Encryption at rest, tried as an attacker with a copy of the database would: no client
//! detail readable, no token or cursor forgeable, ciphertext useless in another row; and
//! the operator's side: a malformed key ring stops the process, `rekey` rotates keys.

use std::process::{Command, Output, Stdio};

use casework_domain::{case::protect, cursor::CursorCodec};
use casework_tests::{KEYRING, NEXT_KEYRING, TestApp, field_errors, fixtures::with, pairs, problem, processes::binary};
use ed25519_dalek::pkcs8::DecodePrivateKey;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

const NAME: &str = "Quintessa Marlowe-Vance";
const EMAIL: &str = "quintessa.vance@mail.example";
const PHONE: &str = "+1 604 555 0199";
const SAFE_NOTES: &str = "Only after 5pm, never at work";
const NOTE: &str = "Client fears her cousin Bartholomew shared it";
const DESCRIPTION: &str = "Screenshot naming her employer Zephyrine Holdings";
const EVIDENCE_URL: &str = "https://leak.example/p/unique-99317";
const POSTER: &str = "@xandrovic_posts";

/// A case with every kind of client detail, a note and evidence, created with an
/// Idempotency-Key (so the stored response holds them too). Returns (token, case id).
async fn lifecycle(app: &TestApp) -> (String, String) {
    let (_, _, cw) = app.staff("caseworker").await;
    let body = with(
        &casework_tests::fixtures::adult_case(),
        &json!({"client": {"name": NAME, "preferred_name": "Quin", "contact": {
            "email": EMAIL, "phone": PHONE, "preferred_channel": "email",
            "safe_to_leave_message": false, "safe_contact_notes": SAFE_NOTES}},
            "summary": "Images shared by her former partner"}),
    );
    let res = app
        .client
        .post(app.url("/v1/cases"))
        .bearer_auth(&cw)
        .header("Idempotency-Key", "enc-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let case: Value = res.json().await.unwrap();
    let id = case["id"].as_str().unwrap().to_owned();
    let res = app
        .post_json(
            &format!("/v1/cases/{id}/notes"),
            &cw,
            &json!({"kind": "note", "body": NOTE}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let evidence = json!({
        "kind": "screenshot", "site": "Instagram", "captured_at": "2026-11-23T16:00:00Z",
        "description": DESCRIPTION, "url": EVIDENCE_URL, "poster": POSTER,
    });
    let res = app.post_json(&format!("/v1/cases/{id}/evidence"), &cw, &evidence).await;
    assert_eq!(res.status(), 201);
    (cw, id)
}

fn run(bin: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(binary(bin));
    cmd.args(args)
        .env_remove("CASEWORK_KEYRING")
        .env_remove("CASEWORK_KEYRING_FILE")
        .env("CASEWORK_LOG_FORMAT", "pretty")
        .env("RUST_LOG", "error")
        .env("CASEWORK_DB_STARTUP_TIMEOUT_SECS", "1")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the binary runs")
}

#[tokio::test]
async fn a_dump_of_the_database_holds_no_client_detail() {
    let app = TestApp::spawn().await;
    let (cw, id) = lifecycle(&app).await;
    let case: Value = app.get(&format!("/v1/cases/{id}"), &cw).await.json().await.unwrap();
    assert_eq!(case["client"]["name"], NAME, "the API still reads it");
    let dump = Command::new("pg_dump")
        .arg(&app.db.url)
        .output()
        .expect("pg_dump is on PATH");
    assert!(dump.status.success(), "{}", String::from_utf8_lossy(&dump.stderr));
    let dump = String::from_utf8_lossy(&dump.stdout);
    assert!(dump.contains("case_notes"), "a real dump");
    let evidence: Value = app
        .get(&format!("/v1/cases/{id}/evidence"), &cw)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(evidence["items"][0]["url"], EVIDENCE_URL);
    assert_eq!(evidence["items"][0]["poster"], POSTER);
    for secret in [
        "unique-99317",
        "xandrovic",
        NAME,
        "Quintessa",
        EMAIL,
        PHONE,
        SAFE_NOTES,
        NOTE,
        "Bartholomew",
        DESCRIPTION,
    ] {
        assert!(!dump.contains(secret), "the dump shows {secret:?}");
    }
}

/// The attack of issue 19: the stored signing key and HMAC secrets are useless without the
/// key ring. Each forgery is shown to work with the ring, so the test could tell.
#[tokio::test]
async fn a_copy_of_the_tables_mints_no_token_and_no_cursor() {
    let app = TestApp::spawn().await;
    let (cw, _) = lifecycle(&app).await;
    app.create_adult_case(&cw).await;
    let admin = app.admin_token().await;
    let me: Value = app.get("/v1/me", &admin).await.json().await.unwrap();

    // Tokens: whatever the stolen bytes are taken for, the signature does not verify.
    let (kid, stored): (String, Vec<u8>) =
        sqlx::query_as("SELECT kid, private_pkcs8 FROM signing_keys WHERE private_pkcs8 IS NOT NULL")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let now = app.clock.now().as_second();
    let claims = json!({
        "iss": app.settings.issuer, "aud": app.settings.audience, "sub": me["id"],
        "exp": now + 600, "iat": now, "nbf": now, "jti": "forged", "client_id": "x", "role": "admin",
    });
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(kid.clone());
    header.typ = Some("at+jwt".into());
    let mint = |der: &[u8]| jsonwebtoken::encode(&header, &claims, &EncodingKey::from_ed_der(der)).ok();
    // The stored bytes, and every tail of them that could hide a raw key or a DER.
    let mut candidates: Vec<&[u8]> = vec![&stored];
    candidates.extend((1..stored.len().saturating_sub(32)).map(|i| &stored[i..]));
    assert!(
        candidates
            .iter()
            .all(|c| ed25519_dalek::SigningKey::from_pkcs8_der(c).is_err()),
        "no PKCS#8 key in the stored bytes"
    );
    for token in candidates.iter().filter_map(|c| mint(c)).take(3) {
        assert_eq!(app.get("/v1/me", &token).await.status(), 401);
    }
    let opened = protect::open_bytes(&stored, &protect::SIGNING_KEY_PRIVATE.at(&kid)).unwrap();
    let token = mint(&opened).unwrap();
    assert_eq!(
        app.get("/v1/me", &token).await.status(),
        200,
        "with the ring, it would work"
    );

    // Cursors: re-signing a real cursor's position with the stored secret is refused.
    let page: Value = app.get("/v1/cases?limit=1", &cw).await.json().await.unwrap();
    let cursor = page["next_cursor"].as_str().unwrap();
    let (body, _) = cursor.split_once('.').unwrap();
    let body = casework_domain::crypto::unb64(body).unwrap();
    let envelope: Value = serde_json::from_slice(&body).unwrap();
    let kind = envelope["k"].as_str().unwrap();
    let stored: Vec<u8> = sqlx::query_scalar("SELECT secret FROM app_secrets WHERE name = 'cursor_hmac'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let list = |cursor: String| {
        app.client
            .get(app.url("/v1/cases"))
            .query(&[("cursor", cursor)])
            .bearer_auth(&cw)
            .send()
    };
    let forged = CursorCodec::new(stored.clone()).encode(kind, &envelope["p"]);
    let p = problem(list(forged).await.unwrap(), 422).await;
    assert_eq!(field_errors(&p), pairs(&[("cursor", "invalid_cursor")]));
    let key = protect::open_bytes(&stored, &protect::APP_SECRET.at("cursor_hmac")).unwrap();
    let with_ring = CursorCodec::new(key).encode(kind, &envelope["p"]);
    assert_eq!(
        list(with_ring).await.unwrap().status(),
        200,
        "with the ring, it would work"
    );
}

#[tokio::test]
async fn ciphertext_moved_to_another_row_fails_loudly_without_leaking() {
    let app = TestApp::spawn().await;
    let (cw, victim) = lifecycle(&app).await;
    let (_, _, other) = app.staff("caseworker").await;
    let decoy = app.create_adult_case(&other).await;
    let res = sqlx::query(
        "UPDATE cases SET client_sealed = (SELECT client_sealed FROM cases WHERE id = $1::uuid) WHERE id = $2::uuid",
    )
    .bind(&victim)
    .bind(&decoy)
    .execute(&app.pool)
    .await
    .unwrap();
    assert_eq!(res.rows_affected(), 1);

    let res = app.get(&format!("/v1/cases/{decoy}"), &other).await;
    assert_eq!(res.status(), 500);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body = res.text().await.unwrap();
    for leak in [NAME, EMAIL, "sealed", "decrypt", "client_sealed"] {
        assert!(!body.contains(leak), "the 500 says {leak:?}: {body}");
    }
    // The row it came from still reads.
    let case: Value = app.get(&format!("/v1/cases/{victim}"), &cw).await.json().await.unwrap();
    assert_eq!(case["client"]["name"], NAME);
}

#[tokio::test]
async fn a_malformed_key_ring_stops_each_process_with_a_clear_message() {
    let nowhere = [("DATABASE_URL", "postgres://postgres@127.0.0.1:1/none")];
    let cases = [
        (
            "test:not*base64",
            "CASEWORK_KEYRING: key ring entry 1 (test): the key is not valid base64",
        ),
        (
            "justakey",
            "CASEWORK_KEYRING: key ring entry 1: expected `id:base64key`",
        ),
        (
            "a:AAECAwQ=",
            "CASEWORK_KEYRING: key ring entry 1 (a): the key is 5 bytes",
        ),
    ];
    for (ring, message) in cases {
        for (bin, args) in [
            ("casework-api", &["migrate"][..]),
            ("casework-api", &[][..]),
            ("casework-worker", &[][..]),
        ] {
            let out = run(bin, args, &[nowhere[0], ("CASEWORK_KEYRING", ring)]);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!out.status.success(), "{bin} {args:?} started with {ring:?}");
            assert!(stderr.contains(message), "{bin} {args:?}: {stderr}");
            assert!(stderr.contains("loading the key ring"), "{bin}: {stderr}");
        }
    }
    let out = run(
        "casework-api",
        &[],
        &[nowhere[0], ("CASEWORK_KEYRING_FILE", "/nonexistent/keyring")],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("reading the key ring file /nonexistent/keyring"));
}

#[tokio::test]
async fn rekey_moves_everything_under_the_new_key_and_the_old_one_can_go() {
    let app = TestApp::spawn().await;
    let (cw, id) = lifecycle(&app).await;
    let db = ("DATABASE_URL", app.db.url.as_str());

    // Before: the new key alone opens nothing.
    let out = run(
        "casework-api",
        &["rekey", "--check"],
        &[db, ("CASEWORK_KEYRING", NEXT_KEYRING)],
    );
    assert!(!out.status.success());

    // A case written before client lookups existed has no blind indexes yet.
    sqlx::query("UPDATE cases SET client_email_index = NULL, client_phone_index = NULL, client_name_index = NULL")
        .execute(&app.pool)
        .await
        .unwrap();
    let found = |query: &'static str| {
        let (app, cw) = (&app, &cw);
        async move {
            let page: Value = app
                .client
                .get(app.url("/v1/cases"))
                .query(&[("client_phone", query)])
                .bearer_auth(cw)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            page["items"].as_array().unwrap().len()
        }
    };
    assert_eq!(found(PHONE).await, 0);

    // `next` first: it becomes the primary, `test` still opens what it sealed.
    let rotated = format!("{NEXT_KEYRING},{}", KEYRING.split(',').next().unwrap());
    let out = run("casework-api", &["rekey"], &[db, ("CASEWORK_KEYRING", &rotated)]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("cases.client_*_index: 1 recomputed"), "{stdout}");
    // The index key did not rotate: the service finds the client again.
    assert_eq!(found(PHONE).await, 1);
    assert!(stdout.contains("cases.client_sealed: 1 re-sealed"), "{stdout}");
    assert!(stdout.contains("case_notes.body_sealed: 1 re-sealed"), "{stdout}");
    assert!(stdout.contains("idempotency_keys.response_body: "), "{stdout}");
    assert!(!stdout.contains("idempotency_keys.response_body: 0 "), "{stdout}");
    assert!(stdout.contains("everything is sealed under next"), "{stdout}");

    // After: the new key alone opens everything, and a second run has nothing to do.
    let out = run(
        "casework-api",
        &["rekey", "--check"],
        &[db, ("CASEWORK_KEYRING", NEXT_KEYRING)],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("cases.client_sealed: 1 open"), "{stdout}");
    let out = run("casework-api", &["rekey"], &[db, ("CASEWORK_KEYRING", NEXT_KEYRING)]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("cases.client_sealed: 0 re-sealed"), "{stdout}");
    assert!(stdout.contains("cases.client_*_index: 0 recomputed"), "{stdout}");
    assert_eq!(found("+1-604-555-0199").await, 1);

    // The running service (whose ring has both keys) reads on.
    let case: Value = app.get(&format!("/v1/cases/{id}"), &cw).await.json().await.unwrap();
    assert_eq!(case["client"]["name"], NAME);
    assert_eq!(case["client"]["contact"]["phone"], PHONE);
}

#[test]
fn keygen_prints_a_ring_entry() {
    let out = run("casework-api", &["keygen", "--id", "2027-01"], &[]);
    assert!(out.status.success());
    let entry = String::from_utf8_lossy(&out.stdout);
    let ring = casework_domain::keyring::KeyRing::parse(entry.trim()).unwrap();
    assert_eq!(ring.ids(), ["2027-01"]);
}
