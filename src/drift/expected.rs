//! What each live resource should look like: the template's properties with every intrinsic
//! resolved (by the core's `cfn::resolve`) against the account, the region, the stack's
//! physical ids and parameters, in the shape the readers return live resources in.

use crate::cfn::ResourceType;
pub use crate::cfn::resolve::Place;
use crate::cfn::resolve::Resolver;
use serde_json::{Map, Value, json};

/// One resource to check.
#[derive(Debug, Clone)]
pub struct Target {
    pub logical_id: String,
    pub resource_type: String,
    /// The physical id the stack lists, if it lists one.
    pub physical_id: Option<String>,
    /// The name the template gives the resource (its type's name property, resolved).
    pub name: Option<String>,
    /// What `Ref` gives: the physical id, else what its type's shape makes of the name (a
    /// topic's or state machine's ARN, a queue's URL).
    pub reference: Option<String>,
    /// The properties the model sets, resolved.
    pub expected: Value,
    /// What a reader needs beyond the resource's own properties (a topic's subscriptions).
    pub hints: Value,
}

impl Target {
    /// The id to show: the stack's physical id, else the model's name.
    pub fn shown_id(&self) -> Option<String> {
        self.physical_id.clone().or_else(|| self.name.clone())
    }

    /// The physical id, else the model's name: how the readers find the resource.
    pub fn id(&self) -> Option<&str> {
        self.physical_id.as_deref().or(self.name.as_deref())
    }
}

/// The targets of every resource of `template`, and the properties nobody can compare.
pub fn targets(template: &Value, place: &Place) -> (Vec<Target>, Vec<String>) {
    let empty = Map::new();
    let resources = template["Resources"].as_object().unwrap_or(&empty);
    let r = Resolver::new(template, place);
    let mut not_comparable = Vec::new();
    let mut out = Vec::new();
    for (id, res) in resources {
        let ty = res["Type"].as_str().unwrap_or_default().to_owned();
        let mut expected = r.resolve(&res["Properties"]);
        let known = ResourceType::parse(&ty);
        let write_only = known.map_or(&[][..], |t| t.facts().write_only);
        for (prop, why) in write_only {
            if expected
                .as_object_mut()
                .and_then(|m| m.remove(*prop))
                .is_some()
            {
                not_comparable.push(format!("{id}.{prop}: {why}"));
            }
        }
        if known == Some(ResourceType::LambdaFunction) {
            code_hash(&mut expected);
        }
        out.push(Target {
            logical_id: id.clone(),
            resource_type: ty,
            physical_id: place.physical.get(id).cloned(),
            name: r.name(id),
            reference: r.reference(id),
            hints: hints(&r, resources, id),
            expected,
        });
    }
    (out, not_comparable)
}

/// Lambda returns the code's SHA-256 (base64), never its S3 location: compare that. The model
/// names the zip by the hex SHA-256 of the same bytes (`package.rs`).
fn code_hash(props: &mut Value) {
    let Some(m) = props.as_object_mut() else {
        return;
    };
    let key = m
        .get("Code")
        .and_then(|c| c.get("S3Key"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    m.remove("Code");
    let sha = key
        .as_deref()
        .and_then(hex_sha_of_key)
        .and_then(hex_to_base64);
    m.insert(
        "CodeSha256".into(),
        match sha {
            Some(s) => json!(s),
            None => json!(format!(
                "(the code key {} names no SHA-256)",
                key.unwrap_or_default()
            )),
        },
    );
}

/// `infrapipe/collector-<64 hex>.zip` -> the hex.
pub fn hex_sha_of_key(key: &str) -> Option<&str> {
    let stem = key.strip_suffix(".zip")?;
    let hex = stem.rsplit('-').next()?;
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(hex)
}

/// Hex digits -> the base64 of the bytes they spell (how Lambda reports CodeSha256).
pub fn hex_to_base64(hex: &str) -> Option<String> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect();
    Some(aws_smithy_types::base64::encode(bytes?))
}

/// Readers' extra context: a topic's subscriptions the template declares.
fn hints(r: &Resolver, resources: &Map<String, Value>, id: &str) -> Value {
    if r.resource_type(id) != Some(ResourceType::SnsTopic) {
        return Value::Null;
    }
    let topic = r.resolve(&json!({ "Ref": id }));
    let subscriptions: Vec<Value> = resources
        .values()
        .filter(|res| res["Type"] == ResourceType::SnsSubscription.name())
        .map(|res| r.resolve(&res["Properties"]))
        .filter(|p| p["TopicArn"] == topic)
        .map(|p| json!({ "Protocol": p["Protocol"], "Endpoint": p["Endpoint"] }))
        .collect();
    json!({ "subscriptions": subscriptions })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    static NO_PARAMETERS: BTreeMap<String, String> = BTreeMap::new();

    fn place(physical: &BTreeMap<String, String>) -> Place<'_> {
        Place {
            account: "123456789012",
            region: "eu-west-1",
            stack: "s",
            physical,
            parameters: &NO_PARAMETERS,
        }
    }

    #[test]
    fn code_hash_is_the_base64_of_the_key_hex() {
        // sha256("") in hex and in base64.
        let hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(
            hex_to_base64(hex).as_deref(),
            Some("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
        );
        assert_eq!(
            hex_sha_of_key(&format!("infrapipe/log_processor-{hex}.zip")),
            Some(hex)
        );
        assert_eq!(hex_sha_of_key("infrapipe/collector.zip"), None);
    }

    #[test]
    fn intrinsics_resolve_against_physical_ids_then_model_names() {
        let template = json!({ "Resources": {
            "Q": { "Type": "AWS::SQS::Queue", "Properties": { "QueueName": "q" } },
            "R": { "Type": "AWS::IAM::Role", "Properties": {} },
            "F": { "Type": "AWS::Lambda::Function", "Properties": {
                "FunctionName": "f",
                "Role": { "Fn::GetAtt": ["R", "Arn"] },
                "DeadLetterConfig": { "TargetArn": { "Fn::GetAtt": ["Q", "Arn"] } },
                "Code": { "S3Key": "k.zip" },
                "Environment": { "Variables": {
                    "B": { "Fn::Sub": "b-${AWS::AccountId}-${AWS::Region}/${!year}" },
                    "S": { "Fn::Sub": ["x ${V} ${F.Arn}", { "V": { "Ref": "Q" } }] },
                } },
            } },
        }});
        let physical = BTreeMap::from([("R".to_owned(), "s-R-ABC".to_owned())]);
        let (targets, _) = targets(&template, &place(&physical));
        let f = targets.iter().find(|t| t.logical_id == "F").expect("F");
        assert_eq!(f.name.as_deref(), Some("f"));
        assert_eq!(f.expected["Role"], "arn:aws:iam::123456789012:role/s-R-ABC");
        assert_eq!(
            f.expected["DeadLetterConfig"]["TargetArn"],
            "arn:aws:sqs:eu-west-1:123456789012:q"
        );
        assert_eq!(
            f.expected["Environment"]["Variables"]["B"],
            "b-123456789012-eu-west-1/${year}"
        );
        assert_eq!(
            f.expected["Environment"]["Variables"]["S"],
            "x https://sqs.eu-west-1.amazonaws.com/123456789012/q arn:aws:lambda:eu-west-1:123456789012:function:f"
        );
    }

    #[test]
    fn a_role_the_stack_does_not_list_resolves_to_unknown() {
        let template = json!({ "Resources": {
            "R": { "Type": "AWS::IAM::Role", "Properties": {} },
            "F": { "Type": "AWS::Lambda::Function", "Properties": { "Role": { "Fn::GetAtt": ["R", "Arn"] } } },
        }});
        let physical = BTreeMap::new();
        let (targets, _) = targets(&template, &place(&physical));
        let f = targets.iter().find(|t| t.logical_id == "F").expect("F");
        assert!(
            f.expected["Role"]
                .as_str()
                .is_some_and(|s| s.starts_with("(unknown"))
        );
    }
}
