#!/usr/bin/env bash
# Sets up a scratch org with the OrgVault package, for people with a Dev Hub
# (authorise one first: sf org login web --set-default-dev-hub --alias devhub).
#   scripts/scratch-org.sh [alias]        default alias: orgvault
# Creates the org from config/project-scratch-def.json, deploys force-app, assigns the
# OrgVault Administrator permission set to you, loads sample accounts and contacts, and runs
# the Apex tests, failing loudly if one fails or the package's Apex is under 90% covered.
# The engine URL and key are set afterwards in Setup (printed at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
alias_name="${1:-orgvault}"
sf=node_modules/.bin/sf

"$sf" org create scratch --definition-file config/project-scratch-def.json --alias "$alias_name" --set-default --duration-days 7 --wait 15
"$sf" project deploy start --source-dir force-app --target-org "$alias_name" --wait 20
"$sf" org assign permset --name OrgVault_Administrator --target-org "$alias_name"
"$sf" data import tree --plan config/sample-data/plan.json --target-org "$alias_name"
# The run's JSON is judged afterwards: any failing test, or the package's classes under 90%
# covered, stops the script with FAILED lines (and exit 1) before the org is called ready.
results="$(mktemp)"
"$sf" apex run test --class-names OrgVaultControllerTest --class-names OrgVaultEngineClientTest --code-coverage --json --wait 20 --target-org "$alias_name" >"$results" || true
node --import tsx scripts/apex-coverage.ts "$results"

cat <<MSG
Scratch org "$alias_name" is ready. To connect it to an engine:
  1. Setup > Named Credentials > OrgVault Engine: set the URL of your engine (https).
  2. Setup > Named Credentials > External Credentials > OrgVault Engine > principal OrgVaultEngine:
     add the authentication parameter EngineKey with the key the engine gave this org.
  3. Open the OrgVault app: sf org open --target-org $alias_name --path lightning/n/OrgVault_Backup
To run the end-to-end suites against it: TEST_SF_ORG=$alias_name npm run test:org
MSG
