//! Closed vocabularies as Rust enums that (de)serialise as their contract strings, map to
//! the CHECK-constrained text columns, and document themselves in the OpenAPI schema.

/// Declares a string enum: serde names, `as_str`, `FromStr`, `ALL` and a schema.
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
