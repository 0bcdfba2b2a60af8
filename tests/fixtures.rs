//! Request bodies the tests share, in one place.

use serde_json::{Value, json};

/// The smallest valid case: an adult (30), shared images, in BC.
#[must_use]
pub fn adult_case() -> Value {
    json!({
        "client": {
            "name": "Alex Doe",
            "age_group": "adult",
            "age": 30,
            "contact": {"preferred_channel": "none", "safe_to_leave_message": false},
            "guardian_involvement": "not_applicable"
        },
        "situation": "shared",
        "jurisdiction": "bc"
    })
}

/// An adult case whose client is called `name`.
#[must_use]
pub fn adult_case_named(name: &str) -> Value {
    with(&adult_case(), &json!({"client": {"name": name}}))
}

/// A youth whose guardian involvement is still undecided (`None`: age not recorded).
#[must_use]
pub fn youth_case(age: Option<u8>) -> Value {
    with(
        &adult_case(),
        &json!({"client": {"age_group": "youth", "age": age, "guardian_involvement": "undecided"}}),
    )
}

/// `base` with an RFC 7396 merge patch applied (`null` removes a key).
#[must_use]
pub fn with(base: &Value, patch: &Value) -> Value {
    fn merge(target: &mut Value, patch: &Value) {
        let Value::Object(p) = patch else {
            *target = patch.clone();
            return;
        };
        if !target.is_object() {
            *target = json!({});
        }
        if let Some(t) = target.as_object_mut() {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
    }
    let mut out = base.clone();
    merge(&mut out, patch);
    out
}
