use crate::model::Schema;

/// Renders a model as schema-file text (the inverse of [`super::parse`]).
pub fn write(schema: &Schema) -> String {
    let _ = schema;
    String::new()
}
