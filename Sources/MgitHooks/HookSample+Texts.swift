// Generated from the top-level hooks/ folder; do not edit. HookSampleTests checks it is in step, and
// `MGIT_UPDATE_SAMPLES=1 swift test --filter HookSampleTests` rewrites it.
extension HookSample {
    /// The text of every file in hooks/, embedded so an installed mgit needs no source tree.
    static let texts: [(name: String, text: String)] = [
        ("max-accuracy-drop", #"""
#!/bin/sh
# mgit-hook: pre-merge
# Rejects a merge whose model is less accurate than the better parent by more than a maximum drop.
#
# mgit merge sets MGIT_MERGED_ACCURACY, MGIT_ACCURACY_A and MGIT_ACCURACY_B when accuracy was measured
# (an evaluator or --eval-cmd). The drop is in the same units as the accuracies: with accuracies as
# fractions in [0, 1], the default 0.05 is 5 percentage points; with accuracies in percent, set 5.
# The maximum comes from, in order: the environment variable MGIT_MAX_ACCURACY_DROP,
# `mgit config hooks.maxAccuracyDrop`, else 0.05.
#
# Enable it with:  mgit hooks enable max-accuracy-drop
# Set the maximum: mgit config hooks.maxAccuracyDrop 0.02
set -u
hint=""

is_number() {
    awk -v v="$1" 'BEGIN { exit !(v ~ /^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$/) }'
}

limit="${MGIT_MAX_ACCURACY_DROP:-}"
origin="MGIT_MAX_ACCURACY_DROP"
if [ -z "$limit" ] && [ -n "${MGIT_BIN:-}" ]; then
    limit=$("$MGIT_BIN" config -C "${MGIT_REPO:-.}" hooks.maxAccuracyDrop 2>/dev/null) || limit=""
    origin="hooks.maxAccuracyDrop"
fi
if [ -z "$limit" ]; then
    limit=0.05
    origin="the default maximum"
    hint=" (set hooks.maxAccuracyDrop to change it)"
fi
if ! is_number "$limit"; then
    echo "rejected: $origin is '$limit', not a number" >&2
    exit 1
fi

merged="${MGIT_MERGED_ACCURACY:-}"
if [ -z "$merged" ]; then
    echo "rejected: no accuracy was measured for the merged model (MGIT_MERGED_ACCURACY is not set); merge with --eval-cmd or disable this hook" >&2
    exit 1
fi
best=""
for value in "${MGIT_ACCURACY_A:-}" "${MGIT_ACCURACY_B:-}"; do
    [ -z "$value" ] && continue
    if ! is_number "$value"; then
        echo "rejected: parent accuracy '$value' is not a number" >&2
        exit 1
    fi
    if [ -z "$best" ] || awk -v v="$value" -v b="$best" 'BEGIN { exit !(v + 0 > b + 0) }'; then
        best="$value"
    fi
done
if [ -z "$best" ]; then
    echo "rejected: neither parent's accuracy is known (MGIT_ACCURACY_A and MGIT_ACCURACY_B are not set)" >&2
    exit 1
fi
if ! is_number "$merged"; then
    echo "rejected: merged accuracy '$merged' is not a number" >&2
    exit 1
fi

drop=$(awk -v b="$best" -v m="$merged" 'BEGIN { printf "%.6g", b - m }')
if awk -v d="$drop" -v l="$limit" 'BEGIN { exit !(d + 0 > l + 0) }'; then
    echo "rejected: merged accuracy $merged is $drop below the better parent's $best, more than $origin $limit$hint" >&2
    exit 1
fi
echo "accepted: merged accuracy $merged is within $limit of the better parent's $best"
exit 0

"""#),
        ("max-loss-barrier", #"""
#!/bin/sh
# mgit-hook: pre-merge
# Rejects a merge whose loss barrier is above a maximum.
#
# mgit merge sets MGIT_LOSS_BARRIER: the largest rise of the loss along the interpolation path above the
# straight line between the two parents' losses (docs/HOOKS.md).
# The maximum comes from, in order: the environment variable MGIT_MAX_LOSS_BARRIER,
# `mgit config hooks.maxLossBarrier`, else 0.2.
#
# Enable it with:  mgit hooks enable max-loss-barrier
# Set the maximum: mgit config hooks.maxLossBarrier 0.1
set -u
hint=""

is_number() {
    awk -v v="$1" 'BEGIN { exit !(v ~ /^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$/) }'
}

limit="${MGIT_MAX_LOSS_BARRIER:-}"
origin="MGIT_MAX_LOSS_BARRIER"
if [ -z "$limit" ] && [ -n "${MGIT_BIN:-}" ]; then
    limit=$("$MGIT_BIN" config -C "${MGIT_REPO:-.}" hooks.maxLossBarrier 2>/dev/null) || limit=""
    origin="hooks.maxLossBarrier"
fi
if [ -z "$limit" ]; then
    limit=0.2
    origin="the default maximum"
    hint=" (set hooks.maxLossBarrier to change it)"
fi
if ! is_number "$limit"; then
    echo "rejected: $origin is '$limit', not a number" >&2
    exit 1
fi

barrier="${MGIT_LOSS_BARRIER:-}"
if [ -z "$barrier" ]; then
    echo "rejected: MGIT_LOSS_BARRIER is not set (this hook runs from mgit merge)" >&2
    exit 1
fi
if ! is_number "$barrier"; then
    echo "rejected: loss barrier '$barrier' is not a finite number" >&2
    exit 1
fi

if awk -v b="$barrier" -v m="$limit" 'BEGIN { exit !(b + 0 > m + 0) }'; then
    echo "rejected: loss barrier $barrier exceeds $origin $limit$hint" >&2
    exit 1
fi
echo "accepted: loss barrier $barrier is within $origin $limit"
exit 0

"""#),
        ("max-loss-increase", #"""
#!/bin/sh
# mgit-hook: pre-merge
# Rejects a merge whose model has a higher loss than the worse of its inputs by more than a maximum increase,
# and a merge that was not evaluated (mgit merge --no-check).
#
# mgit merge sets MGIT_MERGED_LOSS and each input's loss: MGIT_INPUT_LOSSES (space-separated, every input of
# an N-way merge), else MGIT_LOSS_A and MGIT_LOSS_B. MGIT_UNCHECKED=1 says the merge skipped evaluation.
# The maximum comes from, in order: the environment variable MGIT_MAX_LOSS_INCREASE,
# `mgit config hooks.maxLossIncrease`, else 0 (the merge may not be worse than its worst input).
#
# Enable it with:  mgit hooks enable max-loss-increase
# Set the maximum: mgit config hooks.maxLossIncrease 0.05
set -u
hint=""

is_number() {
    awk -v v="$1" 'BEGIN { exit !(v ~ /^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$/) }'
}

if [ "${MGIT_UNCHECKED:-0}" = "1" ]; then
    echo "rejected: the merge was not evaluated (--no-check); merge without --no-check so its loss can be compared" >&2
    exit 1
fi

limit="${MGIT_MAX_LOSS_INCREASE:-}"
origin="MGIT_MAX_LOSS_INCREASE"
if [ -z "$limit" ] && [ -n "${MGIT_BIN:-}" ]; then
    limit=$("$MGIT_BIN" config -C "${MGIT_REPO:-.}" hooks.maxLossIncrease 2>/dev/null) || limit=""
    origin="hooks.maxLossIncrease"
fi
if [ -z "$limit" ]; then
    limit=0
    origin="the default maximum"
    hint=" (set hooks.maxLossIncrease to allow some)"
fi
if ! is_number "$limit"; then
    echo "rejected: $origin is '$limit', not a number" >&2
    exit 1
fi

merged="${MGIT_MERGED_LOSS:-}"
if [ -z "$merged" ] || ! is_number "$merged"; then
    echo "rejected: no loss was measured for the merged model (MGIT_MERGED_LOSS is '${merged}')" >&2
    exit 1
fi
losses="${MGIT_INPUT_LOSSES:-${MGIT_LOSS_A:-} ${MGIT_LOSS_B:-}}"
worst=""
for value in $losses; do
    if ! is_number "$value"; then
        echo "rejected: input loss '$value' is not a number" >&2
        exit 1
    fi
    if [ -z "$worst" ] || awk -v v="$value" -v w="$worst" 'BEGIN { exit !(v + 0 > w + 0) }'; then
        worst="$value"
    fi
done
if [ -z "$worst" ]; then
    echo "rejected: no input's loss is known (MGIT_INPUT_LOSSES, MGIT_LOSS_A and MGIT_LOSS_B are not set)" >&2
    exit 1
fi

increase=$(awk -v w="$worst" -v m="$merged" 'BEGIN { printf "%.6g", m - w }')
if awk -v d="$increase" -v l="$limit" 'BEGIN { exit !(d + 0 > l + 0) }'; then
    echo "rejected: merged loss $merged is $increase above the worst input's $worst, more than $origin $limit$hint" >&2
    exit 1
fi
echo "accepted: merged loss $merged is within $limit of the worst input's $worst"
exit 0

"""#),
    ]
}
