//! One helper per claim, order and legal-parameter endpoint on [`TestApp`], and the bodies
//! those tests share, so that tests read like the contract (§6).

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::TestApp;

/// A BC protection-order claim against an individual and an internet intermediary, filed,
/// the (adult) client applying.
#[must_use]
pub fn crt_claim(case_id: &str) -> Value {
    json!({
        "case_id": case_id,
        "forum": "crt_bc",
        "kind": "protection_order",
        "applicant": {"kind": "client"},
        "filed_at": "2026-10-01T10:00:00-07:00",
        "respondents": [
            {"kind": "individual", "name": "Sam Roe", "is_minor": false},
            {"kind": "internet_intermediary", "name": "Example Site Inc.", "is_minor": false}
        ]
    })
}

/// An order on `claim` binding each of `respondents` (issued 2026-10-21, due 2026-10-28
/// 23:59 Vancouver time).
#[must_use]
pub fn order_for(claim: &str, respondents: &[&str]) -> Value {
    let bindings: Vec<Value> = respondents
        .iter()
        .map(|r| json!({"respondent_id": r, "comply_by": COMPLY_BY}))
        .collect();
    json!({
        "claim_id": claim,
        "order_reference": "CRT-IIP-2026-0042",
        "issued_at": "2026-10-21T09:00:00-07:00",
        "terms": ["stop_distribution", "delete_copies", "remove_from_platform"],
        "bindings": bindings
    })
}

/// The deadline [`order_for`] sets.
pub const COMPLY_BY: &str = "2026-10-28T23:59:00-07:00";

impl TestApp {
    /// Reads a response's JSON body, asserting its status.
    ///
    /// # Panics
    /// When the status differs.
    pub async fn expect(res: Response, status: StatusCode) -> Value {
        let got = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert_eq!(got, status, "{body}");
        body
    }

    /// `POST /v1/claims`.
    pub async fn post_claim(&self, token: &str, body: &Value) -> Response {
        self.post_json("/v1/claims", token, body).await
    }

    /// Opens a claim (asserting 201) and returns it.
    ///
    /// # Panics
    /// When the claim is not created.
    pub async fn create_claim(&self, token: &str, body: &Value) -> Value {
        Self::expect(self.post_claim(token, body).await, StatusCode::CREATED).await
    }

    /// `POST /v1/claims/{id}/transitions`.
    pub async fn transition_claim(&self, token: &str, id: &str, body: &Value) -> Response {
        self.post_json(&format!("/v1/claims/{id}/transitions"), token, body)
            .await
    }

    /// A filed BC claim on `case` (see [`crt_claim`]) decided with `outcome` on 2026-10-20.
    ///
    /// # Panics
    /// When a step fails.
    pub async fn decided_claim(&self, token: &str, case: &str, outcome: &str) -> Value {
        let claim = self.create_claim(token, &crt_claim(case)).await;
        let id = claim["id"].as_str().expect("id");
        let body = json!({"to": "decided", "outcome": outcome, "occurred_at": "2026-10-20T10:00:00-07:00"});
        Self::expect(self.transition_claim(token, id, &body).await, StatusCode::OK).await
    }

    /// `POST /v1/orders`.
    pub async fn post_order(&self, token: &str, body: &Value) -> Response {
        self.post_json("/v1/orders", token, body).await
    }

    /// Records an order (asserting 201) and returns it.
    ///
    /// # Panics
    /// When the order is not created.
    pub async fn create_order(&self, token: &str, body: &Value) -> Value {
        Self::expect(self.post_order(token, body).await, StatusCode::CREATED).await
    }

    /// A granted BC claim on `case` and an order binding both its respondents.
    ///
    /// # Panics
    /// When a step fails.
    pub async fn granted_order(&self, token: &str, case: &str) -> (Value, Value) {
        let claim = self.decided_claim(token, case, "granted").await;
        let rs: Vec<&str> = claim["respondents"]
            .as_array()
            .expect("respondents")
            .iter()
            .map(|r| r["id"].as_str().expect("id"))
            .collect();
        let order = self
            .create_order(token, &order_for(claim["id"].as_str().expect("id"), &rs))
            .await;
        (claim, order)
    }

    /// `POST /v1/orders/{id}/bindings/{binding}/service`.
    pub async fn serve_binding(&self, token: &str, order: &str, binding: &str, body: &Value) -> Response {
        self.post_json(&format!("/v1/orders/{order}/bindings/{binding}/service"), token, body)
            .await
    }

    /// `POST /v1/orders/{id}/bindings/{binding}/compliance`.
    pub async fn record_compliance(&self, token: &str, order: &str, binding: &str, body: &Value) -> Response {
        self.post_json(
            &format!("/v1/orders/{order}/bindings/{binding}/compliance"),
            token,
            body,
        )
        .await
    }

    /// Records the client's consent to contact respondents, given 2026-10-01.
    ///
    /// # Panics
    /// When it is refused.
    pub async fn consent_to_respondent_contact(&self, token: &str, case: &str) {
        let body = json!({"scope": "respondent_contact", "given_at": "2026-10-01T00:00:00Z"});
        Self::expect(
            self.add_case_record(token, case, "consents", &body).await,
            StatusCode::CREATED,
        )
        .await;
    }

    /// `GET /v1/orders/{id}/penalty-exposure[?as_of=]`.
    pub async fn penalty_exposure(&self, token: &str, order: &str, as_of: Option<&str>) -> Response {
        let mut req = self
            .client
            .get(self.url(&format!("/v1/orders/{order}/penalty-exposure")))
            .bearer_auth(token);
        if let Some(a) = as_of {
            req = req.query(&[("as_of", a)]);
        }
        req.send().await.expect("request")
    }
}
