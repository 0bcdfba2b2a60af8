//! Closed vocabularies as Rust enums that (de)serialise as their contract strings, map to
//! the CHECK-constrained text columns, and document themselves in the OpenAPI schema.

/// Declares a string enum: serde names, `as_str`, `FromStr`, `ALL`, a schema, and decoding
/// from its CHECK-constrained text column (so a query can read it straight into the type
/// with `AS "column: Type"`; an unknown value is a decode error naming the type).
///
/// The wire strings are taken as `tt`, not `literal`: a `literal` fragment reaches derive
/// macros wrapped in an invisible group, which utoipa does not read, and the schema then
/// documented the Rust variant names instead of the wire values.
#[macro_export]
macro_rules! string_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:tt),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = ();
            fn from_str(s: &str) -> Result<Self, ()> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl sqlx::Type<sqlx::Postgres> for $name {
            fn type_info() -> sqlx::postgres::PgTypeInfo {
                <&str as sqlx::Type<sqlx::Postgres>>::type_info()
            }

            fn compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
                <&str as sqlx::Type<sqlx::Postgres>>::compatible(ty)
            }
        }

        impl sqlx::postgres::PgHasArrayType for $name {
            fn array_type_info() -> sqlx::postgres::PgTypeInfo {
                <&str as sqlx::postgres::PgHasArrayType>::array_type_info()
            }
        }

        impl<'r> sqlx::Decode<'r, sqlx::Postgres> for $name {
            fn decode(value: sqlx::postgres::PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <&str as sqlx::Decode<sqlx::Postgres>>::decode(value)?;
                text.parse()
                    .map_err(|()| format!("unexpected value `{text}` for {}", stringify!($name)).into())
            }
        }
    };
}

/// Parses a value read from a CHECK-constrained column.
///
/// # Errors
/// A decode error naming the column when the value is unknown to this build.
pub fn from_column<T: std::str::FromStr>(column: &str, value: &str) -> Result<T, sqlx::Error> {
    value
        .parse()
        .map_err(|_| sqlx::Error::Decode(format!("unexpected value `{value}` in {column}").into()))
}
