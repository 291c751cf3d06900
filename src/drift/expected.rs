//! What each live resource should look like: the rendered template's properties with every
//! intrinsic (`Ref`, `Fn::GetAtt`, `Fn::Sub`) resolved against the account, the region and the
//! stack's physical ids, in the shape the readers return live resources in.

use crate::model::names::partition;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// One resource to check.
#[derive(Debug, Clone)]
pub struct Target {
    pub logical_id: String,
    pub resource_type: String,
    /// The physical id the stack lists, if it lists one.
    pub physical_id: Option<String>,
    /// The name the model gives the resource (resolved), for resources the model names.
    pub name: Option<String>,
    /// What `Ref` gives: the physical id, else what it would be from the model's name (a
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

/// Where the stack is.
#[derive(Debug, Clone)]
pub struct Place<'a> {
    pub account: &'a str,
    pub region: &'a str,
    pub stack: &'a str,
    /// Logical id -> physical id, from ListStackResources.
    pub physical: &'a BTreeMap<String, String>,
}

/// Template properties that AWS never returns, so drift cannot compare them.
const WRITE_ONLY: &[(&str, &str, &str)] = &[(
    "AWS::Athena::WorkGroup",
    "RecursiveDeleteOption",
    "write-only: it says how CloudFormation deletes the workgroup",
)];

/// The targets of every resource of `template`, and the properties nobody can compare.
pub fn targets(template: &Value, place: &Place) -> (Vec<Target>, Vec<String>) {
    let empty = Map::new();
    let resources = template["Resources"].as_object().unwrap_or(&empty);
    let r = Resolver { resources, place };
    let mut not_comparable = Vec::new();
    let mut out = Vec::new();
    for (id, res) in resources {
        let ty = res["Type"].as_str().unwrap_or_default().to_owned();
        let mut expected = r.resolve(&res["Properties"], 0);
        for (t, prop, why) in WRITE_ONLY {
            if *t == ty
                && expected
                    .as_object_mut()
                    .and_then(|m| m.remove(*prop))
                    .is_some()
            {
                not_comparable.push(format!("{id}.{prop}: {why}"));
            }
        }
        if ty == "AWS::Lambda::Function" {
            code_hash(&mut expected);
        }
        out.push(Target {
            logical_id: id.clone(),
            resource_type: ty,
            physical_id: place.physical.get(id).cloned(),
            name: r.name(id, 0),
            reference: r
                .reference(id, 0)
                .as_str()
                .filter(|s| !s.starts_with("(unknown"))
                .map(str::to_owned),
            hints: r.hints(id),
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

struct Resolver<'a> {
    resources: &'a Map<String, Value>,
    place: &'a Place<'a>,
}

/// Deep enough for any chain of references in one template; stops a cycle.
const MAX_DEPTH: usize = 8;

impl Resolver<'_> {
    fn resource_type(&self, id: &str) -> &str {
        self.resources
            .get(id)
            .and_then(|r| r["Type"].as_str())
            .unwrap_or_default()
    }

    fn unknown(id: &str) -> Value {
        json!(format!("(unknown: the stack lists no {id})"))
    }

    /// The name the model gives `id`, resolved.
    fn name(&self, id: &str, depth: usize) -> Option<String> {
        let props = &self.resources.get(id)?["Properties"];
        let v = match self.resource_type(id) {
            "AWS::S3::Bucket" => &props["BucketName"],
            "AWS::DynamoDB::Table" => &props["TableName"],
            "AWS::Lambda::Function" => &props["FunctionName"],
            "AWS::SQS::Queue" => &props["QueueName"],
            "AWS::Logs::LogGroup" => &props["LogGroupName"],
            "AWS::StepFunctions::StateMachine" => &props["StateMachineName"],
            "AWS::SNS::Topic" => &props["TopicName"],
            "AWS::Glue::Database" => &props["DatabaseInput"]["Name"],
            "AWS::Glue::Table" => &props["TableInput"]["Name"],
            "AWS::CloudWatch::Alarm" => &props["AlarmName"],
            "AWS::IAM::Role" => &props["RoleName"],
            "AWS::S3::BucketPolicy" => &props["Bucket"],
            "AWS::Scheduler::Schedule" | "AWS::Athena::WorkGroup" | "AWS::Athena::NamedQuery" => {
                &props["Name"]
            }
            _ => &Value::Null,
        };
        match self.resolve(v, depth + 1) {
            Value::String(s) if !s.starts_with("(unknown") => Some(s),
            _ => None,
        }
    }

    /// What `Ref` gives for a resource: its physical id.
    fn reference(&self, id: &str, depth: usize) -> Value {
        let p = self.place;
        match id {
            "AWS::AccountId" => return json!(p.account),
            "AWS::Region" => return json!(p.region),
            "AWS::Partition" => return json!(partition(p.region)),
            "AWS::StackName" => return json!(p.stack),
            "AWS::URLSuffix" => return json!("amazonaws.com"),
            _ => {}
        }
        if let Some(physical) = p.physical.get(id) {
            return json!(physical);
        }
        let Some(name) = self.name(id, depth) else {
            return Self::unknown(id);
        };
        let (part, region, account) = (partition(p.region), p.region, p.account);
        json!(match self.resource_type(id) {
            "AWS::SQS::Queue" => format!("https://sqs.{region}.amazonaws.com/{account}/{name}"),
            "AWS::SNS::Topic" => format!("arn:{part}:sns:{region}:{account}:{name}"),
            "AWS::StepFunctions::StateMachine" =>
                format!("arn:{part}:states:{region}:{account}:stateMachine:{name}"),
            "AWS::Athena::NamedQuery" => return Self::unknown(id),
            _ => name,
        })
    }

    fn get_att(&self, id: &str, attr: &str, depth: usize) -> Value {
        let r = self.reference(id, depth);
        let Some(r) = r.as_str().filter(|s| !s.starts_with("(unknown")) else {
            return r;
        };
        let p = self.place;
        let (part, region, account) = (partition(p.region), p.region, p.account);
        let arn = match (self.resource_type(id), attr) {
            ("AWS::Lambda::Function", "Arn") => {
                format!("arn:{part}:lambda:{region}:{account}:function:{r}")
            }
            ("AWS::IAM::Role", "Arn") => format!("arn:{part}:iam::{account}:role/{r}"),
            ("AWS::SQS::Queue", "Arn") => {
                let name = r.rsplit('/').next().unwrap_or(r);
                format!("arn:{part}:sqs:{region}:{account}:{name}")
            }
            ("AWS::Logs::LogGroup", "Arn") => {
                format!("arn:{part}:logs:{region}:{account}:log-group:{r}:*")
            }
            ("AWS::S3::Bucket", "Arn") => format!("arn:{part}:s3:::{r}"),
            ("AWS::SNS::Topic", "TopicArn") | ("AWS::StepFunctions::StateMachine", "Arn") => {
                r.to_owned()
            }
            _ => return json!(format!("(unknown: {id}.{attr})")),
        };
        json!(arn)
    }

    fn resolve(&self, v: &Value, depth: usize) -> Value {
        if depth > MAX_DEPTH {
            return json!("(unknown: references nest too deep)");
        }
        match v {
            Value::Object(m) if m.len() == 1 => {
                if let Some(Value::String(id)) = m.get("Ref") {
                    return self.reference(id, depth);
                }
                if let Some(Value::Array(a)) = m.get("Fn::GetAtt")
                    && let [Value::String(id), Value::String(attr)] = a.as_slice()
                {
                    return self.get_att(id, attr, depth);
                }
                if let Some(s) = m.get("Fn::Sub") {
                    return self.sub(s, depth);
                }
                Value::Object(
                    m.iter()
                        .map(|(k, v)| (k.clone(), self.resolve(v, depth)))
                        .collect(),
                )
            }
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), self.resolve(v, depth)))
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.iter().map(|v| self.resolve(v, depth)).collect()),
            other => other.clone(),
        }
    }

    /// `Fn::Sub`: `${Name}` (a variable, a pseudo parameter or a resource's `Ref`),
    /// `${Id.Attr}` (`Fn::GetAtt`), and `${!Literal}` (written as `${Literal}`).
    fn sub(&self, v: &Value, depth: usize) -> Value {
        let (text, vars) = match v {
            Value::String(s) => (s.as_str(), None),
            Value::Array(a) => match (a.first().and_then(Value::as_str), a.get(1)) {
                (Some(s), vars) => (s, vars.and_then(Value::as_object)),
                _ => return json!("(unknown: malformed Fn::Sub)"),
            },
            _ => return json!("(unknown: malformed Fn::Sub)"),
        };
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                rest = "";
                break;
            };
            let name = &after[..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else {
                let value = match vars.and_then(|m| m.get(name)) {
                    Some(var) => self.resolve(var, depth + 1),
                    None => match name.split_once('.') {
                        Some((id, attr)) if !name.starts_with("AWS::") => {
                            self.get_att(id, attr, depth + 1)
                        }
                        _ => self.reference(name, depth + 1),
                    },
                };
                match value {
                    Value::String(s) => out.push_str(&s),
                    other => out.push_str(&other.to_string()),
                }
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Value::String(out)
    }

    /// Readers' extra context: a topic's subscriptions the model declares.
    fn hints(&self, id: &str) -> Value {
        if self.resource_type(id) != "AWS::SNS::Topic" {
            return Value::Null;
        }
        let topic = self.reference(id, 0);
        let subscriptions: Vec<Value> = self
            .resources
            .values()
            .filter(|r| r["Type"] == "AWS::SNS::Subscription")
            .map(|r| self.resolve(&r["Properties"], 0))
            .filter(|p| p["TopicArn"] == topic)
            .map(|p| json!({ "Protocol": p["Protocol"], "Endpoint": p["Endpoint"] }))
            .collect();
        json!({ "subscriptions": subscriptions })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(physical: &BTreeMap<String, String>) -> Place<'_> {
        Place {
            account: "123456789012",
            region: "eu-west-1",
            stack: "s",
            physical,
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
