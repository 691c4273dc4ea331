#!/bin/sh
# The REST listener's TLS, made when the worker starts: rest-tls.sh <config directory> <worker properties file>
#   HOST                           this task's IP address (followers forward requests to the leader at it)
#   CONNECT_REST_HOST              the REST API's DNS name (rest.<name>.connect.internal), which clients verify
#   CONNECT_REST_CA_KEYSTORE, CONNECT_REST_CA_KEYSTORE_PASSWORD
#                                  the Connect cluster's certificate authority (PKCS#12, base64) and its password
#   CONNECT_REST_CERTIFICATES      every authority to trust (PEM): the current one, and the next during a renewal
# Writes rest-keystore.p12 (a new key, and its certificate issued by the authority for the DNS name, localhost and
# the task's IP: Jetty 12 answers 400 "Invalid SNI" to a request whose Host its certificate does not name),
# rest-truststore.p12 and rest-certificates.pem; appends the two stores' passwords to the properties. The authority's
# key is used once, here, and its file removed. Everything is the JDK's keytool.
set -eu
CONFIG="$1"
PROPERTIES="$2"
: "${HOST:?the task's IP address is missing}"
: "${CONNECT_REST_HOST:?the REST API's DNS name is missing}"
: "${CONNECT_REST_CA_KEYSTORE:?the REST API's certificate authority is missing}"
: "${CONNECT_REST_CA_KEYSTORE_PASSWORD:?the REST API's certificate authority password is missing}"
: "${CONNECT_REST_CERTIFICATES:?the REST API's trusted certificates are missing}"
umask 077
KEYTOOL="${JAVA_HOME:+$JAVA_HOME/bin/}keytool"
random() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }
# keytool's progress lines only when it fails.
quietly() { out="$("$@" 2>&1)" || { printf '%s\n' "$out" >&2; return 1; }; }
KEYSTORE_PASSWORD="$(random)"
TRUST_PASSWORD="$(random)"
CA_PASSWORD="$CONNECT_REST_CA_KEYSTORE_PASSWORD"
export KEYSTORE_PASSWORD TRUST_PASSWORD CA_PASSWORD
rm -f "$CONFIG/rest-keystore.p12" "$CONFIG/rest-truststore.p12" "$CONFIG"/trusted-* "$CONFIG"/rest-ca.*

printf '%s\n' "$CONNECT_REST_CERTIFICATES" > "$CONFIG/rest-certificates.pem"
grep -q -- "-----BEGIN CERTIFICATE-----" "$CONFIG/rest-certificates.pem" \
  || { echo "CONNECT_REST_CERTIFICATES holds no certificate" >&2; exit 1; }
csplit -s -z -f "$CONFIG/trusted-" "$CONFIG/rest-certificates.pem" '/-----BEGIN CERTIFICATE-----/' '{*}'
for certificate in "$CONFIG"/trusted-*; do
  quietly "$KEYTOOL" -importcert -noprompt -storetype PKCS12 -keystore "$CONFIG/rest-truststore.p12" \
    -storepass:env TRUST_PASSWORD -alias "$(basename "$certificate")" -file "$certificate"
done
rm -f "$CONFIG"/trusted-*

printf '%s' "$CONNECT_REST_CA_KEYSTORE" | base64 -d > "$CONFIG/rest-ca.p12"
quietly "$KEYTOOL" -genkeypair -noprompt -storetype PKCS12 -keystore "$CONFIG/rest-keystore.p12" -storepass:env KEYSTORE_PASSWORD \
  -alias rest -keyalg EC -groupname secp256r1 -validity 90 -dname "CN=$CONNECT_REST_HOST"
quietly "$KEYTOOL" -certreq -storetype PKCS12 -keystore "$CONFIG/rest-keystore.p12" -storepass:env KEYSTORE_PASSWORD \
  -alias rest -file "$CONFIG/rest-ca.csr"
# 90 days: every rotation of the secret (30 days) redeploys the workers, which issue themselves a new one.
quietly "$KEYTOOL" -gencert -rfc -storetype PKCS12 -keystore "$CONFIG/rest-ca.p12" -storepass:env CA_PASSWORD -alias ca \
  -infile "$CONFIG/rest-ca.csr" -outfile "$CONFIG/rest-ca.issued.pem" -validity 90 \
  -ext "BC:critical=ca:false" -ext "KU:critical=digitalSignature" -ext "EKU=serverAuth,clientAuth" \
  -ext "SAN=dns:$CONNECT_REST_HOST,dns:localhost,ip:$HOST"
quietly "$KEYTOOL" -exportcert -rfc -storetype PKCS12 -keystore "$CONFIG/rest-ca.p12" -storepass:env CA_PASSWORD -alias ca \
  -file "$CONFIG/rest-ca.pem"
rm -f "$CONFIG/rest-ca.p12"
# The key's chain: the authority, then the certificate it issued (keytool checks the reply against it).
quietly "$KEYTOOL" -importcert -noprompt -storetype PKCS12 -keystore "$CONFIG/rest-keystore.p12" \
  -storepass:env KEYSTORE_PASSWORD -alias ca -file "$CONFIG/rest-ca.pem"
quietly "$KEYTOOL" -importcert -noprompt -storetype PKCS12 -keystore "$CONFIG/rest-keystore.p12" \
  -storepass:env KEYSTORE_PASSWORD -alias rest -file "$CONFIG/rest-ca.issued.pem"
# One entry only: the listener's key and its chain.
quietly "$KEYTOOL" -delete -storetype PKCS12 -keystore "$CONFIG/rest-keystore.p12" -storepass:env KEYSTORE_PASSWORD -alias ca
rm -f "$CONFIG"/rest-ca.*

printf 'listeners.https.ssl.keystore.password=%s\nlisteners.https.ssl.truststore.password=%s\n' \
  "$KEYSTORE_PASSWORD" "$TRUST_PASSWORD" >> "$PROPERTIES"
