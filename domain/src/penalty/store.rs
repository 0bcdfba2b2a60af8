//! Reading the law table (`legal_parameters`). It is small and read whole: the domain picks
//! the value in force on a date ([`super::LegalParameters::in_force`]).

use sqlx::PgConnection;

use super::{LegalParameter, LegalParameters, ParameterUnit};
use crate::timestamp::DbDate;

/// A dated value with what it is and where it comes from (for `GET /v1/legal-parameters`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalParameterRow {
    pub parameter: LegalParameter,
    pub unit: ParameterUnit,
    pub description: String,
    pub source: String,
}

/// Every row, by key then effective date.
#[tracing::instrument(skip_all)]
pub async fn rows(conn: &mut PgConnection) -> Result<Vec<LegalParameterRow>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT key, effective_from AS "effective_from: DbDate", value, unit AS "unit: ParameterUnit", description,
                  source
           FROM legal_parameters ORDER BY key, effective_from"#
    )
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(LegalParameterRow {
                parameter: LegalParameter {
                    key: r.key,
                    effective_from: r
                        .effective_from
                        .to_civil()
                        .ok_or_else(|| sqlx::Error::Decode("legal_parameters.effective_from out of range".into()))?,
                    value: r.value,
                },
                unit: r.unit,
                description: r.description,
                source: r.source,
            })
        })
        .collect()
}

/// The whole law table, for the domain's arithmetic.
#[tracing::instrument(skip_all)]
pub async fn load(conn: &mut PgConnection) -> Result<LegalParameters, sqlx::Error> {
    Ok(LegalParameters(
        rows(conn).await?.into_iter().map(|r| r.parameter).collect(),
    ))
}
