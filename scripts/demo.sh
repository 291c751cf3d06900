#!/usr/bin/env bash
# `make demo`: the whole job on this machine, with no AWS account. Starts moto (a local AWS
# emulator) on a free loopback port, then synth, plan, apply, status, run, drift, cost, destroy.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${CARGO_TARGET_DIR:-target}/debug/infrapipe"
CONFIG=examples/infrapipe.yaml
STACK=infra-monitoring-prod   # the example's name-environment: purge asks for it by name
PORT=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
LOG=$(mktemp)

export AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT"
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE

MOTO_PORT=$PORT .venv/bin/moto_server -H 127.0.0.1 -p "$PORT" >"$LOG" 2>&1 &
MOTO=$!
trap 'kill $MOTO 2>/dev/null; wait $MOTO 2>/dev/null; rm -f "$LOG"' EXIT
for _ in $(seq 1 100); do
  curl -sf "$AWS_ENDPOINT_URL/moto-api/" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -sf "$AWS_ENDPOINT_URL/moto-api/" >/dev/null || { echo "moto did not start; its log:"; cat "$LOG"; exit 1; }

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step infrapipe validate -c $CONFIG
"$BIN" validate -c $CONFIG

step infrapipe synth -c $CONFIG "| head -c 400"
"$BIN" synth -c $CONFIG | head -c 400; echo " ..."

step infrapipe plan -c $CONFIG
"$BIN" plan -c $CONFIG | grep -v '^  [─ ]\|^   [+-] │' || true

step infrapipe apply -c $CONFIG --yes
"$BIN" apply -c $CONFIG --yes | tail -n 3

step infrapipe plan -c $CONFIG --detailed-exitcode
"$BIN" plan -c $CONFIG --detailed-exitcode

step infrapipe status -c $CONFIG
"$BIN" status -c $CONFIG

# moto runs state machines only in a mode whose store its CloudFormation does not write to;
# create the same state machine there so that `run` has something to start (see README).
curl -sf -X POST -H 'Content-Type: application/json' "$AWS_ENDPOINT_URL/moto-api/config" \
  -d '{"stepfunctions":{"execute_state_machine":true},"lambda":{"use_docker":false}}' >/dev/null
"$BIN" synth -c $CONFIG | .venv/bin/python -c '
import json, sys, boto3
t = json.load(sys.stdin)["Resources"]["CollectionStateMachine"]["Properties"]
d = t["DefinitionString"]["Fn::Sub"][0].replace("${AWS::Partition}", "aws").replace(
    "${CollectorArn}", "arn:aws:lambda:us-east-1:123456789012:function:" + t["StateMachineName"].replace("-collection", "-collector"))
boto3.client("stepfunctions").create_state_machine(name=t["StateMachineName"], definition=d, roleArn="arn:aws:iam::123456789012:role/demo")'

step infrapipe run -c $CONFIG
"$BIN" run -c $CONFIG
# Remove that stand-in and go back to moto's default mode, in which its CloudFormation can
# delete what it created.
.venv/bin/python -c '
import boto3
sfn = boto3.client("stepfunctions")
for m in sfn.list_state_machines()["stateMachines"]:
    sfn.delete_state_machine(stateMachineArn=m["stateMachineArn"])'
curl -sf -X POST -H 'Content-Type: application/json' "$AWS_ENDPOINT_URL/moto-api/config" \
  -d '{"stepfunctions":{"execute_state_machine":false},"lambda":{"use_docker":true}}' >/dev/null

if "$BIN" --help | grep -q '^  drift'; then
  step infrapipe drift -c $CONFIG
  "$BIN" drift -c $CONFIG || true
fi

if "$BIN" --help | grep -q '^  cost'; then
  step infrapipe cost -c $CONFIG
  "$BIN" cost -c $CONFIG
fi

step infrapipe destroy -c $CONFIG --yes --purge-data=$STACK --no-backup
"$BIN" destroy -c $CONFIG --yes --purge-data=$STACK --no-backup

printf '\nDemo finished: moto stops now.\n'
