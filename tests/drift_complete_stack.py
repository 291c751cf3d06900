# Completes a stack deployed by moto's CloudFormation through the services' own APIs: what
# moto's CloudFormation skipped or dropped, with the template's values (intrinsics resolved as
# CloudFormation would). Used by tests/drift_e2e.rs and benches/drift.rs.
# Usage: python drift_complete_stack.py STACK TEMPLATE.json
import json, re, sys, boto3
stack, t = sys.argv[1], json.load(open(sys.argv[2]))
R = t["Resources"]
acct, region = "123456789012", "us-east-1"
phys = {r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in boto3.client("cloudformation").list_stack_resources(StackName=stack)["StackResourceSummaries"]
        if r["LogicalResourceId"]}
NAMES = {"AWS::S3::Bucket": "BucketName", "AWS::Lambda::Function": "FunctionName", "AWS::SQS::Queue": "QueueName",
         "AWS::Logs::LogGroup": "LogGroupName", "AWS::SNS::Topic": "TopicName", "AWS::Athena::WorkGroup": "Name",
         "AWS::StepFunctions::StateMachine": "StateMachineName", "AWS::DynamoDB::Table": "TableName"}
# The stack's parameters as deployed (apply pins the code versions), else the template's defaults.
deployed = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0].get("Parameters", [])
params = {k: v.get("Default", "") for k, v in t.get("Parameters", {}).items()}
params.update({p["ParameterKey"]: p.get("ParameterValue", "") for p in deployed})
NO_VALUE = object()  # AWS::NoValue: the property is left out
def cond(c):
    if isinstance(c, str): return cond(t["Conditions"][c])
    (k, x), = c.items()
    if k == "Fn::Not": return not cond(x[0])
    if k == "Fn::Equals": return res(x[0]) == res(x[1])
    if k == "Fn::And": return all(cond(y) for y in x)
    if k == "Fn::Or": return any(cond(y) for y in x)
    if k == "Condition": return cond(x)
    raise ValueError(f"condition {k}")
def ref(i):
    pseudo = {"AWS::AccountId": acct, "AWS::Region": region, "AWS::Partition": "aws", "AWS::NoValue": NO_VALUE}
    if i in pseudo: return pseudo[i]
    if i in params: return params[i]
    if i in phys: return phys[i]
    r = R[i]; ty = r["Type"]
    if ty == "AWS::Glue::Database": return res(r["Properties"]["DatabaseInput"]["Name"])
    n = res(r["Properties"][NAMES[ty]])
    if ty == "AWS::SNS::Topic": return f"arn:aws:sns:{region}:{acct}:{n}"
    if ty == "AWS::StepFunctions::StateMachine": return f"arn:aws:states:{region}:{acct}:stateMachine:{n}"
    return n
def getatt(i, a):
    ty, r = R[i]["Type"], ref(i)
    return {"AWS::Lambda::Function": f"arn:aws:lambda:{region}:{acct}:function:{r}",
            "AWS::IAM::Role": f"arn:aws:iam::{acct}:role/{r}",
            "AWS::SQS::Queue": f"arn:aws:sqs:{region}:{acct}:{r.rsplit('/', 1)[-1]}",
            "AWS::Logs::LogGroup": f"arn:aws:logs:{region}:{acct}:log-group:{r}:*"}[ty]
def sub(s, vars={}):
    def one(m):
        n = m.group(1)
        if n.startswith("!"): return "${" + n[1:] + "}"
        if n in vars: return res(vars[n])
        if "." in n and not n.startswith("AWS::"): return getatt(*n.split(".", 1))
        return ref(n)
    return re.sub(r"\$\{([^}]*)\}", one, s)
def res(v):
    if isinstance(v, dict) and len(v) == 1:
        (k, x), = v.items()
        if k == "Ref": return ref(x)
        if k == "Fn::GetAtt": return getatt(*x)
        if k == "Fn::Sub": return sub(x) if isinstance(x, str) else sub(x[0], x[1])
        if k == "Fn::If": return res(x[1]) if cond(x[0]) else res(x[2])
    if isinstance(v, dict): return {k: y for k, y in ((k, res(x)) for k, x in v.items()) if y is not NO_VALUE}
    if isinstance(v, list): return [y for y in (res(x) for x in v) if y is not NO_VALUE]
    return v
def props(i): return res(R[i]["Properties"])

s3, ddb, sfn = boto3.client("s3"), boto3.client("dynamodb"), boto3.client("stepfunctions")
sns, cw, sch = boto3.client("sns"), boto3.client("cloudwatch"), boto3.client("scheduler")
glue, athena = boto3.client("glue"), boto3.client("athena")
for i, r in R.items():
    ty, p = r["Type"], props(i)
    if ty == "AWS::S3::Bucket":
        b = p["BucketName"]
        rule = p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
        s3.put_bucket_encryption(Bucket=b, ServerSideEncryptionConfiguration={"Rules": [{
            "ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"],
            "BucketKeyEnabled": rule["BucketKeyEnabled"]}]})
        s3.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration=p["PublicAccessBlockConfiguration"])
        s3.put_bucket_ownership_controls(Bucket=b, OwnershipControls=p["OwnershipControls"])
        rules = []
        for x in p["LifecycleConfiguration"]["Rules"]:
            y = {"ID": x["Id"], "Status": x["Status"], "Filter": {"Prefix": x.get("Prefix", "")}}
            if "Transitions" in x: y["Transitions"] = [{"Days": z["TransitionInDays"], "StorageClass": z["StorageClass"]} for z in x["Transitions"]]
            if "ExpirationInDays" in x: y["Expiration"] = {"Days": x["ExpirationInDays"]}
            if "NoncurrentVersionExpiration" in x: y["NoncurrentVersionExpiration"] = x["NoncurrentVersionExpiration"]
            if "AbortIncompleteMultipartUpload" in x: y["AbortIncompleteMultipartUpload"] = x["AbortIncompleteMultipartUpload"]
            rules.append(y)
        s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": rules})
        if "VersioningConfiguration" in p:
            s3.put_bucket_versioning(Bucket=b, VersioningConfiguration=p["VersioningConfiguration"])
        if "NotificationConfiguration" in p:
            s3.put_bucket_notification_configuration(Bucket=b, NotificationConfiguration={"LambdaFunctionConfigurations": [{
                "LambdaFunctionArn": x["Function"], "Events": [x["Event"]],
                "Filter": {"Key": {"FilterRules": x["Filter"]["S3Key"]["Rules"]}}} for x in p["NotificationConfiguration"]["LambdaConfigurations"]]})
    elif ty == "AWS::S3::BucketPolicy":
        s3.put_bucket_policy(Bucket=p["Bucket"], Policy=json.dumps(p["PolicyDocument"]))
    elif ty == "AWS::DynamoDB::Table":
        ttl = p["TimeToLiveSpecification"]
        ddb.update_time_to_live(TableName=p["TableName"], TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": ttl["Enabled"]})
        ddb.update_continuous_backups(TableName=p["TableName"], PointInTimeRecoverySpecification=p["PointInTimeRecoverySpecification"])
    elif ty == "AWS::StepFunctions::StateMachine":
        lc = p["LoggingConfiguration"]
        sfn.update_state_machine(stateMachineArn=ref(i), definition=p["DefinitionString"], loggingConfiguration={
            "level": lc["Level"], "includeExecutionData": lc["IncludeExecutionData"],
            "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": d["CloudWatchLogsLogGroup"]["LogGroupArn"]}} for d in lc.get("Destinations", [])]})
    elif ty == "AWS::SNS::TopicPolicy":
        for topic in p["Topics"]:
            sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(p["PolicyDocument"]))
    elif ty == "AWS::SNS::Subscription":
        sns.subscribe(TopicArn=p["TopicArn"], Protocol=p["Protocol"], Endpoint=p["Endpoint"])
    elif ty == "AWS::CloudWatch::Alarm":
        cw.put_metric_alarm(**p)
    elif ty == "AWS::Budgets::Budget":
        # moto's CloudFormation skips budgets; the API takes the limit's amount as text.
        b = dict(p["Budget"], BudgetLimit={"Amount": str(p["Budget"]["BudgetLimit"]["Amount"]), "Unit": p["Budget"]["BudgetLimit"]["Unit"]})
        boto3.client("budgets").create_budget(AccountId=acct, Budget=b)
    elif ty == "AWS::Scheduler::Schedule":
        # moto's CloudFormation skips the schedule: create it as CloudFormation would.
        sch.create_schedule(**p)
    elif ty == "AWS::Glue::Database":
        glue.create_database(**p)
    elif ty == "AWS::Glue::Table":
        glue.create_table(**p)
    elif ty == "AWS::Athena::WorkGroup":
        athena.create_work_group(Name=p["Name"], Description=p["Description"], Configuration=p["WorkGroupConfiguration"])
for i, r in R.items():
    if r["Type"] == "AWS::Athena::NamedQuery":
        athena.create_named_query(**props(i))
