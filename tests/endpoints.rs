//! One helper per case endpoint on [`TestApp`], so tests read like the contract.

use reqwest::{Response, StatusCode};
use serde_json::Value;

use crate::TestApp;

impl TestApp {
    /// `POST /v1/cases`.
    pub async fn post_case(&self, token: &str, body: &Value) -> Response {
        self.post_json("/v1/cases", token, body).await
    }

    /// Opens a case (asserting 201) and returns it.
    ///
    /// # Panics
    /// When the case is not created.
    pub async fn create_case(&self, token: &str, body: &Value) -> Value {
        let res = self.post_case(token, body).await;
        let status = res.status();
        let case: Value = res.json().await.expect("json");
        assert_eq!(status, StatusCode::CREATED, "{case}");
        case
    }

    /// Opens an adult case and returns its id.
    ///
    /// # Panics
    /// When the case is not created.
    pub async fn create_adult_case(&self, token: &str) -> String {
        self.create_case(token, &crate::fixtures::adult_case()).await["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }

    /// `PATCH /v1/cases/{id}` with an optional `If-Match`.
    pub async fn patch_case(&self, token: &str, id: &str, if_match: Option<&str>, body: &Value) -> Response {
        let mut req = self
            .client
            .patch(self.url(&format!("/v1/cases/{id}")))
            .bearer_auth(token)
            .json(body);
        if let Some(tag) = if_match {
            req = req.header("If-Match", tag);
        }
        req.send().await.expect("request")
    }

    /// `POST /v1/cases/{id}/transitions` with an optional `If-Match`.
    pub async fn transition_case(&self, token: &str, id: &str, body: &Value, if_match: Option<&str>) -> Response {
        let mut req = self
            .client
            .post(self.url(&format!("/v1/cases/{id}/transitions")))
            .bearer_auth(token)
            .json(body);
        if let Some(tag) = if_match {
            req = req.header("If-Match", tag);
        }
        req.send().await.expect("request")
    }

    /// `PUT /v1/cases/{id}/assignment`.
    pub async fn assign_case(&self, token: &str, id: &str, body: &Value) -> Response {
        self.client
            .put(self.url(&format!("/v1/cases/{id}/assignment")))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// `POST /v1/cases/{id}/<record>` (notes, referrals, consents, evidence).
    pub async fn add_case_record(&self, token: &str, id: &str, record: &str, body: &Value) -> Response {
        self.post_json(&format!("/v1/cases/{id}/{record}"), token, body).await
    }

    /// `GET /v1/cases/{id}/<list>` (notes, referrals, consents, evidence, timeline).
    pub async fn list_case_records(&self, token: &str, id: &str, list: &str) -> Response {
        self.get(&format!("/v1/cases/{id}/{list}"), token).await
    }
}
