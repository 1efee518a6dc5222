#!/usr/bin/env bash
# `kafkac users` against the secured node: set a user's SCRAM credentials
# with the password from the environment, from stdin and from a terminal
# prompt (a pseudo-terminal here), check that it is never echoed or
# printed, that kafka-python logs in with it over SASL_PLAINTEXT, then
# delete it.  Needs KAFKAC_TEST_SEC_PLAINTEXT / _SASL_PLAINTEXT
# (tests/run.sh exports them; `scripts/kafka.sh env secure` prints them).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
fail() { echo "itest_users_cli: FAIL: $*" >&2; exit 1; }
for v in KAFKAC_TEST_SEC_PLAINTEXT KAFKAC_TEST_SEC_SASL_PLAINTEXT; do
    [ -n "${!v:-}" ] || fail "$v is not set: start the secured broker (scripts/kafka.sh start secure) and eval \"\$(scripts/kafka.sh env secure)\""
done
B=$KAFKAC_TEST_SEC_PLAINTEXT
K=build/bin/kafkac
U=cli-user-$$-$(date +%s%N)
PW="pw-$$-Zq9"
run() { # expected-status command... ; output in $OUT
    local want=$1; shift
    OUT=$("$@" 2>&1); local rc=$?
    [ $rc -eq "$want" ] || fail "'$*' exited $rc (wanted $want): $OUT"
    ! grep -q -- "$PW" <<<"$OUT" || fail "'$*' printed the password: $OUT"
}
login() { # mechanism password: 0 if kafka-python logs in as $U
    /usr/bin/python3 -c "
from kafka import KafkaAdminClient
a = KafkaAdminClient(bootstrap_servers='$KAFKAC_TEST_SEC_SASL_PLAINTEXT', security_protocol='SASL_PLAINTEXT',
                     sasl_mechanism='$1', sasl_plain_username='$U', sasl_plain_password='$2', request_timeout_ms=10000)
a.list_topics(); a.close()" >/dev/null 2>&1
}
login_eventually() { # mechanism password
    local i
    for i in $(seq 1 30); do login "$1" "$2" && return 0; sleep 0.3; done
    return 1
}

run 0 $K users describe -b "$B" -u alice
grep -Eq "^alice +SCRAM-SHA-256 +4096$" <<<"$OUT" || fail "alice SHA-256: $OUT"
grep -Eq "^alice +SCRAM-SHA-512 +4096$" <<<"$OUT" || fail "alice SHA-512: $OUT"
run 1 $K users describe -b "$B" -u "$U"
grep -q "RESOURCE_NOT_FOUND" <<<"$OUT" || fail "unknown user: $OUT"

# A password is never an argument; no password source and no terminal: a clear refusal.
run 2 $K users set-scram -b "$B" -u "$U" "$PW"
grep -q "never an argument" <<<"$OUT" || fail "positional password: $OUT"
run 2 setsid $K users set-scram -b "$B" -u "$U" </dev/null
grep -q "password-stdin" <<<"$OUT" || fail "no tty: $OUT"

# From the environment: both mechanisms (two requests), 8192 iterations.
run 0 env KC_TEST_PW="$PW" $K users set-scram -b "$B" -u "$U" -i 8192 --password-env KC_TEST_PW
run 0 $K users list -b "$B"
grep -Eq "^$U +SCRAM-SHA-256 +8192$" <<<"$OUT" || fail "list after set: $OUT"
grep -Eq "^$U +SCRAM-SHA-512 +8192$" <<<"$OUT" || fail "list after set: $OUT"
login_eventually SCRAM-SHA-256 "$PW" || fail "kafka-python cannot log in with SCRAM-SHA-256 after set-scram"
login_eventually SCRAM-SHA-512 "$PW" || fail "kafka-python cannot log in with SCRAM-SHA-512 after set-scram"

# From stdin: a new password for SHA-512 only.
run 0 $K users set-scram -b "$B" -u "$U" -m scram-sha-512 --password-stdin <<<"$PW-2"
login_eventually SCRAM-SHA-512 "$PW-2" || fail "the SHA-512 password from stdin does not log in"
login SCRAM-SHA-256 "$PW" || fail "the SHA-256 credential changed though only SHA-512 was set"

# From a terminal prompt: asked twice, echo off (the transcript must not
# hold the password), SHA-256 only.
TRANSCRIPT=$(timeout 60 /usr/bin/python3 - "$K" "$B" "$U" "$PW-3" <<'EOF'
import os, pty, sys, time
k, b, u, pw = sys.argv[1:5]
pid, fd = pty.fork()
if pid == 0:
    os.execv(k, [k, 'users', 'set-scram', '-b', b, '-u', u, '-m', 'SCRAM-SHA-256'])
out = b''
def read_until(token, limit=10.0):
    global out
    end = time.time() + limit
    while token not in out and time.time() < end:
        try:
            out += os.read(fd, 1024)
        except OSError:
            break
read_until(b'Password for ' + u.encode() + b': ')
os.write(fd, pw.encode() + b'\n')
read_until(b'Again: ')
os.write(fd, pw.encode() + b'\n')
end = time.time() + 30
while time.time() < end:
    try:
        data = os.read(fd, 1024)
    except OSError:
        break
    if not data:
        break
    out += data
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors='replace'))
sys.exit(os.waitstatus_to_exitcode(st))
EOF
) || fail "set-scram at a prompt failed: $TRANSCRIPT"
grep -q "Password for $U: " <<<"$TRANSCRIPT" || fail "no prompt: $TRANSCRIPT"
grep -q "Set SCRAM-SHA-256 credential of $U" <<<"$TRANSCRIPT" || fail "prompt: not set: $TRANSCRIPT"
! grep -q -- "$PW-3" <<<"$TRANSCRIPT" || fail "the password was echoed at the prompt: $TRANSCRIPT"
login_eventually SCRAM-SHA-256 "$PW-3" || fail "the SHA-256 password from the prompt does not log in"

# Delete every mechanism the user has; then it is unknown and cannot log in.
run 0 $K users delete-scram -b "$B" -u "$U"
grep -q "Deleted SCRAM-SHA-256 credential of $U" <<<"$OUT" || fail "delete: $OUT"
grep -q "Deleted SCRAM-SHA-512 credential of $U" <<<"$OUT" || fail "delete: $OUT"
run 1 $K users delete-scram -b "$B" -u "$U"
grep -q "RESOURCE_NOT_FOUND" <<<"$OUT" || fail "second delete: $OUT"
run 1 $K users delete-scram -b "$B" -u "$U" -m SCRAM-SHA-256
grep -q "RESOURCE_NOT_FOUND" <<<"$OUT" || fail "delete one mechanism twice: $OUT"
for i in $(seq 1 30); do login SCRAM-SHA-256 "$PW-3" || break; sleep 0.3; done
! login SCRAM-SHA-256 "$PW-3" || fail "$U still logs in after delete-scram"
echo "itest_users_cli: ok"
