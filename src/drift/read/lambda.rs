//! Lambda functions (configuration, code hash, reserved concurrency, layers) and the
//! permissions in their resource policies.

use super::{Problem, Read, expected_str, id, problem, put};
use crate::aws::Aws;
use crate::drift::expected::Target;
use serde_json::{Map, Value, json};

const NO_FUNCTION: &[&str] = &["ResourceNotFoundException"];

pub async fn function(aws: &Aws, t: &Target) -> Read {
    let name = id(t)?;
    let lambda = aws.lambda();
    let doing = format!("reading function {name}");
    let (config, concurrency) = tokio::join!(
        lambda
            .get_function_configuration()
            .function_name(name)
            .send(),
        lambda.get_function_concurrency().function_name(name).send(),
    );
    let c = config.map_err(|e| problem(aws, &doing, NO_FUNCTION, &e))?;
    let concurrency = concurrency.map_err(|e| problem(aws, &doing, NO_FUNCTION, &e))?;
    let mut m = Map::new();
    m.insert("FunctionName".into(), json!(name));
    put(&mut m, "Runtime", c.runtime().map(|r| json!(r.as_str())));
    m.insert(
        "Architectures".into(),
        json!(
            c.architectures()
                .iter()
                .map(|a| a.as_str())
                .collect::<Vec<_>>()
        ),
    );
    put(&mut m, "Handler", c.handler().map(|h| json!(h)));
    put(&mut m, "MemorySize", c.memory_size().map(|n| json!(n)));
    put(&mut m, "Timeout", c.timeout().map(|n| json!(n)));
    put(&mut m, "Role", c.role().map(|r| json!(r)));
    put(&mut m, "CodeSha256", c.code_sha256().map(|s| json!(s)));
    let variables: std::collections::BTreeMap<&String, &String> = c
        .environment()
        .and_then(|e| e.variables())
        .map(|v| v.iter().collect())
        .unwrap_or_default();
    m.insert("Environment".into(), json!({ "Variables": variables }));
    put(
        &mut m,
        "LoggingConfig",
        c.logging_config().map(|l| {
            let mut x = Map::new();
            put(
                &mut x,
                "LogFormat",
                l.log_format().map(|f| json!(f.as_str())),
            );
            put(&mut x, "LogGroup", l.log_group().map(|g| json!(g)));
            // INFO is what AWS fills in for JSON logs; any other level was chosen by someone.
            put(
                &mut x,
                "ApplicationLogLevel",
                l.application_log_level()
                    .filter(|v| v.as_str() != "INFO")
                    .map(|v| json!(v.as_str())),
            );
            put(
                &mut x,
                "SystemLogLevel",
                l.system_log_level()
                    .filter(|v| v.as_str() != "INFO")
                    .map(|v| json!(v.as_str())),
            );
            Value::Object(x)
        }),
    );
    put(
        &mut m,
        "DeadLetterConfig",
        c.dead_letter_config()
            .and_then(|d| d.target_arn())
            .map(|a| json!({ "TargetArn": a })),
    );
    put(
        &mut m,
        "ReservedConcurrentExecutions",
        concurrency
            .reserved_concurrent_executions()
            .map(|n| json!(n)),
    );
    // Layers run code beside the handler: any is a change of the function's code.
    let layers: Vec<&str> = c.layers().iter().filter_map(|l| l.arn()).collect();
    put(
        &mut m,
        "Layers",
        (!layers.is_empty()).then(|| json!(layers)),
    );
    put(&mut m, "KmsKeyArn", c.kms_key_arn().map(|k| json!(k)));
    Ok(Value::Object(m))
}

/// A permission is one statement of its function's resource policy: found by the stack's id
/// (the statement id), else by principal and source ARN, else by principal alone.
pub async fn permission(aws: &Aws, t: &Target) -> Read {
    let function = expected_str(t, &["FunctionName"])?;
    let doing = format!("reading the resource policy of function {function}");
    let out = aws
        .lambda()
        .get_policy()
        .function_name(function)
        .send()
        .await
        .map_err(|e| problem(aws, &doing, NO_FUNCTION, &e))?;
    let doc = crate::cfn::policy::decode_policy(out.policy().unwrap_or("{}"))
        .map_err(|m| Problem::Unreadable(format!("{doing}: {m}")))?;
    let statements: Vec<Value> = match &doc["Statement"] {
        Value::Array(a) => a.clone(),
        Value::Null => Vec::new(),
        one => vec![one.clone()],
    };
    let principal = |s: &Value| match &s["Principal"] {
        Value::String(p) => p.clone(),
        p => p["Service"]
            .as_str()
            .or(p["AWS"].as_str())
            .unwrap_or_default()
            .to_owned(),
    };
    let condition = |s: &Value, op: &str, key: &str| -> Option<Value> {
        let ops = s["Condition"][op].as_object()?;
        ops.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.clone())
    };
    let wanted = t.expected["Principal"].as_str().unwrap_or_default();
    let source = &t.expected["SourceArn"];
    let by_id = t.physical_id.as_deref().and_then(|pid| {
        statements.iter().find(|s| {
            s["Sid"]
                .as_str()
                .is_some_and(|sid| pid == sid || pid.ends_with(&format!("|{sid}")))
        })
    });
    let found = by_id
        .or_else(|| {
            statements.iter().find(|s| {
                principal(s) == wanted
                    && condition(s, "ArnLike", "aws:SourceArn").as_ref() == Some(source)
            })
        })
        .or_else(|| statements.iter().find(|s| principal(s) == wanted));
    let Some(s) = found else {
        return Err(Problem::Missing(format!(
            "the resource policy of {function} has no statement for {wanted}"
        )));
    };
    let mut m = Map::new();
    put(&mut m, "Action", Some(s["Action"].clone()));
    put(&mut m, "FunctionName", Some(s["Resource"].clone()));
    m.insert("Principal".into(), json!(principal(s)));
    put(
        &mut m,
        "SourceAccount",
        condition(s, "StringEquals", "aws:SourceAccount"),
    );
    put(
        &mut m,
        "SourceArn",
        condition(s, "ArnLike", "aws:SourceArn"),
    );
    Ok(Value::Object(m))
}
