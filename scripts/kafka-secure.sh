# Sourced by scripts/kafka.sh: the secured single node (`kafka.sh start
# secure`) used by the TLS and SASL tests.  Its listeners, at S = PORT_BASE +
# 500 + the version offset:
#
#   S+0 PLAINTEXT       (inter-broker too)
#   S+1 SSL
#   S+2 MTLS            SSL, ssl.client.auth=required, trusts ca.pem only
#   S+3 SASL_PLAINTEXT  PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER
#   S+4 SASL_SSL        the same four
#   S+5 REAUTH          SASL_PLAINTEXT, the four, connections.max.reauth.ms=10000
#   S+6 BADNAME         SSL, server certificate whose SAN is only DNS:wrong.invalid
#   S+7 EXPIRED         SSL, server certificate that expired in 2020
#   S+8 SCRAM512        SASL_PLAINTEXT, SCRAM-SHA-512 only
#   S+9 CONTROLLER
#
# Users: PLAIN alice/alice-secret and admin/admin-secret; SCRAM-SHA-256 and
# SCRAM-SHA-512 alice/alice-secret (created at format time).  OAUTHBEARER
# uses the broker's default unsecured validator (unsigned JWS, alg none,
# principal from the `sub` claim).
#
# Certificates are made afresh at every start with the openssl command in
# $(state_dir secure)/certs (see make_certs); tests find it through
# KAFKAC_TEST_SEC_CERTS (`kafka.sh env secure` prints every variable).

# name:offset:security protocol, in port order.
SECURE_LISTENERS="PLAINTEXT:0:PLAINTEXT SSL:1:SSL MTLS:2:SSL SASL_PLAINTEXT:3:SASL_PLAINTEXT SASL_SSL:4:SASL_SSL REAUTH:5:SASL_PLAINTEXT BADNAME:6:SSL EXPIRED:7:SSL SCRAM512:8:SASL_PLAINTEXT"
SECURE_PROTOMAP="CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,MTLS:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,REAUTH:SASL_PLAINTEXT,BADNAME:SSL,EXPIRED:SSL,SCRAM512:SASL_PLAINTEXT"
# The environment variable of each listener, for `kafka.sh env secure`.
SECURE_ENV="PLAINTEXT:PLAINTEXT SSL:SSL MTLS:MTLS SASL_PLAINTEXT:SASL_PLAINTEXT SASL_SSL:SASL_SSL REAUTH:REAUTH BADNAME:BADNAME EXPIRED:EXPIRED SCRAM512:SCRAM512_ONLY"
SECURE_FORMAT_ARGS=(
    --add-scram 'SCRAM-SHA-256=[name=alice,password=alice-secret]'
    --add-scram 'SCRAM-SHA-512=[name=alice,password=alice-secret]'
)
# The broker's own keystores (never given to clients).
SECURE_STOREPASS=broker-store-pass

certs_dir() { echo "$(state_dir secure)/certs"; }

secure_listeners() {  # base_port with_controller
    local l name off out=""
    for l in $SECURE_LISTENERS; do
        name=${l%%:*}; off=${l#*:}; off=${off%%:*}
        out="${out:+$out,}$name://127.0.0.1:$(( $1 + off ))"
    done
    [ "$2" = 1 ] && out="$out,CONTROLLER://127.0.0.1:$(( $1 + 9 ))"
    echo "$out"
}

# Prints `export KAFKAC_TEST_SEC_...=127.0.0.1:PORT` lines for every
# listener and the certificate directory.
secure_env() {
    local base e name var off l
    base=$(broker_port secure 1)
    for e in $SECURE_ENV; do
        name=${e%%:*}; var=${e#*:}
        for l in $SECURE_LISTENERS; do
            if [ "${l%%:*}" = "$name" ]; then off=${l#*:}; off=${off%%:*}; fi
        done
        echo "export KAFKAC_TEST_SEC_$var=127.0.0.1:$(( base + off ))"
    done
    echo "export KAFKAC_TEST_SEC_CERTS=$(certs_dir)"
}

# ---------------------------------------------------------------- certificates

# openssl with its output kept for the error message.
ossl() {
    local out
    if ! out=$(openssl "$@" 2>&1); then
        echo "$out" >&2
        die "openssl $1 failed"
    fi
}

# A key and a CSR for subject $2 (P-256: key generation is instant, and
# both Java and OpenSSL speak ECDSA in TLS 1.2 and 1.3).
key_csr() {  # dir name cn
    ossl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$3" \
        -keyout "$1/$2.key" -out "$1/$2.csr"
}

# Signs $2.csr with CA $3 for 30 days, extensions from $4 (a file).
sign() {  # dir name ca extfile
    ossl x509 -req -in "$1/$2.csr" -CA "$1/$3.pem" -CAkey "$1/$3.key" -CAcreateserial \
        -days 30 -sha256 -extfile "$4" -out "$1/$2.pem"
}

# Signs with validity 2020-01-01 .. 2020-01-02.  OpenSSL 3.0's `x509 -req`
# has no -not_before/-not_after (3.4 added them), but `openssl ca` has
# -startdate/-enddate in every release.
sign_expired() {  # dir name ca extfile
    local d=$1 db="$1/ca-db"
    rm -rf "$db"; mkdir -p "$db"
    : > "$db/index.txt"
    echo 1000 > "$db/serial"
    cat > "$db/ca.cnf" <<EOF
[ ca ]
default_ca = test_ca
[ test_ca ]
database = $db/index.txt
new_certs_dir = $db
serial = $db/serial
default_md = sha256
policy = any_policy
unique_subject = no
[ any_policy ]
commonName = supplied
EOF
    ossl ca -batch -notext -config "$db/ca.cnf" -cert "$d/$3.pem" -keyfile "$d/$3.key" \
        -in "$d/$2.csr" -out "$d/$2.pem" -extfile "$4" \
        -startdate 20200101000000Z -enddate 20200102000000Z
}

# The broker's PKCS#12 keystore for the certificate $2 (with its CA chain).
keystore() {  # dir name
    ossl pkcs12 -export -in "$1/$2.pem" -inkey "$1/$2.key" -certfile "$1/ca.pem" \
        -name broker -passout "pass:$SECURE_STOREPASS" -out "$1/$2.p12"
}

make_certs() {  # dir
    local d=$1
    command -v openssl >/dev/null || die "openssl not found"
    rm -rf "$d"; mkdir -p "$d"
    printf 'basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$d/server.ext"
    printf 'basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:wrong.invalid\nextendedKeyUsage=serverAuth\n' > "$d/badname.ext"
    printf 'basicConstraints=critical,CA:FALSE\nextendedKeyUsage=clientAuth\n' > "$d/client.ext"
    local ca
    for ca in ca ca2; do
        ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -sha256 \
            -subj "/CN=libkafkac test $ca" -addext basicConstraints=critical,CA:TRUE \
            -addext keyUsage=critical,keyCertSign,cRLSign -keyout "$d/$ca.key" -out "$d/$ca.pem"
    done
    key_csr "$d" broker localhost;          sign "$d" broker ca "$d/server.ext"
    key_csr "$d" broker-badname localhost;  sign "$d" broker-badname ca "$d/badname.ext"
    key_csr "$d" broker-expired localhost;  sign_expired "$d" broker-expired ca "$d/server.ext"
    key_csr "$d" client alice;              sign "$d" client ca "$d/client.ext"
    key_csr "$d" other alice;               sign "$d" other ca2 "$d/client.ext"
    key_csr "$d" expired-client alice;      sign_expired "$d" expired-client ca "$d/client.ext"
    ossl pkcs8 -topk8 -v2 aes-256-cbc -in "$d/client.key" -passout pass:keypass -out "$d/client-enc.key"
    printf 'keypass' > "$d/client-enc.pass"
    ossl pkcs12 -export -in "$d/client.pem" -inkey "$d/client.key" -certfile "$d/ca.pem" \
        -name client -passout pass:p12pass -out "$d/client.p12"
    keystore "$d" broker; keystore "$d" broker-badname; keystore "$d" broker-expired
    rm -f "$d"/*.csr "$d"/*.srl
}

# ---------------------------------------------------------------- server.properties

# The security part of the secured node's server.properties.
write_secure_props() {  # node dir
    local c l m mechs jaas
    c=$(certs_dir)
    cat <<EOF
# ---- secured listeners (scripts/kafka-secure.sh)
ssl.keystore.type=PKCS12
ssl.keystore.location=$c/broker.p12
ssl.keystore.password=$SECURE_STOREPASS
ssl.key.password=$SECURE_STOREPASS
listener.name.badname.ssl.keystore.type=PKCS12
listener.name.badname.ssl.keystore.location=$c/broker-badname.p12
listener.name.badname.ssl.keystore.password=$SECURE_STOREPASS
listener.name.badname.ssl.key.password=$SECURE_STOREPASS
listener.name.expired.ssl.keystore.type=PKCS12
listener.name.expired.ssl.keystore.location=$c/broker-expired.p12
listener.name.expired.ssl.keystore.password=$SECURE_STOREPASS
listener.name.expired.ssl.key.password=$SECURE_STOREPASS
listener.name.mtls.ssl.client.auth=required
listener.name.mtls.ssl.truststore.type=PEM
listener.name.mtls.ssl.truststore.location=$c/ca.pem
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER
EOF
    for l in sasl_plaintext sasl_ssl reauth scram512; do
        if [ "$l" = scram512 ]; then mechs="SCRAM-SHA-512"; else mechs="PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER"; fi
        echo "listener.name.$l.sasl.enabled.mechanisms=$mechs"
        for m in ${mechs//,/ }; do
            case "$m" in
                PLAIN) jaas='org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret" user_admin="admin-secret";' ;;
                SCRAM-*) jaas='org.apache.kafka.common.security.scram.ScramLoginModule required;' ;;
                # As in Kafka's documented example for the unsecured
                # handlers (a subject for the broker's own token); a 4.4.0
                # broker also starts without it.  Clients' tokens are
                # checked by the default unsecured validator.
                OAUTHBEARER) jaas='org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="admin";' ;;
            esac
            echo "listener.name.$l.${m,,}.sasl.jaas.config=$jaas"
        done
    done
    echo "listener.name.reauth.connections.max.reauth.ms=10000"
}
