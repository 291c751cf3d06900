//! A template's intrinsics resolved to the values CloudFormation gives them where the stack
//! is: `Ref` (resources, parameters, pseudo parameters), `Fn::GetAtt … Arn`, `Fn::Sub` and
//! `Fn::Join`. A resource's value is its physical id when the stack lists one, else what its
//! type's shapes derive from its name. What cannot be known reads `(unknown: …)`, so a report
//! shows it rather than a guess.

use super::{ResourceType, partition};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Where the stack is, and what it was deployed with.
#[derive(Debug, Clone)]
pub struct Place<'a> {
    pub account: &'a str,
    pub region: &'a str,
    pub stack: &'a str,
    /// Logical id -> physical id, from ListStackResources.
    pub physical: &'a BTreeMap<String, String>,
    /// Parameter values the stack was deployed with (a parameter not given takes its
    /// `Default`).
    pub parameters: &'a BTreeMap<String, String>,
}

/// Deep enough for any chain of references in one template; stops a cycle.
const MAX_DEPTH: usize = 8;

/// `text` with the pseudo parameters that name a place (`${AWS::AccountId}`,
/// `${AWS::Region}`, `${AWS::Partition}`, `${AWS::URLSuffix}`) replaced.
pub fn pseudo_parameters(text: &str, account: &str, region: &str) -> String {
    text.replace("${AWS::Partition}", partition(region))
        .replace("${AWS::Region}", region)
        .replace("${AWS::AccountId}", account)
        .replace("${AWS::URLSuffix}", URL_SUFFIX)
}

/// True for a value the resolver could not know.
pub fn is_unknown(s: &str) -> bool {
    s.starts_with("(unknown")
}

/// Resolves the intrinsics of one template at one place.
pub struct Resolver<'a> {
    template: &'a Value,
    resources: &'a Map<String, Value>,
    place: &'a Place<'a>,
}

static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);

impl<'a> Resolver<'a> {
    pub fn new(template: &'a Value, place: &'a Place<'a>) -> Self {
        let resources = template["Resources"].as_object().unwrap_or(&EMPTY);
        Self {
            template,
            resources,
            place,
        }
    }

    /// The type of resource `id`, if the template has it and infrapipe knows the type.
    pub fn resource_type(&self, id: &str) -> Option<ResourceType> {
        self.resources
            .get(id)
            .and_then(|r| r["Type"].as_str())
            .and_then(ResourceType::parse)
    }

    /// `v` with every intrinsic resolved.
    pub fn resolve(&self, v: &Value) -> Value {
        self.value(v, 0)
    }

    /// The name the template gives `id` (its type's name property), resolved.
    pub fn name(&self, id: &str) -> Option<String> {
        self.name_at(id, 0)
    }

    /// What `Ref` gives for `id`, when it can be known.
    pub fn reference(&self, id: &str) -> Option<String> {
        match self.reference_at(id, 0) {
            Value::String(s) if !is_unknown(&s) => Some(s),
            _ => None,
        }
    }

    fn unknown(id: &str) -> Value {
        json!(format!("(unknown: the stack lists no {id})"))
    }

    /// A shape with the pseudo parameters of this place and `name` in it.
    fn shaped(&self, shape: super::Shape, name: &str) -> String {
        self.pseudo(shape.0).replace("{name}", name)
    }

    fn pseudo(&self, text: &str) -> String {
        pseudo_parameters(text, self.place.account, self.place.region)
    }

    fn name_at(&self, id: &str, depth: usize) -> Option<String> {
        let props = &self.resources.get(id)?["Properties"];
        let path = self.resource_type(id)?.facts().name_property;
        if path.is_empty() {
            return None;
        }
        let v = path.iter().fold(props, |v, k| &v[*k]);
        match self.value(v, depth + 1) {
            Value::String(s) if !is_unknown(&s) => Some(s),
            _ => None,
        }
    }

    fn reference_at(&self, id: &str, depth: usize) -> Value {
        let p = self.place;
        match id {
            "AWS::AccountId" => return json!(p.account),
            "AWS::Region" => return json!(p.region),
            "AWS::Partition" => return json!(partition(p.region)),
            "AWS::StackName" => return json!(p.stack),
            "AWS::URLSuffix" => return json!(URL_SUFFIX),
            _ => {}
        }
        if let Some(parameter) = self.template["Parameters"].get(id) {
            return match p.parameters.get(id) {
                Some(v) => json!(v),
                None => match parameter.get("Default") {
                    Some(d) => d.clone(),
                    None => json!(format!("(unknown: no value for parameter {id})")),
                },
            };
        }
        if let Some(physical) = p.physical.get(id) {
            return json!(physical);
        }
        let Some(name) = self.name_at(id, depth) else {
            return Self::unknown(id);
        };
        let Some(ty) = self.resource_type(id) else {
            return Self::unknown(id);
        };
        match ty.facts().reference {
            super::Reference::Name => json!(name),
            super::Reference::Shaped(shape) => json!(self.shaped(shape, &name)),
            super::Reference::Generated => Self::unknown(id),
        }
    }

    fn get_att(&self, id: &str, attr: &str, depth: usize) -> Value {
        let r = self.reference_at(id, depth);
        let Some(r) = r.as_str().filter(|s| !is_unknown(s)) else {
            return r;
        };
        let ty = self.resource_type(id);
        match ty.and_then(|t| t.facts().arn.map(|a| (t, a))) {
            Some((t, arn)) if arn.attribute == attr => {
                if t.reference_is_arn() {
                    json!(r)
                } else {
                    json!(self.shaped(arn.shape, t.name_in_reference(r)))
                }
            }
            _ => json!(format!("(unknown: {id}.{attr})")),
        }
    }

    fn value(&self, v: &Value, depth: usize) -> Value {
        if depth > MAX_DEPTH {
            return json!("(unknown: references nest too deep)");
        }
        match v {
            Value::Object(m) if m.len() == 1 => {
                if let Some(Value::String(id)) = m.get("Ref") {
                    return self.reference_at(id, depth);
                }
                if let Some(Value::Array(a)) = m.get("Fn::GetAtt")
                    && let [Value::String(id), Value::String(attr)] = a.as_slice()
                {
                    return self.get_att(id, attr, depth);
                }
                if let Some(s) = m.get("Fn::Sub") {
                    return self.sub(s, depth);
                }
                if let Some(j) = m.get("Fn::Join") {
                    return self.join(j, depth);
                }
                self.each(m, depth)
            }
            Value::Object(m) => self.each(m, depth),
            Value::Array(a) => Value::Array(a.iter().map(|v| self.value(v, depth)).collect()),
            other => other.clone(),
        }
    }

    fn each(&self, m: &Map<String, Value>, depth: usize) -> Value {
        Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), self.value(v, depth)))
                .collect(),
        )
    }

    /// `Fn::Join [delimiter, [values]]`; the list itself may be an intrinsic.
    fn join(&self, v: &Value, depth: usize) -> Value {
        let (Some(delimiter), Some(list)) = (v.get(0).and_then(Value::as_str), v.get(1)) else {
            return json!("(unknown: malformed Fn::Join)");
        };
        let Value::Array(items) = self.value(list, depth + 1) else {
            return json!("(unknown: malformed Fn::Join)");
        };
        let parts: Vec<String> = items
            .iter()
            .map(|i| match i {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        json!(parts.join(delimiter))
    }

    /// `Fn::Sub`: `${Name}` (a variable, a parameter, a pseudo parameter or a resource's
    /// `Ref`), `${Id.Attr}` (`Fn::GetAtt`), and `${!Literal}` (written as `${Literal}`).
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
                    Some(var) => self.value(var, depth + 1),
                    None => match name.split_once('.') {
                        Some((id, attr)) if !name.starts_with("AWS::") => {
                            self.get_att(id, attr, depth + 1)
                        }
                        _ => self.reference_at(name, depth + 1),
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
}

/// `${AWS::URLSuffix}`: the suffix of the commercial partition (what drift has always used).
const URL_SUFFIX: &str = "amazonaws.com";

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(template: &Value, v: &Value, parameters: &BTreeMap<String, String>) -> Value {
        let physical = BTreeMap::new();
        let place = Place {
            account: "123456789012",
            region: "eu-west-1",
            stack: "s",
            physical: &physical,
            parameters,
        };
        Resolver::new(template, &place).resolve(v)
    }

    #[test]
    fn a_parameter_resolves_to_its_deployed_value_else_its_default() {
        let template = json!({ "Parameters": {
            "Given": { "Type": "String", "Default": "d1" },
            "Defaulted": { "Type": "String", "Default": "d2" },
        }});
        let given = BTreeMap::from([("Given".to_owned(), "v1".to_owned())]);
        let v = json!([{ "Ref": "Given" }, { "Fn::Sub": "${Defaulted}-x" }]);
        assert_eq!(resolve(&template, &v, &given), json!(["v1", "d2-x"]));
    }

    #[test]
    fn join_resolves_each_part() {
        let template = json!({ "Resources": {
            "B": { "Type": "AWS::S3::Bucket", "Properties": { "BucketName": "b" } },
        }});
        let v = json!({ "Fn::Join": ["/", [{ "Fn::GetAtt": ["B", "Arn"] }, { "Ref": "AWS::Region" }]] });
        assert_eq!(
            resolve(&template, &v, &BTreeMap::new()),
            json!("arn:aws:s3:::b/eu-west-1")
        );
    }

    #[test]
    fn a_generated_reference_is_unknown() {
        let template = json!({ "Resources": {
            "Q": { "Type": "AWS::Athena::NamedQuery", "Properties": { "Name": "q" } },
        }});
        let v = resolve(&template, &json!({ "Ref": "Q" }), &BTreeMap::new());
        assert!(v.as_str().is_some_and(is_unknown));
    }
}
