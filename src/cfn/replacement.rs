//! Which property changes make CloudFormation replace a resource: each type's `create_only`
//! paths (`ResourceType::facts`), matched at path boundaries.

use super::ResourceType;

/// True when changing `path` (dotted, with `[i]` for list items) replaces a `resource_type`.
/// Unknown types are assumed not to replace: the plan then says "update", and `--change-set`
/// shows CloudFormation's own verdict.
pub fn forces_replacement(resource_type: &str, path: &str) -> bool {
    let Some(ty) = ResourceType::parse(resource_type) else {
        return false;
    };
    ty.facts().create_only.iter().any(|p| {
        path == *p
            || path
                .strip_prefix(p)
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_key_schema_forces_replacement() {
        assert!(forces_replacement(
            "AWS::DynamoDB::Table",
            "KeySchema[1].AttributeName"
        ));
    }

    #[test]
    fn alarm_threshold_does_not() {
        assert!(!forces_replacement("AWS::CloudWatch::Alarm", "Threshold"));
    }

    #[test]
    fn prefix_must_end_at_a_path_boundary() {
        assert!(!forces_replacement("AWS::S3::Bucket", "BucketNameSuffix"));
    }

    #[test]
    fn unknown_types_never_replace() {
        assert!(!forces_replacement("AWS::EC2::Instance", "ImageId"));
    }
}
