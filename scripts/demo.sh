#!/usr/bin/env bash
# make run, until the vending server exists: the token engine and the virtual meter, through the
# real stsctl. It uses the published STS compliance-test vending key, never a production key.
set -euo pipefail
cd "$(dirname "$0")/.."
stsctl=bin/stsctl
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A demo meter: DKGA04 key with base date 2014, MISTY1 (EA11), unique key type, KRN 1.
KEY=(--dkga 04 --vk abababababababab949494949494949401234567 --kt 2 --sgc 123457 --ti 01 --krn 1
     --pan 600727000000000009 --base-date 2014 --ea 11)
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)

step() { printf '\n== %s\n' "$*"; }

step "The meter's decoder key, derived from the published demo vending key (stsctl keygen)"
"$stsctl" keygen "${KEY[@]}"

step "A credit token for 25.5 kWh issued at $now (stsctl token credit)"
"$stsctl" token credit "${KEY[@]}" --subclass 0 --amount 25.5 --issued "$now"
token=$("$stsctl" token credit "${KEY[@]}" --subclass 0 --amount 25.5 --issued "$now" --json |
        sed -n 's/.*"tokens":\["\([0-9]*\)"\].*/\1/p')

step "A second token in the same minute takes the next TID, as a vending server does (--tid)"
tid=$("$stsctl" decode "${KEY[@]}" "$token" --json | sed -n 's/.*"tid":\([0-9]*\).*/\1/p')
second=$("$stsctl" token credit "${KEY[@]}" --subclass 0 --amount 10 --tid $((tid + 1)) --json |
         sed -n 's/.*"tokens":\["\([0-9]*\)"\].*/\1/p')
echo "TID $tid, then $((tid + 1))"

step "Typing the tokens into the virtual meter: the first is accepted, the same one again is refused"
printf '%s\n%s\n%s\nstatus\n' "$token" "$second" "$token" |
  "$stsctl" meter --state "$work/meter.json" "${KEY[@]}"

step "A token typed with one wrong digit is refused by its CRC"
wrong="${token:0:19}$(( (${token:19:1} + 1) % 10 ))"
printf '%s\n' "$wrong" | "$stsctl" meter --state "$work/meter.json" "${KEY[@]}"

printf '\nThe vending server (vendgate serve) is the next step; stsctl --help lists every token kind.\n'
